import { KeelError } from "../../core/index.js";
import { openTracking, type Run, type Tracking } from "../../track/index.js";
import { type CommandContext, defineCommand, read } from "../command.js";
import { formatTable } from "../format.js";

/**
 * Opens tracking for a CLI command: the project in the working directory, or `--db URL`.
 *
 * @example
 * ```ts
 * const tracking = await trackingFor(ctx);
 * ```
 */
export async function trackingFor(ctx: CommandContext): Promise<Tracking> {
  const dbUrl = read.string(ctx.options, "db");
  return openTracking({ root: ctx.cwd, ...(dbUrl === undefined ? {} : { dbUrl }) });
}

/** The `--db` option every tracking command takes. */
export const DB_OPTION = {
  db: {
    type: "string",
    valueName: "URL",
    description: "metadata store URL (default: KEEL_DB_URL, else .keel/keel.db)",
  },
} as const;

async function withTracking<T>(
  ctx: CommandContext,
  work: (tracking: Tracking) => Promise<T>,
): Promise<T> {
  const tracking = await trackingFor(ctx);
  try {
    return await work(tracking);
  } finally {
    await tracking.close();
  }
}

const iso = (ms: number | null) =>
  ms === null ? "" : new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

function parseMax(ctx: CommandContext): number {
  const text = read.string(ctx.options, "max") ?? "50";
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new KeelError("KEEL_ERR_USAGE", `--max must be a positive integer, got '${text}'`);
  return n;
}

/**
 * `keel runs list`: recent runs, filtered with MLflow's grammar (plus OR).
 *
 * @example
 * ```sh
 * keel runs list --experiment churn --filter "metrics.auc > 0.8" --order-by "metrics.auc DESC"
 * ```
 */
export const runsListCommand = defineCommand({
  path: ["runs", "list"],
  summary: "List runs (filter with MLflow's search grammar plus OR)",
  usage: "[--experiment NAME] [--filter EXPR] [--order-by TERM]… [--max N]",
  positionals: [0, 0],
  options: {
    experiment: { type: "string", valueName: "NAME", description: "only runs of this experiment" },
    filter: {
      type: "string",
      valueName: "EXPR",
      description: "e.g. \"metrics.auc > 0.8 and params.model = 'gbdt'\"",
    },
    "order-by": {
      type: "string",
      multiple: true,
      valueName: "TERM",
      description: 'e.g. "metrics.auc DESC"',
    },
    max: { type: "string", valueName: "N", description: "at most N runs (default 50)" },
    ...DB_OPTION,
  },
  examples: [
    'keel runs list --experiment churn --filter "metrics.auc > 0.8" --order-by "metrics.auc DESC"',
  ],
  async run(ctx) {
    return withTracking(ctx, async (tracking) => {
      const name = read.string(ctx.options, "experiment");
      // No --experiment: every experiment (an empty list would mean none, as in MLflow).
      let experimentIds: string[] | undefined;
      if (name !== undefined) {
        const experiment = await tracking.experiments.getByName(name);
        if (experiment === undefined)
          throw new KeelError("KEEL_ERR_RESOURCE_DOES_NOT_EXIST", `no experiment named '${name}'`, {
            details: { experiment: name },
          });
        experimentIds = [experiment.experimentId];
      }
      const filter = read.string(ctx.options, "filter");
      const page = await tracking.runs.search({
        ...(experimentIds === undefined ? {} : { experimentIds }),
        orderBy: read.list(ctx.options, "order-by"),
        maxResults: parseMax(ctx),
        ...(filter === undefined ? {} : { filter }),
      });
      if (ctx.json) {
        ctx.out(`${JSON.stringify(page.items)}\n`);
        return 0;
      }
      const rows = page.items.map((r) => [
        r.info.runId,
        r.info.runName,
        r.info.status,
        iso(r.info.startTime),
        r.data.metrics
          .slice(0, 4)
          .map((m) => `${m.key}=${formatNumber(m.value)}`)
          .join(" "),
      ]);
      ctx.out(`${formatTable(["run", "name", "status", "started", "metrics"], rows)}\n`);
      return 0;
    });
  },
});

function formatNumber(value: number): string {
  return Number.isInteger(value) || !Number.isFinite(value) ? String(value) : value.toPrecision(4);
}

/**
 * `keel runs show RUN`: one run's info, params, metrics, tags, inputs and artifacts.
 *
 * @example
 * ```sh
 * keel runs show 3f2a9c0d5e6b4a1c9d8e7f6a5b4c3d2e
 * ```
 */
export const runsShowCommand = defineCommand({
  path: ["runs", "show"],
  summary: "Show one run: params, metrics, tags, inputs, artifacts",
  usage: "RUN",
  positionals: [1, 1],
  options: { ...DB_OPTION },
  async run(ctx) {
    return withTracking(ctx, async (tracking) => {
      const run = await tracking.runs.get(ctx.positionals[0]!);
      const artifacts = await tracking.artifacts.list(run.info.runId);
      if (ctx.json) {
        ctx.out(`${JSON.stringify({ ...run, artifacts })}\n`);
        return 0;
      }
      const info = run.info;
      const lines = [
        `run ${info.runId} (${info.runName})`,
        `experiment ${info.experimentId}  status ${info.status}  started ${iso(info.startTime)}  ended ${iso(info.endTime) || "-"}`,
        ...(info.parentRunId ? [`parent ${info.parentRunId}`] : []),
        `artifacts ${info.artifactUri}`,
        "",
        formatTable(
          ["param", "value"],
          run.data.params.map((p) => [p.key, p.value]),
        ),
        "",
        formatTable(
          ["metric", "latest", "step"],
          run.data.metrics.map((m) => [m.key, formatNumber(m.value), m.step]),
        ),
        "",
        formatTable(
          ["tag", "value"],
          run.data.tags.map((t) => [t.key, t.value]),
        ),
      ];
      if (run.inputs.length > 0)
        lines.push(
          "",
          formatTable(
            ["dataset", "digest", "context", "source"],
            run.inputs.map((d) => [d.name, d.digest, d.context ?? "", d.source]),
          ),
        );
      if (artifacts.length > 0)
        lines.push(
          "",
          formatTable(
            ["artifact", "size"],
            artifacts.map((a) => [a.isDir ? `${a.path}/` : a.path, a.fileSize ?? null]),
          ),
        );
      ctx.out(`${lines.join("\n")}\n`);
      return 0;
    });
  },
});

/**
 * `keel runs compare RUN RUN…`: params and latest metrics side by side; rows whose values
 * differ between runs are marked with `*`.
 *
 * @example
 * ```sh
 * keel runs compare 3f2a… 9c0d…
 * ```
 */
export const runsCompareCommand = defineCommand({
  path: ["runs", "compare"],
  summary: "Compare runs: params and metrics side by side",
  usage: "RUN RUN…",
  positionals: [2, 50],
  options: { ...DB_OPTION },
  async run(ctx) {
    return withTracking(ctx, async (tracking) => {
      const runs: Run[] = [];
      for (const id of ctx.positionals) runs.push(await tracking.runs.get(id));
      const rows: (string | number | null)[][] = [];
      const add = (
        kind: "param" | "metric",
        keys: Set<string>,
        value: (r: Run, key: string) => string | undefined,
      ) => {
        for (const key of [...keys].sort()) {
          const values = runs.map((r) => value(r, key));
          const differs = new Set(values).size > 1;
          rows.push([
            `${differs ? "*" : " "} ${kind === "param" ? "params" : "metrics"}.${key}`,
            ...values.map((v) => v ?? "-"),
          ]);
        }
      };
      const paramKeys = new Set(runs.flatMap((r) => r.data.params.map((p) => p.key)));
      const metricKeys = new Set(runs.flatMap((r) => r.data.metrics.map((m) => m.key)));
      add("param", paramKeys, (r, k) => r.data.params.find((p) => p.key === k)?.value);
      add("metric", metricKeys, (r, k) => {
        const m = r.data.metrics.find((x) => x.key === k);
        return m === undefined ? undefined : formatNumber(m.value);
      });
      if (ctx.json) {
        ctx.out(`${JSON.stringify({ runs: runs.map((r) => r.info.runId), rows })}\n`);
        return 0;
      }
      const header = ["", ...runs.map((r) => `${r.info.runName} (${r.info.runId.slice(0, 8)})`)];
      ctx.out(`${formatTable(header, rows)}\n`);
      return 0;
    });
  },
});
