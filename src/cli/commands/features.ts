import { resolve } from "node:path";
import { type CellValue, KeelError } from "../../core/index.js";
import { durationSeconds, FeatureRegistry, formatDuration } from "../../features/index.js";
import { type CommandContext, defineCommand, read, requireOption } from "../command.js";
import {
  configFor,
  databaseFor,
  PROJECT_OPTIONS,
  parseTime,
  withFeatureStore,
} from "../features-project.js";
import { formatTable } from "../format.js";
import { createProgressBar } from "../progress-bar.js";

const FEATURE_OPTIONS = {
  features: {
    type: "string",
    valueName: "VIEW:F,…",
    description: "comma-separated feature references (view:feature, view:*)",
  },
  service: {
    type: "string",
    valueName: "NAME",
    description: "a feature service instead of --features",
  },
} as const;

function featuresOf(ctx: CommandContext): string[] | { service: string } {
  const service = read.string(ctx.options, "service");
  const list = read.string(ctx.options, "features");
  if ((service === undefined) === (list === undefined)) {
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `${ctx.command} needs exactly one of --features or --service`,
      {
        details: { option: "features" },
      },
    );
  }
  return service !== undefined
    ? { service }
    : (list ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
}

const iso = (ms: number | null) =>
  ms === null ? "-" : new Date(ms).toISOString().replace(/\.000Z$/, "Z");

/**
 * `keel features historical`: a point-in-time-correct training set written to a file.
 *
 * @example
 * ```sh
 * keel features historical --entities labels.csv --service churn_v1 --out training.csv
 * ```
 */
export const featuresHistoricalCommand = defineCommand({
  path: ["features", "historical"],
  summary: "Join features to entity rows point-in-time correctly and write the training set",
  usage: "--entities FILE (--features V:F,… | --service NAME) --out FILE [--full-feature-names]",
  positionals: [0, 0],
  options: {
    entities: {
      type: "string",
      valueName: "FILE",
      description: "CSV/Parquet with the join keys and event_timestamp",
    },
    ...FEATURE_OPTIONS,
    out: { type: "string", valueName: "FILE", description: "output CSV or Parquet file" },
    "full-feature-names": { type: "boolean", description: "name columns view__feature" },
    start: {
      type: "string",
      valueName: "TIME",
      description: "without --entities: every entity active from TIME",
    },
    end: { type: "string", valueName: "TIME", description: "without --entities: … up to TIME" },
    ...PROJECT_OPTIONS,
  },
  examples: [
    "keel features historical --entities data/labels.csv --features customer_stats:tenure,activity:logins_7d --out training.csv",
  ],
  async run(ctx) {
    const out = requireOption(ctx, "out");
    const entities = read.string(ctx.options, "entities");
    const start = read.string(ctx.options, "start");
    const end = read.string(ctx.options, "end");
    if (entities === undefined && (start === undefined || end === undefined)) {
      throw new KeelError(
        "KEEL_ERR_USAGE",
        `${ctx.command} needs --entities FILE, or --start and --end`,
        { details: { option: "entities" } },
      );
    }
    const features = featuresOf(ctx);
    return withFeatureStore(ctx, async (store) => {
      const began = Date.now();
      await store.getHistoricalFeatures({
        ...(entities === undefined
          ? {
              range: {
                start: parseTime(start ?? "", "--start"),
                end: parseTime(end ?? "", "--end"),
              },
            }
          : { entityRows: resolve(ctx.cwd, entities) }),
        features,
        fullFeatureNames: read.flag(ctx.options, "full-feature-names"),
        out: resolve(ctx.cwd, out),
      });
      if (ctx.json) ctx.out(`${JSON.stringify({ out, seconds: (Date.now() - began) / 1000 })}\n`);
      else ctx.err(`wrote ${out} in ${((Date.now() - began) / 1000).toFixed(2)}s\n`);
      return 0;
    });
  },
});

/**
 * `keel features online`: online feature values and their statuses for some entities.
 *
 * @example
 * ```sh
 * keel features online --features customer_stats:tenure --entity customer_id=1001 --entity customer_id=1002
 * ```
 */
export const featuresOnlineCommand = defineCommand({
  path: ["features", "online"],
  summary: "Read online features (with PRESENT / NULL_VALUE / NOT_FOUND / OUTSIDE_MAX_AGE)",
  usage:
    "(--features V:F,… | --service NAME) --entity KEY=VALUE[,KEY=VALUE]… [--full-feature-names]",
  positionals: [0, 0],
  options: {
    ...FEATURE_OPTIONS,
    entity: {
      type: "string",
      multiple: true,
      valueName: "K=V[,K=V]",
      description: "one entity row (join keys and request fields); repeat for more rows",
    },
    "full-feature-names": { type: "boolean", description: "name features view__feature" },
    ...PROJECT_OPTIONS,
  },
  examples: ["keel features online --features customer_stats:tenure --entity customer_id=1001"],
  async run(ctx) {
    const features = featuresOf(ctx);
    const rows = read.list(ctx.options, "entity").map((text) => {
      const row: Record<string, CellValue> = {};
      for (const pair of text.split(",")) {
        const at = pair.indexOf("=");
        if (at <= 0)
          throw new KeelError("KEEL_ERR_USAGE", `--entity takes KEY=VALUE pairs, got '${pair}'`, {
            details: { option: "entity" },
          });
        const value = pair.slice(at + 1);
        row[pair.slice(0, at)] =
          value !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
      }
      return row;
    });
    if (rows.length === 0)
      throw new KeelError("KEEL_ERR_USAGE", `${ctx.command} needs at least one --entity`, {
        details: { option: "entity" },
      });
    return withFeatureStore(ctx, async (store) => {
      const result = await store.getOnlineFeatures({
        features,
        entityRows: rows,
        fullFeatureNames: read.flag(ctx.options, "full-feature-names"),
      });
      if (ctx.json) {
        ctx.out(`${JSON.stringify(result)}\n`);
        return 0;
      }
      const names = result.metadata.featureNames;
      const table = rows.map((_, i) =>
        names.map((_, j) => {
          const r = result.results[j];
          const value = r?.values[i] ?? null;
          const status = r?.statuses[i] ?? "NOT_FOUND";
          return status === "PRESENT" ? String(value) : `${value ?? ""} (${status})`.trim();
        }),
      );
      ctx.out(`${formatTable([...names], table)}\n`);
      return 0;
    });
  },
});

const materializeOptions = {
  chunk: {
    type: "string",
    valueName: "DURATION",
    description: "commit the window in chunks (e.g. 1d), each advancing the watermark",
  },
  views: {
    type: "string",
    valueName: "V,…",
    description: "only these views (default: every online view)",
  },
  ...PROJECT_OPTIONS,
} as const;

/**
 * `keel features materialize`: copy the latest values in a time window into the online store.
 *
 * @example
 * ```sh
 * keel features materialize --start 2026-03-01 --end 2026-03-15
 * ```
 */
export const featuresMaterializeCommand = defineCommand({
  path: ["features", "materialize"],
  summary: "Copy each entity's latest values in [--start, --end] into the online store",
  usage: "--start TIME --end TIME [--views V,…]",
  positionals: [0, 0],
  options: {
    start: {
      type: "string",
      valueName: "TIME",
      description: "window start (ISO time, epoch ms or now)",
    },
    end: { type: "string", valueName: "TIME", description: "window end" },
    ...materializeOptions,
  },
  examples: ["keel features materialize --start 2026-03-01 --end now"],
  async run(ctx) {
    const start = parseTime(requireOption(ctx, "start"), "--start");
    const end = parseTime(requireOption(ctx, "end"), "--end");
    return withFeatureStore(ctx, async (store) => {
      const results = await store.materialize({ start, end, ...viewsAndProgress(ctx) });
      printMaterialized(ctx, results);
      return 0;
    });
  },
});

/**
 * `keel features materialize-incremental`: materialise from each view's watermark up to `--end`.
 *
 * @example
 * ```sh
 * keel features materialize-incremental --end now
 * ```
 */
export const featuresMaterializeIncrementalCommand = defineCommand({
  path: ["features", "materialize-incremental"],
  summary: "Materialise from each view's stored watermark up to --end",
  usage: "--end TIME [--views V,…]",
  positionals: [0, 0],
  options: {
    end: {
      type: "string",
      valueName: "TIME",
      description: "window end (ISO time, epoch ms or now)",
    },
    ...materializeOptions,
  },
  examples: ["keel features materialize-incremental --end now"],
  async run(ctx) {
    const end = parseTime(requireOption(ctx, "end"), "--end");
    return withFeatureStore(ctx, async (store) => {
      printMaterialized(ctx, await store.materializeIncremental({ end, ...viewsAndProgress(ctx) }));
      return 0;
    });
  },
});

function viewsAndProgress(ctx: CommandContext) {
  const views = read.string(ctx.options, "views");
  const chunk = read.string(ctx.options, "chunk");
  return {
    ...(chunk === undefined ? {} : { chunkMs: durationSeconds(chunk, "--chunk") * 1000 }),
    ...(views === undefined ? {} : { views: views.split(",").map((v) => v.trim()) }),
    progress: createProgressBar({ write: ctx.err, interactive: ctx.interactive && !ctx.json }),
  };
}

function printMaterialized(
  ctx: CommandContext,
  results: readonly { view: string; start: number; end: number; rows: number }[],
): void {
  if (ctx.json) {
    ctx.out(`${JSON.stringify(results)}\n`);
    return;
  }
  ctx.out(
    `${formatTable(
      ["view", "start", "end", "rows"],
      results.map((r) => [r.view, iso(r.start), iso(r.end), r.rows]),
    )}\n`,
  );
}

/**
 * `keel features status`: per view, watermark, last push, staleness against its freshness target.
 *
 * @example
 * ```sh
 * keel features status
 * ```
 */
export const featuresStatusCommand = defineCommand({
  path: ["features", "status"],
  summary: "Show each view's materialisation watermark, last push and staleness",
  usage: "[--config PATH]",
  positionals: [0, 0],
  options: { ...PROJECT_OPTIONS },
  async run(ctx) {
    return withFeatureStore(ctx, async (store) => {
      const status = await store.status();
      if (ctx.json) {
        ctx.out(`${JSON.stringify(status)}\n`);
        return 0;
      }
      const rows = status.map((s) => [
        s.view,
        s.online ? "yes" : "no",
        iso(s.materializedUntil),
        iso(s.lastPushedEvent),
        s.stalenessSeconds === null ? "-" : formatDuration(s.stalenessSeconds),
        s.dataAgeSeconds === null ? "-" : formatDuration(s.dataAgeSeconds),
        s.freshnessSeconds === 0 ? "-" : formatDuration(s.freshnessSeconds),
        s.stale ? "STALE" : "ok",
      ]);
      ctx.out(
        `${formatTable(["view", "online", "materialized until", "last pushed event", "staleness", "newest row age", "target", "state"], rows)}\n`,
      );
      return 0;
    });
  },
});

/**
 * `keel features history VIEW`: every registered version of a feature view.
 *
 * @example
 * ```sh
 * keel features history customer_stats
 * ```
 */
export const featuresHistoryCommand = defineCommand({
  path: ["features", "history"],
  summary: "List the registered versions of a feature view",
  usage: "VIEW",
  positionals: [1, 1],
  options: { ...PROJECT_OPTIONS },
  async run(ctx) {
    const loaded = await configFor(ctx);
    const database = await databaseFor(ctx, loaded);
    try {
      const name = ctx.positionals[0] ?? "";
      const versions = await new FeatureRegistry(database).history("featureView", name);
      if (versions.length === 0)
        throw new KeelError(
          "KEEL_ERR_NOT_FOUND",
          `no feature view '${name}' is registered; run keel apply`,
          { details: { view: name } },
        );
      if (ctx.json) {
        ctx.out(`${JSON.stringify(versions)}\n`);
        return 0;
      }
      const rows = versions.map((v) => [
        v.version,
        iso(v.createdAt),
        v.deleted
          ? "(removed)"
          : `ttl=${String(v.spec.ttl)} features=${Object.keys((v.spec.schema as Record<string, string>) ?? {}).join(",")}`,
        v.digest.slice(0, 12),
        v.comment,
      ]);
      ctx.out(
        `${formatTable(["version", "registered", "definition", "digest", "comment"], rows)}\n`,
      );
      return 0;
    } finally {
      await database.close();
    }
  },
});

/**
 * `keel features rollback VIEW --to N`: make version N of a view current again (as a new version).
 *
 * @example
 * ```sh
 * keel features rollback customer_stats --to 1
 * ```
 */
export const featuresRollbackCommand = defineCommand({
  path: ["features", "rollback"],
  summary: "Make an earlier version of a feature view current again",
  usage: "VIEW --to N",
  positionals: [1, 1],
  options: {
    to: { type: "string", valueName: "N", description: "the version to restore" },
    ...PROJECT_OPTIONS,
  },
  async run(ctx) {
    const text = requireOption(ctx, "to");
    const to = Number(text);
    if (!Number.isInteger(to) || to < 1)
      throw new KeelError("KEEL_ERR_USAGE", `--to must be a version number, got '${text}'`, {
        details: { option: "to" },
      });
    const loaded = await configFor(ctx);
    const database = await databaseFor(ctx, loaded);
    try {
      const name = ctx.positionals[0] ?? "";
      const version = await new FeatureRegistry(database).rollback("featureView", name, to);
      if (ctx.json) ctx.out(`${JSON.stringify(version)}\n`);
      else
        ctx.out(
          `feature view '${name}': version ${version.version} now holds version ${to}'s definition\n`,
        );
      return 0;
    } finally {
      await database.close();
    }
  },
});
