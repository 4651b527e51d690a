import { useEffect, useState } from "preact/hooks";

/** The current hash route: `#/runs/abc?x=1` → `{ path: ["runs", "abc"], query }`. @example `route.path[0] === "runs"` */
export interface Route {
  path: string[];
  query: URLSearchParams;
}

function parse(hash: string): Route {
  const text = hash.replace(/^#\/?/, "");
  const [path = "", query = ""] = text.split("?", 2);
  return {
    path: path
      .split("/")
      .filter((p) => p !== "")
      .map(decodeURIComponent),
    query: new URLSearchParams(query),
  };
}

/** The hash route, re-rendering on navigation (hash routing needs no server catch-all). @example `const { path, query } = useRoute();` */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const update = () => setRoute(parse(location.hash));
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return route;
}

/** A link target for a route: `href("runs", id)` → `#/runs/<id>`. @example `<a href={href("runs", runId)}>run</a>` */
export function href(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join("/")}`;
}
