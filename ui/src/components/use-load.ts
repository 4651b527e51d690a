import { useEffect, useState } from "preact/hooks";
import type { ApiError } from "../api";

/** What a page's data fetch is doing. @example `if (loaded.state === "ready") show(loaded.value);` */
export type Loaded<T> =
  | { state: "loading" }
  | { state: "error"; error: ApiError | Error }
  | { state: "ready"; value: T };

/** Runs `load` whenever `deps` change; an answer that arrives after a newer request is dropped. @example `const [models, reload] = useLoad(() => mlflowGet("registered-models/search"), []);` */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [Loaded<T>, () => void] {
  const [result, setResult] = useState<Loaded<T>>({ state: "loading" });
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    let current = true;
    setResult({ state: "loading" });
    load().then(
      (value) => current && setResult({ state: "ready", value }),
      (error: unknown) =>
        current &&
        setResult({
          state: "error",
          error: error instanceof Error ? error : new Error(String(error)),
        }),
    );
    return () => {
      current = false;
    };
  }, [...deps, nonce]);
  return [result, () => setNonce((n) => n + 1)];
}
