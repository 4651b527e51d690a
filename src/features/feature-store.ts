import {
  type CellValue,
  type Column,
  type ColumnKind,
  cellAt,
  Frame,
  type FrameRecord,
  isKeelError,
  KeelError,
  nullProgress,
  type Progress,
} from "../core/index.js";
import { writeFrame } from "../data/index.js";
import type { FeatureRepo, ResolvedView } from "./feature-repo.js";
import type { EntityRowsInput, OfflineStore } from "./offline-store.js";
import {
  type OnlineFeaturesResult,
  type OnlineRequest,
  readOnlineFeatures,
} from "./online-read.js";
import { entityKey, type OnlineStore, type OnlineWrite } from "./online-store.js";
import type { FeatureRegistry, ViewState } from "./registry.js";

/**
 * Options of {@link FeatureStore.getHistoricalFeatures}.
 *
 * @example
 * ```ts
 * const request: HistoricalRequest = { entityRows: "labels.csv", features: ["customer_stats:tenure"] };
 * ```
 */
export interface HistoricalRequest {
  /** A Frame, a CSV/Parquet file or `{ sql }`, with the join keys and `event_timestamp`. */
  readonly entityRows?: EntityRowsInput;
  /** Without entity rows: every entity active in [start, end] (epoch ms), as of `end`. */
  readonly range?: { readonly start: number; readonly end: number };
  /** `["view:feature", …]` or `{ service: "name" }`. */
  readonly features: readonly string[] | { readonly service: string };
  /** Name columns `view__feature`. Default false. */
  readonly fullFeatureNames?: boolean;
  /** Write the result to this CSV/Parquet file instead of returning it. */
  readonly out?: string;
}

/**
 * Per-view outcome of a materialisation.
 *
 * @example
 * ```ts
 * const r: MaterializeResult = { view: "stats", start: 0, end: Date.now(), rows: 1200 };
 * ```
 */
export interface MaterializeResult {
  readonly view: string;
  readonly start: number;
  readonly end: number;
  readonly rows: number;
}

/**
 * Freshness of one view as `keel features status` shows it.
 *
 * @example
 * ```ts
 * const s: ViewStatus = { ...state, online: true, freshnessSeconds: 86400, stalenessSeconds: 3600, dataAgeSeconds: 7200, stale: false };
 * ```
 */
export interface ViewStatus extends ViewState {
  readonly online: boolean;
  readonly freshnessSeconds: number;
  /** Seconds since the online store was last brought up to date (watermark or pushed event); null if never. */
  readonly stalenessSeconds: number | null;
  /**
   * Age in seconds of the newest row it holds (newest event materialised or pushed); null when
   * unknown (nothing yet, or materialised before keel recorded it).
   */
  readonly dataAgeSeconds: number | null;
  /**
   * No online data at all, or, against a target: materialised (or pushed) longer ago than it,
   * or its newest row older than it (the source stopped receiving rows; with the TTL as the
   * target, every online read of the view is then `OUTSIDE_MAX_AGE`).
   */
  readonly stale: boolean;
}

/** Where pushed rows go, as Feast's `to` field says. */
export type PushTarget = "online" | "offline" | "online_and_offline";

const BATCH = 1000;

/**
 * Freshness of every view of a repo at `now` from the registry's state (what
 * {@link FeatureStore.status} returns; it needs neither the offline nor the online store).
 *
 * @example
 * ```ts
 * const stale = (await viewStatuses(repo, registry, Date.now())).filter((s) => s.stale);
 * ```
 */
export async function viewStatuses(
  repo: FeatureRepo,
  registry: FeatureRegistry,
  now: number,
): Promise<ViewStatus[]> {
  const out: ViewStatus[] = [];
  for (const view of repo.views.values()) {
    const state = await registry.state(view.name);
    const newest = Math.max(
      state.materializedUntil ?? Number.NEGATIVE_INFINITY,
      state.lastPushedEvent ?? Number.NEGATIVE_INFINITY,
    );
    const staleness = Number.isFinite(newest) ? Math.max(0, (now - newest) / 1000) : null;
    const newestRow = Math.max(
      state.newestEvent ?? Number.NEGATIVE_INFINITY,
      state.lastPushedEvent ?? Number.NEGATIVE_INFINITY,
    );
    const dataAge = Number.isFinite(newestRow) ? Math.max(0, (now - newestRow) / 1000) : null;
    const target = view.freshnessSeconds;
    out.push({
      ...state,
      online: view.definition.online,
      freshnessSeconds: target,
      stalenessSeconds: staleness,
      dataAgeSeconds: dataAge,
      stale:
        view.definition.online &&
        (staleness === null ||
          (target > 0 && (staleness > target || (dataAge !== null && dataAge > target)))),
    });
  }
  return out;
}

/**
 * The feature store's library API: point-in-time training sets from the offline store,
 * materialisation into the online store, online reads with enforced freshness, pushes, and
 * freshness status. It ties a validated {@link FeatureRepo} to one offline store, one online
 * store and the registry.
 *
 * @example
 * ```ts
 * const store = new FeatureStore({ repo, offline: duckDbOfflineStore(), online: sqliteOnlineStore({ path: ".keel/online.db" }), registry });
 * const training = await store.getHistoricalFeatures({ entityRows: "labels.csv", features: { service: "churn_v1" } });
 * ```
 */
export class FeatureStore {
  readonly repo: FeatureRepo;
  readonly offline: OfflineStore;
  readonly online: OnlineStore;
  readonly registry: FeatureRegistry;

  constructor(options: {
    repo: FeatureRepo;
    offline: OfflineStore;
    online: OnlineStore;
    registry: FeatureRegistry;
  }) {
    this.repo = options.repo;
    this.offline = options.offline;
    this.online = options.online;
    this.registry = options.registry;
  }

  /**
   * A point-in-time-correct training set (see {@link OfflineStore} for the rule): one row per
   * entity row, in order, with the requested features. On-demand features are computed by their
   * view's function over the joined source features.
   *
   * @example
   * ```ts
   * const frame = await store.getHistoricalFeatures({ entityRows: labels, features: ["customer_stats:tenure", "customer_stats:monetary"] });
   * ```
   */
  async getHistoricalFeatures(request: HistoricalRequest): Promise<Frame | undefined> {
    const pairs = this.repo.resolveFeatures(request.features);
    const full = request.fullFeatureNames ?? false;
    const onDemand = pairs.filter(([v]) => this.repo.onDemandViews.has(v));
    if (onDemand.length === 0) {
      return this.offline.historical(this.repo, {
        ...(request.entityRows === undefined ? {} : { entityRows: request.entityRows }),
        ...(request.range === undefined ? {} : { range: request.range }),
        ...(request.out === undefined ? {} : { out: request.out }),
        features: pairs,
        fullFeatureNames: full,
      });
    }
    // Join the materialised features (and every source feature of the on-demand views, under
    // full names so they cannot clash), compute the on-demand ones, then keep what was asked.
    const sourcePairs = new Map<string, [string, string]>();
    for (const [view, feature] of pairs) {
      const odfv = this.repo.onDemandViews.get(view);
      if (odfv === undefined) sourcePairs.set(`${view}:${feature}`, [view, feature]);
      else
        for (const source of odfv.sources)
          if (typeof source === "string")
            for (const f of this.repo.view(source).features)
              sourcePairs.set(`${source}:${f.name}`, [source, f.name]);
    }
    const joined = await this.offline.historical(this.repo, {
      ...(request.entityRows === undefined ? {} : { entityRows: request.entityRows }),
      ...(request.range === undefined ? {} : { range: request.range }),
      features: [...sourcePairs.values()],
      fullFeatureNames: true,
    });
    if (joined === undefined)
      throw new KeelError("KEEL_ERR_INTERNAL", "offline store returned no frame");
    const entityColumns = joined.columnNames.filter(
      (c) => ![...sourcePairs.values()].some(([v, f]) => c === `${v}__${f}`),
    );
    const out: [string, Column][] = entityColumns.map((c) => [c, joined.column(c)]);
    for (const [view, feature] of pairs) {
      const name = full ? `${view}__${feature}` : feature;
      const odfv = this.repo.onDemandViews.get(view);
      if (odfv === undefined) {
        out.push([name, joined.column(`${view}__${feature}`)]);
        continue;
      }
      const input: [string, Column][] = [];
      for (const source of odfv.sources) {
        if (typeof source === "string")
          for (const f of this.repo.view(source).features)
            input.push([f.name, joined.column(`${source}__${f.name}`)]);
        else
          for (const field of Object.keys(source.schema)) input.push([field, joined.column(field)]);
      }
      const computed = odfv.compute(Frame.fromColumns(input))[feature];
      const kind = odfv.schema[feature] ?? "numeric";
      out.push([name, toColumn(computed, kind, joined.nRows)]);
    }
    const frame = Frame.fromColumns(out);
    if (request.out !== undefined) {
      await writeFrame(frame, request.out);
      return undefined;
    }
    return frame;
  }

  /**
   * Online feature values with a status per value (`PRESENT`, `NULL_VALUE`, `NOT_FOUND`,
   * `OUTSIDE_MAX_AGE`), in Feast's column layout.
   *
   * @example
   * ```ts
   * await store.getOnlineFeatures({ features: ["customer_stats:tenure"], entityRows: { customer_id: [1001] } });
   * ```
   */
  getOnlineFeatures(request: OnlineRequest): Promise<OnlineFeaturesResult> {
    return readOnlineFeatures(this.repo, this.online, request);
  }

  /**
   * Copies, per online view, the newest row of each entity with `start ≤ t ≤ end` (epoch ms) into
   * the online store, in batches, then records the window and advances the view's watermark.
   * The watermark moves only after every batch of the window is written, and online writes are
   * newer-wins, so a run that stopped midway is finished by running it again, and running it
   * twice changes nothing. With `chunkMs` the window is processed chunk by chunk in time
   * order, the watermark advancing after each, so an interrupted run resumes where it stopped.
   *
   * @example
   * ```ts
   * await store.materialize({ start: Date.parse("2026-01-01"), end: Date.now() });
   * ```
   */
  async materialize(options: {
    start: number;
    end: number;
    views?: readonly string[];
    progress?: Progress;
    /** Split the window into chunks of this many ms, each committed (watermark and all) in turn. */
    chunkMs?: number;
  }): Promise<MaterializeResult[]> {
    const results: MaterializeResult[] = [];
    for (const view of this.#onlineViews(options.views)) {
      results.push(
        await this.#materializeView(
          view,
          options.start,
          options.end,
          options.progress ?? nullProgress,
          options.chunkMs,
        ),
      );
    }
    return results;
  }

  /**
   * Materialises each online view from its watermark (or, the first time, from `end − ttl`, or
   * the beginning of time for views without a TTL) up to `end`.
   *
   * @example
   * ```ts
   * await store.materializeIncremental({ end: Date.now() });
   * ```
   */
  async materializeIncremental(options: {
    end: number;
    views?: readonly string[];
    progress?: Progress;
    /** Split the window into chunks of this many ms, each committed (watermark and all) in turn. */
    chunkMs?: number;
  }): Promise<MaterializeResult[]> {
    const results: MaterializeResult[] = [];
    for (const view of this.#onlineViews(options.views)) {
      const state = await this.registry.state(view.name);
      const start =
        state.materializedUntil ?? (view.ttlSeconds > 0 ? options.end - view.ttlSeconds * 1000 : 0);
      results.push(
        await this.#materializeView(
          view,
          start,
          options.end,
          options.progress ?? nullProgress,
          options.chunkMs,
        ),
      );
    }
    return results;
  }

  /**
   * Writes rows of a push-source view (by view name or push source name): validated against the
   * view's schema first (a wrong column or value is `KEEL_ERR_PUSH_SCHEMA` naming the view,
   * column and row, and nothing is written), then appended to the offline log and/or upserted
   * online.
   *
   * @example
   * ```ts
   * await store.push("clicks_push", [{ customer_id: 1001, event_timestamp: "2026-03-01T10:00:00Z", clicks_1h: 4 }]);
   * ```
   */
  async push(
    target: string,
    rows: Frame | readonly FrameRecord[],
    options: { to?: PushTarget } = {},
  ): Promise<{ view: string; rows: number }> {
    const view = this.#pushView(target);
    const frame = pushFrame(view, rows);
    const to = options.to ?? "online_and_offline";
    if (to !== "online") await this.offline.appendPushed(this.repo, view, frame);
    const writes = toWrites(view, frame, (name) => frame.column(name), "ms");
    if (to !== "offline") await this.online.write(view.name, writes);
    // Freshness is about what online reads see: rows pushed only to the offline log do not count.
    if (writes.length > 0 && to !== "offline")
      await this.registry.recordPush(
        view.name,
        Date.now(),
        Math.max(...writes.map((w) => w.eventTs)),
      );
    return { view: view.name, rows: frame.nRows };
  }

  /**
   * Freshness of every view at `now`: watermark, last push, staleness, and whether it is older
   * than the view's freshness target (the TTL unless `freshness` is set).
   *
   * @example
   * ```ts
   * (await store.status()).filter((s) => s.stale);
   * ```
   */
  status(now = Date.now()): Promise<ViewStatus[]> {
    return viewStatuses(this.repo, this.registry, now);
  }

  #onlineViews(names: readonly string[] | undefined): ResolvedView[] {
    if (names !== undefined && names.length > 0) return names.map((n) => this.repo.view(n));
    return [...this.repo.views.values()].filter((v) => v.definition.online);
  }

  #pushView(target: string): ResolvedView {
    for (const view of this.repo.views.values()) {
      const source = view.definition.source;
      if (source.type === "push" && (source.name === target || view.name === target)) return view;
    }
    const names = [...this.repo.views.values()].flatMap((v) =>
      v.definition.source.type === "push" ? [v.definition.source.name] : [],
    );
    throw new KeelError(
      "KEEL_ERR_FEATURE_NOT_FOUND",
      `no push source or push-fed view named '${target}' (push sources: ${names.join(", ") || "none"})`,
      {
        details: { pushSource: target, known: names },
      },
    );
  }

  async #materializeView(
    view: ResolvedView,
    start: number,
    end: number,
    progress: Progress,
    chunkMs: number | undefined,
  ): Promise<MaterializeResult> {
    if (!(end >= start)) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `materialize: end (${new Date(end).toISOString()}) is before start (${new Date(start).toISOString()})`,
        {
          details: { view: view.name, start, end },
        },
      );
    }
    // Each chunk of the window is written and then recorded (advancing the watermark) before
    // the next is read, so an interrupted run resumes from the last finished chunk.
    const step = chunkMs !== undefined && chunkMs > 0 ? chunkMs : Number.POSITIVE_INFINITY;
    let rows = 0;
    let newestEvent: number | null = null;
    for (let from = start; ; ) {
      const to = Math.min(end, from + step);
      const latest = await this.offline.latest(this.repo, view, from, to);
      const writes = toWrites(view, latest, (name) => latest.column(name), "us");
      progress.start(writes.length, `materialize ${view.name} to ${new Date(to).toISOString()}`);
      for (let i = 0; i < writes.length; i += BATCH) {
        const batch = writes.slice(i, i + BATCH);
        await this.online.write(view.name, batch);
        progress.advance(batch.length);
      }
      progress.finish();
      for (const w of writes)
        if (newestEvent === null || w.eventTs > newestEvent) newestEvent = w.eventTs;
      await this.registry.recordMaterialization(view.name, from, to, writes.length, newestEvent);
      rows += writes.length;
      if (to >= end) break;
      from = to;
    }
    return { view: view.name, start, end, rows };
  }
}

function toWrites(
  view: ResolvedView,
  frame: Frame,
  column: (name: string) => Column,
  unit: "us" | "ms",
): OnlineWrite[] {
  const keys = view.joinKeys.map(column);
  const tsName = unit === "us" ? "__keel_ts" : view.definition.timestampField;
  const createdName = unit === "us" ? "__keel_created" : view.definition.createdTimestampField;
  const ts = column(tsName);
  const created =
    createdName !== undefined && frame.has(createdName) ? column(createdName) : undefined;
  const features = view.features.map((f) => [f.name, column(f.name)] as const);
  const scale = unit === "us" ? 1000 : 1;
  const writes: OnlineWrite[] = [];
  for (let i = 0; i < frame.nRows; i++) {
    const values: Record<string, CellValue> = {};
    for (const [name, col] of features) {
      const v = cellAt(col, i);
      values[name] = typeof v === "number" && Number.isNaN(v) ? null : v;
    }
    const c = created === undefined ? null : cellAt(created, i);
    writes.push({
      key: entityKey(keys.map((k) => cellAt(k, i))),
      eventTs: Number(cellAt(ts, i)) / scale,
      createdTs: typeof c === "number" && !Number.isNaN(c) ? c / scale : null,
      values,
    });
  }
  return writes;
}

function pushFrame(view: ResolvedView, rows: Frame | readonly FrameRecord[]): Frame {
  const d = view.definition;
  const expected = new Map<string, ColumnKind | "key">([
    ...view.joinKeys.map((k) => [k, "key"] as const),
    [d.timestampField, "timestamp"],
    ...(d.createdTimestampField ? ([[d.createdTimestampField, "timestamp"]] as const) : []),
    ...view.features.map((f) => [f.name, f.kind] as const),
  ]);
  const fail = (message: string, details: Record<string, unknown>) =>
    new KeelError(
      "KEEL_ERR_PUSH_SCHEMA",
      `push to feature view '${view.name}': ${message}; nothing was written`,
      { details: { view: view.name, ...details } },
    );
  const names =
    rows instanceof Frame ? rows.columnNames : [...new Set(rows.flatMap((r) => Object.keys(r)))];
  for (const name of names) {
    if (!expected.has(name))
      throw fail(`unknown column '${name}' (expected ${[...expected.keys()].join(", ")})`, {
        column: name,
      });
  }
  for (const name of expected.keys()) {
    if (!names.includes(name) && name !== d.createdTimestampField)
      throw fail(`missing column '${name}'`, { column: name });
  }
  const records = rows instanceof Frame ? rows.toRecords() : rows;
  const schema = [...expected]
    .filter(([name]) => names.includes(name))
    .map(([name, kind]) => ({
      name,
      kind:
        kind === "key"
          ? records.every((r) => typeof r[name] === "number" || r[name] == null)
            ? "numeric"
            : "string"
          : kind,
    })) as { name: string; kind: ColumnKind }[];
  let frame: Frame;
  try {
    frame = Frame.fromRecords(records, schema);
  } catch (error) {
    if (isKeelError(error) && typeof error.details.row === "number") {
      const row = error.details.row;
      throw fail(
        `row ${row + 1}, column '${String(error.details.column)}': expected a ${String(error.details.expected)} value, got ${JSON.stringify(error.details.got)}`,
        {
          row: row + 1,
          column: error.details.column,
        },
      );
    }
    throw error;
  }
  for (const key of [...view.joinKeys, d.timestampField]) {
    const column = frame.column(key);
    for (let i = 0; i < frame.nRows; i++) {
      const v = cellAt(column, i);
      if (v === null || (typeof v === "number" && Number.isNaN(v)))
        throw fail(`row ${i + 1} has no value for '${key}'`, { row: i + 1, column: key });
    }
  }
  return frame;
}

function toColumn(
  values: Column | ArrayLike<CellValue> | undefined,
  kind: ColumnKind,
  n: number,
): Column {
  if (values !== undefined && "kind" in values && typeof values.kind === "string")
    return values as Column;
  const cells: FrameRecord[] = [];
  for (let i = 0; i < n; i++)
    cells.push({ v: (values as ArrayLike<CellValue> | undefined)?.[i] ?? null });
  return Frame.fromRecords(cells, [{ name: "v", kind }]).column("v");
}
