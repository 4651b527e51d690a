import {
  booleanColumn,
  type CellValue,
  type Column,
  cellAt,
  Frame,
  KeelError,
  numericColumn,
  stringColumn,
} from "../core/index.js";
import type { FeatureRepo, ResolvedView } from "./feature-repo.js";
import { entityKey, type OnlineRecord, type OnlineStore } from "./online-store.js";

/** Feast's per-value status of an online read. */
export type FieldStatus = "PRESENT" | "NULL_VALUE" | "NOT_FOUND" | "OUTSIDE_MAX_AGE";

/**
 * Entity rows for an online read: Feast's column form (`{ customer_id: [1, 2] }`) or a list of
 * row objects. Request-time fields of on-demand views travel in the same rows.
 *
 * @example
 * ```ts
 * const rows: OnlineEntityRows = { customer_id: [1001, 1002] };
 * ```
 */
export type OnlineEntityRows =
  | Readonly<Record<string, readonly CellValue[]>>
  | readonly Readonly<Record<string, CellValue>>[];

/**
 * The answer of an online read in Feast's column layout: one result per output name (entity
 * columns first, then features), each with a value, a status and an event time per entity row.
 *
 * @example
 * ```ts
 * result.metadata.featureNames; // ["customer_id", "tenure"]
 * result.results[1]?.statuses;  // ["PRESENT", "OUTSIDE_MAX_AGE"]
 * ```
 */
export interface OnlineFeaturesResult {
  readonly metadata: { readonly featureNames: readonly string[] };
  readonly results: readonly {
    readonly values: readonly CellValue[];
    readonly statuses: readonly FieldStatus[];
    /** Event time of each value, epoch ms (0 when none). */
    readonly eventTimestamps: readonly number[];
  }[];
}

/**
 * Options of {@link readOnlineFeatures}.
 *
 * @example
 * ```ts
 * const request: OnlineRequest = { features: ["customer_stats:tenure"], entityRows: { customer_id: [1001] } };
 * ```
 */
export interface OnlineRequest {
  readonly features: readonly string[] | { readonly service: string };
  readonly entityRows: OnlineEntityRows;
  readonly fullFeatureNames?: boolean;
  /** The time freshness is judged at, epoch ms. Default: now. */
  readonly now?: number;
}

/**
 * Reads features online: per view one batched read of the requested entities, then each value's
 * status: `NOT_FOUND` (no record), `OUTSIDE_MAX_AGE` (older than the view's TTL: the value is
 * withheld as null), `NULL_VALUE` (a stored null) or `PRESENT`. On-demand features are computed
 * from the request rows and their source features by the view's `compute`, as offline.
 *
 * @example
 * ```ts
 * const result = await readOnlineFeatures(repo, online, { features: ["customer_stats:tenure"], entityRows: { customer_id: [1001] } });
 * ```
 */
export async function readOnlineFeatures(
  repo: FeatureRepo,
  store: OnlineStore,
  request: OnlineRequest,
): Promise<OnlineFeaturesResult> {
  const columns = toColumns(request.entityRows);
  const n = columns.size === 0 ? 0 : ([...columns.values()][0]?.length ?? 0);
  for (const [name, values] of columns) {
    if (values.length !== n)
      throw new KeelError(
        "KEEL_ERR_ENTITY_ROWS",
        `entity column '${name}' has ${values.length} values, others have ${n}`,
        { details: { column: name } },
      );
  }
  const now = request.now ?? Date.now();
  const plan = readPlan(repo, request.features);
  const full = request.fullFeatureNames ?? false;
  const fetched = new Map<string, FetchedFeature>();
  for (const { view, features } of plan.fetches) {
    const keyColumns = view.joinKeys.map((key) => {
      const values = columns.get(key);
      if (values === undefined) {
        throw new KeelError(
          "KEEL_ERR_ENTITY_ROWS",
          `entity rows lack join key '${key}' of feature view '${view.name}'; got ${[...columns.keys()].join(", ") || "no columns"}`,
          { details: { view: view.name, column: key } },
        );
      }
      return values;
    });
    const keys = entityKeys(keyColumns, n);
    const records = await store.read(view.name, keys);
    for (const [feature, out] of readStatuses(records, features, view.ttlSeconds * 1000, now))
      fetched.set(`${view.name}:${feature}`, out);
  }
  const computed = computeOnDemand(repo, plan.pairs, columns, fetched, n);
  const names = [...columns.keys()].filter(
    (c) => plan.allJoinKeys === null || plan.allJoinKeys.has(c),
  );
  const results: OnlineFeaturesResult["results"][number][] = names.map((c) => ({
    values: columns.get(c) ?? [],
    statuses: new Array<FieldStatus>(n).fill("PRESENT"),
    eventTimestamps: new Array<number>(n).fill(0),
  }));
  const featureNames = [...names];
  for (const [view, feature] of plan.pairs) {
    const got = fetched.get(`${view}:${feature}`) ?? computed.get(`${view}:${feature}`);
    if (got === undefined) continue;
    featureNames.push(full ? `${view}__${feature}` : feature);
    results.push({ values: got.values, statuses: got.statuses, eventTimestamps: got.ts });
  }
  return { metadata: { featureNames }, results };
}

/** One feature's column of an online read. */
interface FetchedFeature {
  values: CellValue[];
  statuses: FieldStatus[];
  ts: number[];
}

/**
 * What a feature list needs, worked out once per repo and list: the requested pairs, the
 * materialised features to fetch per view (on-demand views' sources included), and the
 * repo's join keys (the entity columns echoed back; `null` when the repo has no views).
 */
interface ReadPlan {
  readonly pairs: readonly [string, string][];
  readonly fetches: readonly { view: ResolvedView; features: readonly string[] }[];
  readonly allJoinKeys: ReadonlySet<string> | null;
}

// Resolving references is string parsing and map look-ups that every request for the same
// feature list would repeat; a repo is immutable, so its plans are kept beside it. Bounded, so
// arbitrary lists arriving over HTTP cannot grow it without limit.
const PLAN_CACHE_SIZE = 256;
const plans = new WeakMap<FeatureRepo, Map<string, ReadPlan>>();

function readPlan(
  repo: FeatureRepo,
  features: readonly string[] | { readonly service: string },
): ReadPlan {
  const cacheKey = Array.isArray(features)
    ? features.every((f) => typeof f === "string")
      ? `f:${features.join("\u0000")}`
      : undefined
    : typeof (features as { service: unknown }).service === "string"
      ? `s:${(features as { service: string }).service}`
      : undefined;
  let cache = plans.get(repo);
  const hit = cacheKey === undefined ? undefined : cache?.get(cacheKey);
  if (hit !== undefined) return hit;
  const pairs = repo.resolveFeatures(features);
  // Materialised features the on-demand views read are fetched too (but only returned when asked).
  const needed = new Map<string, Set<string>>();
  const need = (view: string, feature: string) =>
    needed.set(view, (needed.get(view) ?? new Set()).add(feature));
  for (const [view, feature] of pairs) {
    const onDemand = repo.onDemandViews.get(view);
    if (onDemand === undefined) need(view, feature);
    else
      for (const source of onDemand.sources)
        if (typeof source === "string")
          for (const f of repo.view(source).features) need(source, f.name);
  }
  const plan: ReadPlan = {
    pairs,
    fetches: [...needed].map(([view, set]) => ({ view: repo.view(view), features: [...set] })),
    allJoinKeys:
      repo.views.size === 0 ? null : new Set([...repo.views.values()].flatMap((v) => v.joinKeys)),
  };
  if (cacheKey !== undefined) {
    if (cache === undefined) {
      cache = new Map();
      plans.set(repo, cache);
    }
    if (cache.size >= PLAN_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(cacheKey, plan);
  }
  return plan;
}

function entityKeys(keyColumns: readonly (readonly CellValue[])[], n: number): string[] {
  const keys = new Array<string>(n);
  const [only] = keyColumns;
  if (keyColumns.length === 1 && only !== undefined)
    for (let i = 0; i < n; i++) keys[i] = entityKey([only[i] ?? null]);
  else for (let i = 0; i < n; i++) keys[i] = entityKey(keyColumns.map((c) => c[i] ?? null));
  return keys;
}

/**
 * Each feature's values and statuses from one view's records: `NOT_FOUND`, `OUTSIDE_MAX_AGE`
 * (value withheld), `NULL_VALUE` or `PRESENT`. A record's freshness is judged once for all its
 * features, and the features of one view share one event-time array.
 */
function readStatuses(
  records: readonly (OnlineRecord | undefined)[],
  features: readonly string[],
  maxAgeMs: number,
  now: number,
): [string, FetchedFeature][] {
  const n = records.length;
  const ts = new Array<number>(n);
  const outs = features.map(
    (): FetchedFeature => ({
      values: new Array<CellValue>(n),
      statuses: new Array<FieldStatus>(n),
      ts,
    }),
  );
  for (let i = 0; i < n; i++) {
    const record = records[i];
    const withheld: FieldStatus | undefined =
      record === undefined
        ? "NOT_FOUND"
        : maxAgeMs > 0 && now - record.eventTs > maxAgeMs
          ? "OUTSIDE_MAX_AGE"
          : undefined;
    ts[i] = record === undefined ? 0 : record.eventTs;
    for (let j = 0; j < outs.length; j++) {
      const out = outs[j] as FetchedFeature;
      if (withheld !== undefined || record === undefined) {
        out.values[i] = null;
        out.statuses[i] = withheld ?? "NOT_FOUND";
      } else {
        const value = record.values[features[j] as string] ?? null;
        out.values[i] = value;
        out.statuses[i] = value === null ? "NULL_VALUE" : "PRESENT";
      }
    }
  }
  return features.map((feature, j) => [feature, outs[j] as FetchedFeature]);
}

function toColumns(rows: OnlineEntityRows): Map<string, readonly CellValue[]> {
  if (Array.isArray(rows)) {
    const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    return new Map(
      names.map((name) => [name, rows.map((r: Record<string, CellValue>) => r[name] ?? null)]),
    );
  }
  if (rows === null || typeof rows !== "object") {
    throw new KeelError(
      "KEEL_ERR_ENTITY_ROWS",
      "entity rows must be { column: [values] } or a list of row objects",
      { details: {} },
    );
  }
  const out = new Map<string, readonly CellValue[]>();
  for (const [name, values] of Object.entries(rows as Record<string, readonly CellValue[]>)) {
    if (!Array.isArray(values))
      throw new KeelError(
        "KEEL_ERR_ENTITY_ROWS",
        `entity column '${name}' must be an array of values`,
        { details: { column: name } },
      );
    out.set(name, values);
  }
  return out;
}

function computeOnDemand(
  repo: FeatureRepo,
  pairs: readonly [string, string][],
  columns: Map<string, readonly CellValue[]>,
  fetched: Map<string, FetchedFeature>,
  n: number,
): Map<string, FetchedFeature> {
  const out = new Map<string, FetchedFeature>();
  for (const viewName of new Set(pairs.map(([v]) => v))) {
    const view = repo.onDemandViews.get(viewName);
    if (view === undefined) continue;
    const input: [string, Column][] = [];
    for (const source of view.sources) {
      if (typeof source === "string") {
        for (const f of repo.view(source).features) {
          input.push([
            f.name,
            cellsToColumn(fetched.get(`${source}:${f.name}`)?.values ?? [], f.kind),
          ]);
        }
      } else {
        for (const [field, kind] of Object.entries(source.schema)) {
          const values = columns.get(field);
          if (values === undefined)
            throw new KeelError(
              "KEEL_ERR_ENTITY_ROWS",
              `on-demand view '${view.name}' needs request field '${field}'`,
              { details: { view: view.name, column: field } },
            );
          input.push([field, cellsToColumn(values, kind)]);
        }
      }
    }
    const result = view.compute(Frame.fromColumns(input));
    for (const feature of Object.keys(view.schema)) {
      const column = result[feature];
      const values: CellValue[] = [];
      for (let i = 0; i < n; i++) {
        const cell =
          column === undefined
            ? null
            : "kind" in column
              ? cellAt(column as Column, i)
              : ((column as ArrayLike<CellValue>)[i] ?? null);
        values.push(typeof cell === "number" && Number.isNaN(cell) ? null : cell);
      }
      out.set(`${view.name}:${feature}`, {
        values,
        statuses: values.map((v) => (v === null ? "NULL_VALUE" : "PRESENT")),
        ts: values.map(() => 0),
      });
    }
  }
  return out;
}

function cellsToColumn(values: readonly CellValue[], kind: string): Column {
  if (kind === "numeric" || kind === "timestamp")
    return numericColumn(values.map((v) => (typeof v === "number" ? v : Number.NaN)));
  if (kind === "boolean")
    return booleanColumn(values.map((v) => (typeof v === "boolean" ? v : null)));
  return stringColumn(values.map((v) => (v === null ? null : String(v))));
}
