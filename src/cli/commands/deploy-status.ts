import { describeValue, KeelError } from "../../core/index.js";
import {
  analyzeExperiment,
  type Estimate,
  type ExperimentAnalysis,
  effectiveVariants,
} from "../../serve/index.js";
import { type CommandContext, defineCommand, read } from "../command.js";
import { formatCell, formatTable } from "../format.js";
import { weightsText, withServing } from "./deploy.js";
import { DB_OPTION } from "./runs.js";

/**
 * `keel deploy status NAME`: the deployment's spec and rollout state, traffic per variant
 * with a sample-ratio-mismatch test, per-variant AUC, log loss and positive rate with 95%
 * intervals and their difference from the control, and the latest history.
 *
 * @example
 * ```sh
 * keel deploy status churn --positive Yes
 * ```
 */
export const deployStatusCommand = defineCommand({
  path: ["deploy", "status"],
  summary: "Show a deployment: traffic, SRM test, per-variant metrics, history",
  usage: "NAME [--from TIME] [--to TIME] [--positive LABEL] [--all-versions] [--json]",
  positionals: [1, 1],
  description:
    "By default the window holds what was served since the deployment's last change (the weights the SRM test checks against); --from/--to give a window in event time (a replay's own clock). TIME is epoch milliseconds or an ISO date. A variant's metrics cover the model version it serves now, unless --all-versions.",
  options: {
    from: { type: "string", valueName: "TIME", description: "start of the window" },
    to: { type: "string", valueName: "TIME", description: "end of the window (exclusive)" },
    positive: {
      type: "string",
      valueName: "LABEL",
      description: "the feedback label meaning positive (default: 1/true, or the second class)",
    },
    "all-versions": {
      type: "boolean",
      description:
        "pool every model version a variant served in the window (default: only the newest, after an alias move)",
    },
    ...DB_OPTION,
  },
  async run(ctx) {
    const name = ctx.positionals[0] as string;
    return withServing(ctx, async (store) => {
      const deployment = await store.getDeployment(name);
      const from = timeOption(ctx, "from");
      const to = timeOption(ctx, "to");
      const positiveLabel = read.string(ctx.options, "positive");
      const analysis = await analyzeExperiment(store, name, {
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(positiveLabel === undefined ? {} : { positiveLabel }),
        ...(read.flag(ctx.options, "all-versions") ? { versions: "all" as const } : {}),
      });
      const events = (await store.deploymentEvents(name)).slice(0, 5);
      if (ctx.json) {
        ctx.out(`${JSON.stringify({ deployment, analysis, events })}\n`);
        return 0;
      }
      const canary = deployment.spec.canary;
      const lines = [
        `deployment ${name} (revision ${deployment.revision}): ${weightsText(deployment.spec.variants)}`,
        ...(canary === undefined
          ? []
          : [
              `canary ${canary.variant}: steps ${canary.steps.join("→")}%, ${(deployment.state.canary?.outcome ?? "running").replace("_", " ")}${deployment.state.canary?.reason ? ` (${deployment.state.canary.reason})` : " at the first step"}; traffic now ${weightsText(effectiveVariants(deployment))}`,
            ]),
        `window ${analysis.windowBy === "received" ? "served since" : "from"} ${iso(analysis.from)}${analysis.to === undefined ? "" : ` to ${iso(analysis.to)}`}: ${analysis.totalRequests} requests`,
        "",
        trafficTable(analysis),
        "",
        srmLine(analysis),
        ...metricLines(analysis),
        ...analysis.notes.map((n) => `note: ${n}`),
        "",
        formatTable(
          ["when", "change", "who", "reason"],
          events.map((e) => [iso(e.createdAt), `${e.kind} r${e.revision}`, e.actor, e.reason]),
        ),
      ];
      ctx.out(`${lines.join("\n")}\n`);
      return 0;
    });
  },
});

function trafficTable(analysis: ExperimentAnalysis): string {
  return formatTable(
    ["variant", "weight", "expected", "requests", "share", "labelled", "versions (in metrics*)"],
    analysis.variants.map((v) => [
      v.name,
      v.weight,
      percent(v.expectedShare),
      v.requests,
      percent(v.share),
      v.labelled,
      v.modelVersions.map((m) => `${m.version}${m.included ? "*" : ""}`).join(", "),
    ]),
  );
}

function srmLine(analysis: ExperimentAnalysis): string {
  const { statistic, degreesOfFreedom, pValue, mismatch } = analysis.sampleRatio;
  // A p of 1 on no data or on one live variant is no evidence of anything.
  if (analysis.totalRequests === 0) return "sample ratio: not tested (no requests yet)";
  if (degreesOfFreedom === 0) return "sample ratio: not tested (one variant takes all traffic)";
  return `sample ratio: chi-square ${formatCell(statistic)} on ${degreesOfFreedom} df, p = ${formatCell(pValue)}${mismatch ? " — MISMATCH: traffic does not follow the weights; do not trust the comparison" : " (consistent with the weights)"}`;
}

function metricLines(analysis: ExperimentAnalysis): string[] {
  const rows = analysis.variants.filter((v) => v.metrics !== undefined);
  if (rows.length === 0) return [];
  const estimate = (e: Estimate | undefined) =>
    e === undefined
      ? ""
      : `${formatCell(e.value)} [${formatCell(e.lower)}, ${formatCell(e.upper)}]`;
  const versus = (d: { difference: number; pValue: number } | undefined) =>
    d === undefined
      ? ""
      : `${d.difference >= 0 ? "+" : ""}${formatCell(d.difference)} (p ${formatCell(d.pValue)})`;
  return [
    "",
    formatTable(
      [
        "variant",
        "auc [95% CI]",
        "Δauc",
        "log loss [95% CI]",
        "Δlog loss",
        "positive rate [95% CI]",
        "Δrate",
      ],
      rows.map((v) => [
        v.name === analysis.control ? `${v.name} (control)` : v.name,
        estimate(v.metrics?.auc),
        versus(v.versusControl?.auc),
        estimate(v.metrics?.logLoss),
        versus(v.versusControl?.logLoss),
        estimate(v.metrics?.positiveRate),
        versus(v.versusControl?.positiveRate),
      ]),
    ),
  ];
}

function timeOption(ctx: CommandContext, name: string): number | undefined {
  const text = read.string(ctx.options, name);
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(value))
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `${ctx.command}: --${name} expects epoch milliseconds or an ISO date, got ${describeValue(text)}`,
      { details: { option: name, got: text } },
    );
  return value;
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
