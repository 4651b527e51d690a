import { mlflowGet, mlflowPost } from "../api";
import { duration, num, when } from "../format";
import { metricNumber, type Run } from "../types";

/** A run flattened for the table: its latest metric values and its params by key. @example `row.metrics.get("auc")` */
export interface RunRow {
  id: string;
  name: string;
  status: string;
  start: number;
  end: number | undefined;
  user: string;
  metrics: Map<string, number>;
  params: Map<string, string>;
}

/** A table column: a run field, a metric or a param. @example `column.text(row)` */
export interface Column {
  id: string;
  label: string;
  numeric: boolean;
  value: (row: RunRow) => string | number | undefined;
  text: (row: RunRow) => string;
}

/** The most runs the table loads (MLflow's own search limit is 50,000 per page). @example `if (rows.length >= RUN_LIMIT) warn();` */
export const RUN_LIMIT = 50_000;
const PAGE = 2_500;

/** Flattens MLflow's Run JSON into a table row. @example `const row = toRow(run);` */
export function toRow(run: Run): RunRow {
  return {
    id: run.info.run_id,
    name: run.info.run_name ?? run.info.run_id,
    status: run.info.status,
    start: run.info.start_time ?? 0,
    end: run.info.end_time,
    user: run.info.user_id ?? "",
    metrics: new Map((run.data.metrics ?? []).map((m) => [m.key, metricNumber(m.value)])),
    params: new Map((run.data.params ?? []).map((p) => [p.key, p.value])),
  };
}

/**
 * Every run of an experiment matching an MLflow search filter, fetched page by page; each page
 * is handed to `onPage` as it arrives, so the table fills in while the rest loads.
 *
 * @example `await searchRuns("1", "metrics.auc > 0.8", (rows) => add(rows));`
 */
export async function searchRuns(
  experimentId: string,
  filter: string,
  onPage: (rows: RunRow[]) => void,
): Promise<number> {
  let token: string | undefined;
  let total = 0;
  do {
    const answer = await mlflowPost<{ runs?: Run[]; next_page_token?: string }>("runs/search", {
      experiment_ids: [experimentId],
      filter,
      max_results: PAGE,
      order_by: ["attributes.start_time DESC"],
      ...(token === undefined ? {} : { page_token: token }),
    });
    const rows = (answer.runs ?? []).map(toRow);
    total += rows.length;
    onPage(rows);
    token = answer.next_page_token;
  } while (token !== undefined && total < RUN_LIMIT);
  return total;
}

/** An experiment's name, for the page title. @example `await experimentName("1"); // "churn"` */
export async function experimentName(experimentId: string): Promise<string> {
  const answer = await mlflowGet<{ experiment: { name: string } }>("experiments/get", {
    experiment_id: experimentId,
  });
  return answer.experiment.name;
}

/** The fixed columns, then one per metric and param key seen in `rows`. @example `const columns = columnsOf(rows);` */
export function columnsOf(rows: RunRow[]): Column[] {
  const metricKeys = new Set<string>();
  const paramKeys = new Set<string>();
  for (const r of rows) {
    for (const k of r.metrics.keys()) metricKeys.add(k);
    for (const k of r.params.keys()) paramKeys.add(k);
  }
  const fixed: Column[] = [
    { id: "name", label: "Run", numeric: false, value: (r) => r.name, text: (r) => r.name },
    {
      id: "status",
      label: "Status",
      numeric: false,
      value: (r) => r.status,
      text: (r) => r.status,
    },
    {
      id: "start",
      label: "Started",
      numeric: true,
      value: (r) => r.start,
      text: (r) => when(r.start),
    },
    {
      id: "duration",
      label: "Duration",
      numeric: true,
      value: (r) => (r.end === undefined ? undefined : r.end - r.start),
      text: (r) => duration(r.start, r.end),
    },
    { id: "user", label: "User", numeric: false, value: (r) => r.user, text: (r) => r.user },
  ];
  const metrics: Column[] = [...metricKeys].sort().map((k) => ({
    id: `metrics.${k}`,
    label: k,
    numeric: true,
    value: (r) => r.metrics.get(k),
    text: (r) => num(r.metrics.get(k)),
  }));
  const params: Column[] = [...paramKeys].sort().map((k) => ({
    id: `params.${k}`,
    label: k,
    numeric: false,
    value: (r) => r.params.get(k),
    text: (r) => r.params.get(k) ?? "",
  }));
  return [...fixed, ...metrics, ...params];
}

/** Rows ordered by a column; missing values always sort last, whichever the direction. @example `sortRows(rows, aucColumn, true); // best AUC first` */
export function sortRows(rows: RunRow[], column: Column, descending: boolean): RunRow[] {
  const sign = descending ? -1 : 1;
  const keyed = rows.map((row) => ({ row, key: column.value(row) }));
  keyed.sort((a, b) => {
    if (a.key === undefined || (typeof a.key === "number" && Number.isNaN(a.key)))
      return b.key === undefined ? 0 : 1;
    if (b.key === undefined || (typeof b.key === "number" && Number.isNaN(b.key))) return -1;
    if (typeof a.key === "number" && typeof b.key === "number") return sign * (a.key - b.key);
    return sign * String(a.key).localeCompare(String(b.key), undefined, { numeric: true });
  });
  return keyed.map((k) => k.row);
}
