import { useEffect, useState } from "preact/hooks";

/** The slice of rows to render for a scroll box: only what is visible plus some overscan. @example `rows.slice(view.first, view.last)` */
export interface Window {
  first: number;
  last: number;
  padTop: number;
  padBottom: number;
}

/**
 * Tracks which of `count` fixed-height rows are in view in the scroll box `box`, so a table of
 * tens of thousands of runs renders a few dozen rows at a time.
 *
 * @example `const view = useVirtualRows(boxRef, rows.length, 32);`
 */
export function useVirtualRows(
  box: { current: HTMLElement | null },
  count: number,
  rowHeight: number,
  overscan = 10,
): Window {
  const [view, setView] = useState({ top: 0, height: 600 });
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    let frame = 0;
    const update = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => setView({ top: el.scrollTop, height: el.clientHeight }));
    };
    update();
    el.addEventListener("scroll", update, { passive: true });
    const resize = new ResizeObserver(update);
    resize.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      el.removeEventListener("scroll", update);
      resize.disconnect();
    };
  }, [box]);
  const first = Math.max(0, Math.floor(view.top / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((view.top + view.height) / rowHeight) + overscan);
  return { first, last, padTop: first * rowHeight, padBottom: (count - last) * rowHeight };
}
