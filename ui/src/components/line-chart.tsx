import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { PALETTE } from "./palette";

/** One curve: y values over steps. @example `const s: Series = { label: "auc", steps: [0, 1], values: [0.7, 0.8] };` */
export interface Series {
  label: string;
  steps: number[];
  values: number[];
}

/** Joins curves on the union of their steps (uPlot wants one x array; gaps are null). */
function align(series: Series[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.steps))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const y: (number | null)[] = new Array(xs.length).fill(null);
    s.steps.forEach((step, i) => {
      const v = s.values[i];
      y[index.get(step)!] = v === undefined || !Number.isFinite(v) ? null : v;
    });
    return y;
  });
  return [xs, ...ys];
}

/** A uPlot line chart of one metric over steps, one curve per series, sized to its box. @example `<LineChart title="auc" series={[s]} />` */
export function LineChart(props: { title: string; series: Series[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const style = getComputedStyle(document.documentElement);
    const ink = style.getPropertyValue("--ink").trim() || "#222";
    const grid = style.getPropertyValue("--grid").trim() || "#ddd";
    const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: props.height ?? 220,
        scales: { x: { time: false } },
        axes: [{ ...axis, label: "step" }, { ...axis }],
        series: [
          { label: "step" },
          ...props.series.map((s, i) => ({
            label: s.label,
            stroke: PALETTE[i % PALETTE.length]!,
            width: 2,
            spanGaps: true,
            points: { show: s.steps.length < 2 },
          })),
        ],
        legend: { show: true },
      },
      align(props.series),
      el,
    );
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(280, el.clientWidth), height: props.height ?? 220 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.series, props.height]);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} role="img" aria-label={`${props.title} over steps`} />
    </figure>
  );
}
