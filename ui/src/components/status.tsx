import type { ComponentChildren } from "preact";
import { ApiError } from "../api";
import type { Loaded } from "./use-load";

/** Shows loading and error states of a fetch, and `children(value)` once it is ready. @example `<Show what={loaded}>{(runs) => <RunsTable runs={runs} />}</Show>` */
export function Show<T>(props: {
  what: Loaded<T>;
  children: (value: T) => ComponentChildren;
}): ComponentChildren {
  const { what } = props;
  if (what.state === "loading")
    return (
      <p class="muted" aria-busy="true">
        Loading…
      </p>
    );
  if (what.state === "error") {
    const e = what.error;
    return (
      <p class="error" role="alert">
        {e instanceof ApiError ? `${e.code}: ${e.message}` : e.message}
        {e instanceof ApiError && (e.status === 401 || e.status === 403) && (
          <>
            {" "}
            <a href="#/token">Enter a token</a>
          </>
        )}
      </p>
    );
  }
  return props.children(what.value);
}
