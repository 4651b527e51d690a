import { useEffect, useState } from "preact/hooks";
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
 * With `refreshMs`, loads again on that interval while the page is open, keeping what is shown
 * until the new answer arrives (live pages: deployments, monitors).
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
  useEffect(() => {
    let current = true;
    setResult({ state: "loading" });
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
