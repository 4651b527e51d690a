import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError } from "../api";
import { useVirtualRows } from "../components/virtual-rows";
import { href } from "../route";
import {
  type Column,
  columnsOf,
  experimentName,
  RUN_LIMIT,
  type RunRow,
  searchRuns,
  sortRows,
} from "./run-rows";

const ROW_HEIGHT = 32;
const MAX_COMPARE = 10;

/** Which columns show by default: the fixed ones, the first 6 metrics and the first 4 params. */
function defaultVisible(columns: Column[]): Set<string> {
  const metrics = columns.filter((c) => c.id.startsWith("metrics.")).slice(0, 6);
  const params = columns.filter((c) => c.id.startsWith("params.")).slice(0, 4);
  return new Set([
    "name",
    "status",
    "start",
    "duration",
    ...metrics.map((c) => c.id),
    ...params.map((c) => c.id),
  ]);
}

/**
 * An experiment's runs: an MLflow search filter (`metrics.auc > 0.8 AND params.depth = '6'`,
 * with OR), sortable columns, a column chooser, selection for compare, and a virtualised body.
 *
 * @example `<RunsPage experimentId="1" filter="metrics.auc > 0.8" />`
 */
export function RunsPage(props: { experimentId: string; filter: string }) {
  const { experimentId } = props;
  const [name, setName] = useState(experimentId);
  const [rows, setRows] = useState<RunRow[]>([]);
  const [state, setState] = useState<"loading" | "ready" | { error: string }>("loading");
  const [draft, setDraft] = useState(props.filter);
  const [sort, setSort] = useState<{ id: string; descending: boolean }>({
    id: "start",
    descending: true,
  });
  const [visible, setVisible] = useState<Set<string> | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    experimentName(experimentId).then(setName, () => {});
  }, [experimentId]);

  useEffect(() => {
    let current = true;
    setRows([]);
    setState("loading");
    setDraft(props.filter);
    const loaded: RunRow[] = [];
    searchRuns(experimentId, props.filter, (page) => {
      if (!current) return;
      loaded.push(...page);
      setRows([...loaded]);
    }).then(
      () => current && setState("ready"),
      (e: unknown) =>
        current &&
        setState({ error: e instanceof ApiError ? `${e.code}: ${e.message}` : String(e) }),
    );
    return () => {
      current = false;
    };
  }, [experimentId, props.filter]);

  const columns = useMemo(() => columnsOf(rows), [rows]);
  const shown = useMemo(() => {
    const chosen = visible ?? defaultVisible(columns);
    return columns.filter((c) => chosen.has(c.id));
  }, [columns, visible]);
  const sorted = useMemo(() => {
    const column = columns.find((c) => c.id === sort.id);
    return column === undefined ? rows : sortRows(rows, column, sort.descending);
  }, [rows, columns, sort]);
  const view = useVirtualRows(box, sorted.length, ROW_HEIGHT);

  const applyFilter = (event: Event) => {
    event.preventDefault();
    const query = draft.trim() === "" ? "" : `?filter=${encodeURIComponent(draft.trim())}`;
    location.hash = `${href("experiments", experimentId)}${query}`.slice(1);
  };
  const toggleSort = (id: string) =>
    setSort((s) => ({ id, descending: s.id === id ? !s.descending : id !== "name" }));
  const toggleColumn = (id: string) =>
    setVisible((v) => {
      const next = new Set(v ?? defaultVisible(columns));
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const toggleRun = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  // Arrow keys move between rows (same control: checkbox or run link), scrolling rows that
  // the virtualised body has not rendered yet into view before focusing them.
  const moveFocus = (event: KeyboardEvent) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const target = event.target as HTMLElement;
    const row = target.closest("tr[aria-rowindex]");
    const el = box.current;
    if (row === null || el === null) return;
    event.preventDefault();
    const index = Number(row.getAttribute("aria-rowindex")) - 2;
    const next = Math.min(
      sorted.length - 1,
      Math.max(0, index + (event.key === "ArrowDown" ? 1 : -1)),
    );
    const top = next * ROW_HEIGHT;
    const header = ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT + header > el.scrollTop + el.clientHeight)
      el.scrollTop = top + ROW_HEIGHT + header - el.clientHeight;
    const selector = `tr[aria-rowindex="${next + 2}"] ${target.tagName === "INPUT" ? "input" : "a"}`;
    const focus = (tries: number) => {
      const found = el.querySelector<HTMLElement>(selector);
      if (found !== null) found.focus({ preventScroll: true });
      else if (tries > 0) requestAnimationFrame(() => focus(tries - 1));
    };
    focus(5);
  };
  // Listened to on the scroll box (keydown bubbles from the row's checkbox or link).
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    el.addEventListener("keydown", moveFocus);
    return () => el.removeEventListener("keydown", moveFocus);
  });
  const compareHref = `${href("compare")}?runs=${[...selected].map(encodeURIComponent).join(",")}`;
  const canCompare = selected.size >= 2 && selected.size <= MAX_COMPARE;

  return (
    <section aria-labelledby="runs-title" class="runs-page">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href("experiments")}>Experiments</a> / <span>{name}</span>
      </nav>
      <h1 id="runs-title">{name}</h1>
      <form class="toolbar" onSubmit={applyFilter}>
        <label for="run-filter">Filter</label>
        <input
          id="run-filter"
          type="search"
          value={draft}
          onInput={(e) => setDraft(e.currentTarget.value)}
          placeholder="metrics.auc > 0.8 AND params.max_depth = '6'"
          spellcheck={false}
        />
        <button type="submit">Apply</button>
        <details class="chooser">
          <summary>Columns</summary>
          <fieldset>
            <legend>Shown columns</legend>
            {columns.map((c) => (
              <label key={c.id}>
                <input
                  type="checkbox"
                  checked={shown.some((s) => s.id === c.id)}
                  onChange={() => toggleColumn(c.id)}
                />
                {c.id.includes(".") ? c.id : c.label}
              </label>
            ))}
          </fieldset>
        </details>
        {canCompare ? (
          <a class="button" href={compareHref}>
            Compare {selected.size} runs
          </a>
        ) : (
          <span class="muted">Select 2–{MAX_COMPARE} runs to compare</span>
        )}
      </form>
      <p class="muted" aria-live="polite" data-testid="run-count">
        {typeof state === "object"
          ? ""
          : `${sorted.length} run${sorted.length === 1 ? "" : "s"}${state === "loading" ? " (loading…)" : ""}${sorted.length >= RUN_LIMIT ? ` (first ${RUN_LIMIT})` : ""}`}
      </p>
      {typeof state === "object" && (
        <p class="error" role="alert">
          {state.error}
        </p>
      )}
      <div class="table-box" ref={box}>
        <table class="data runs" aria-rowcount={sorted.length + 1}>
          <thead>
            <tr>
              <th scope="col" class="pick">
                <span class="visually-hidden">Select</span>
              </th>
              {shown.map((c) => (
                <th
                  key={c.id}
                  scope="col"
                  class={c.numeric ? "num" : ""}
                  aria-sort={
                    sort.id === c.id ? (sort.descending ? "descending" : "ascending") : "none"
                  }
                >
                  <button type="button" class="sort" onClick={() => toggleSort(c.id)} title={c.id}>
                    {c.label}
                    {sort.id === c.id ? (sort.descending ? " ▼" : " ▲") : ""}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {view.padTop > 0 && <tr style={{ height: `${view.padTop}px` }} />}
            {sorted.slice(view.first, view.last).map((r, i) => (
              <tr key={r.id} aria-rowindex={view.first + i + 2}>
                <td class="pick">
                  <input
                    type="checkbox"
                    aria-label={`select ${r.name}`}
                    checked={selected.has(r.id)}
                    onChange={() => toggleRun(r.id)}
                  />
                </td>
                {shown.map((c) =>
                  c.id === "name" ? (
                    <td key={c.id}>
                      <a href={href("runs", r.id)}>{r.name}</a>
                    </td>
                  ) : (
                    <td key={c.id} class={c.numeric ? "num" : ""}>
                      {c.text(r)}
                    </td>
                  ),
                )}
              </tr>
            ))}
            {view.padBottom > 0 && <tr style={{ height: `${view.padBottom}px` }} />}
          </tbody>
        </table>
      </div>
    </section>
  );
}
