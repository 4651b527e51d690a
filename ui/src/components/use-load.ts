import { useEffect, useRef, useState } from "preact/hooks";
import type { ApiError } from "../api";

/** What a page's data fetch is doing. @example `if (loaded.state === "ready") show(loaded.value);` */
export type Loaded<T> =
  | { state: "loading" }
  | { state: "error"; error: ApiError | Error }
  | { state: "ready"; value: T };

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Runs `load` whenever `deps` change; an answer that arrives after a newer request is dropped.
 * `reload()` and, with `refreshMs`, a timer load again while keeping what is shown until the new
 * answer arrives (so a message or a picked option on the page survives a refresh).
 *
 * @example `const [models, reload] = useLoad(() => mlflowGet("registered-models/search"), []);`
 */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: unknown[],
  refreshMs?: number,
): [Loaded<T>, () => void] {
  const [result, setResult] = useState<Loaded<T>>({ state: "loading" });
  const [nonce, setNonce] = useState(0);
  const shownFor = useRef<string | null>(null);
  useEffect(() => {
    let current = true;
    // Only new deps show "Loading…"; a reload of the same page keeps the old answer on screen.
    const key = JSON.stringify(deps);
    if (shownFor.current !== key) setResult({ state: "loading" });
    shownFor.current = key;
    load().then(
      (value) => current && setResult({ state: "ready", value }),
      (error: unknown) => current && setResult({ state: "error", error: asError(error) }),
    );
    let timer: ReturnType<typeof setInterval> | undefined;
    if (refreshMs !== undefined) {
      let busy = false;
      timer = setInterval(() => {
        if (busy) return;
        busy = true;
        load()
          .then(
            (value) => current && setResult({ state: "ready", value }),
            (error: unknown) => current && setResult({ state: "error", error: asError(error) }),
          )
          .finally(() => {
            busy = false;
          });
      }, refreshMs);
    }
    return () => {
      current = false;
      if (timer !== undefined) clearInterval(timer);
    };
  }, [...deps, nonce]);
  return [result, () => setNonce((n) => n + 1)];
}
