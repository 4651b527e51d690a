import { resolve } from "node:path";
import { pipelineStarter } from "../../config/index.js";
import { checkFreshness, formatDuration, registeredFeatures } from "../../features/index.js";
import type { AlertSink } from "../../monitor/index.js";
import { deliverFreshnessAlerts } from "../../orchestrate/index.js";
import { defineCommand, read } from "../command.js";
import { configFor, databaseFor, PROJECT_OPTIONS, parseTime } from "../features-project.js";
import { formatTable } from "../format.js";
import { cliLogger } from "./train.js";

/**
 * `keel features freshness`: checks every online view against its freshness target (its
 * `freshness`, else its TTL) and sends one alert per stale view through `freshnessAlerts`'
 * sinks in keel.config.ts (default: the log), recorded like monitors' alerts. Exit code 1 when a
 * view is stale, so cron and CI see it.
 *
 * @example
 * ```sh
 * keel features freshness
 * keel features freshness --at 2026-03-02T00:00:00Z --no-alert
 * ```
 */
export const featuresFreshnessCommand = defineCommand({
  path: ["features", "freshness"],
  summary: "Alert on online feature views older than their freshness target (exit 1 if any)",
  usage: "[--views V,…] [--at TIME] [--no-alert] [--config PATH] [--json]",
  positionals: [0, 0],
  options: {
    views: {
      type: "string",
      valueName: "V,…",
      description: "only these views (default: every online view)",
    },
    at: {
      type: "string",
      valueName: "TIME",
      description: "judge staleness at this time instead of now (ISO time or epoch ms)",
    },
    "no-alert": { type: "boolean", description: "report only; deliver no alerts" },
    ...PROJECT_OPTIONS,
  },
  examples: ["keel features freshness", "keel features freshness --views customer_stats --json"],
  async run(ctx) {
    const loaded = await configFor(ctx);
    const atText = read.string(ctx.options, "at");
    const now = atText === undefined ? Date.now() : parseTime(atText, "--at");
    const viewsText = read.string(ctx.options, "views");
    const database = await databaseFor(ctx, loaded);
    try {
      const features = await registeredFeatures({ database, root: loaded.root });
      const report = await checkFreshness(features, {
        now,
        ...(viewsText === undefined
          ? {}
          : {
              views: viewsText
                .split(",")
                .map((v) => v.trim())
                .filter(Boolean),
            }),
      });
      const settings = loaded.config.freshnessAlerts;
      // Relative file sinks are relative to the project, like every path in the config.
      const sinks: AlertSink[] = (settings?.sinks ?? [{ type: "log" }]).map((s) =>
        s.type === "file" ? { ...s, path: resolve(loaded.root, s.path) } : s,
      );
      const startPipeline = pipelineStarter(sinks, loaded.pipelines, database, loaded.root);
      const deliveries = read.flag(ctx.options, "no-alert")
        ? []
        : await deliverFreshnessAlerts(report, {
            database,
            sinks,
            ...(settings?.cooldownMinutes === undefined
              ? {}
              : { cooldownMinutes: settings.cooldownMinutes }),
            logger: cliLogger(ctx),
            ...(startPipeline ? { startPipeline } : {}),
            // Judged at --at, the cooldown runs on that clock too.
            ...(atText === undefined ? {} : { now: () => now }),
          });
      if (ctx.json) {
        ctx.out(
          `${JSON.stringify({
            checkedAt: new Date(report.checkedAt).toISOString(),
            views: report.views.map((v) => ({
              view: v.view,
              stalenessSeconds: v.stalenessSeconds,
              dataAgeSeconds: v.dataAgeSeconds,
              freshnessSeconds: v.freshnessSeconds,
              stale: v.stale,
            })),
            stale: report.stale.map((s) => s.view),
            deliveries: deliveries.map((d) => ({
              view: d.monitor.replace(/^features:/, ""),
              sink: d.sink,
              status: d.status,
              attempts: d.attempts,
              ...(d.error ? { error: d.error } : {}),
            })),
          })}\n`,
        );
      } else {
        const rows = report.views.map((v) => [
          v.view,
          v.stalenessSeconds === null ? "never" : formatDuration(v.stalenessSeconds),
          v.dataAgeSeconds === null ? "-" : formatDuration(v.dataAgeSeconds),
          v.freshnessSeconds === 0 ? "-" : formatDuration(v.freshnessSeconds),
          v.stale ? "STALE" : "ok",
        ]);
        ctx.out(
          `${formatTable(["view", "staleness", "newest row age", "target", "state"], rows)}\n`,
        );
        for (const d of deliveries)
          ctx.out(`alert ${d.monitor} → ${d.sink}: ${d.status}${d.error ? ` (${d.error})` : ""}\n`);
      }
      return report.stale.length > 0 ? 1 : 0;
    } finally {
      await database.close();
    }
  },
});
