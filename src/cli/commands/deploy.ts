import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describeValue, KeelError } from "../../core/index.js";
import {
  checkDeploymentModels,
  type DeploymentSpec,
  openServingStore,
  parseDeploymentSpec,
  type ServingStore,
  type VariantSpec,
} from "../../serve/index.js";
import type { Tracking } from "../../track/index.js";
import { type CommandContext, defineCommand, read } from "../command.js";
import { formatTable } from "../format.js";
import { DB_OPTION, trackingFor } from "./runs.js";

const CHANGE_OPTIONS = {
  reason: { type: "string", valueName: "TEXT", description: "why, for the deployment history" },
  actor: { type: "string", valueName: "NAME", description: "who (default: $USER)" },
  ...DB_OPTION,
} as const;

/**
 * `keel deploy create`: stores a deployment from a JSON spec file or from flags, after
 * checking that every model it names resolves (registry refs) or exists (directories).
 *
 * @example
 * ```sh
 * keel deploy create deploy/churn.json --reason "A/B champion vs challenger"
 * keel deploy create --name churn --variant champion=models:/churn@champion:90 --variant challenger=models:/churn@challenger:10 --sticky-key customer_id
 * ```
 */
export const deployCreateCommand = defineCommand({
  path: ["deploy", "create"],
  summary: "Create a deployment (weighted variants, sticky key, shadows, canary)",
  usage:
    "[FILE.json] [--name NAME --variant NAME=MODEL[:WEIGHT]... [--shadow NAME=MODEL]... [--sticky-key FIELD]] [--reason TEXT]",
  positionals: [0, 1],
  description:
    'MODEL is models:/NAME@ALIAS, models:/NAME/VERSION or a bundle directory. Weights are relative (default 1 each). A canary section is given in the JSON file: { variant, steps: [5, 25, 50, 100], interval: "1h", guardrails: { maxErrorRate, maxP99Ms, maxPredictionShift } }.',
  options: {
    name: { type: "string", valueName: "NAME", description: "deployment name (flags form)" },
    variant: {
      type: "string",
      multiple: true,
      valueName: "NAME=MODEL[:WEIGHT]",
      description: "a variant and its relative weight",
    },
    shadow: {
      type: "string",
      multiple: true,
      valueName: "NAME=MODEL",
      description: "a shadow model (gets a copy of each request; output logged, not returned)",
    },
    "sticky-key": {
      type: "string",
      valueName: "FIELD",
      description: "request field that keeps a caller on one variant",
    },
    ...CHANGE_OPTIONS,
  },
  examples: [
    "keel deploy create deploy/churn.json",
    "keel deploy create --name churn --variant champion=models:/churn@champion:90 --variant challenger=models:/churn@challenger:10 --sticky-key customer_id",
  ],
  async run(ctx) {
    const file = ctx.positionals[0];
    const spec =
      file === undefined
        ? parseDeploymentSpec(specFromFlags(ctx), "flags")
        : parseDeploymentSpec(await readSpecFile(ctx, file), file);
    return withServing(ctx, async (store, tracking) => {
      await checkDeploymentModels(spec, tracking, ctx.cwd, file ?? "flags");
      const deployment = await store.createDeployment(spec, changeBy(ctx, "created"));
      if (ctx.json) ctx.out(`${JSON.stringify(deployment)}\n`);
      else ctx.out(`created deployment ${spec.name} (revision 1): ${weightsText(spec.variants)}\n`);
      return 0;
    });
  },
});

/**
 * `keel deploy list`: every deployment with its variants and weights.
 *
 * @example
 * ```sh
 * keel deploy list --json
 * ```
 */
export const deployListCommand = defineCommand({
  path: ["deploy", "list"],
  summary: "List deployments",
  usage: "[--json]",
  positionals: [0, 0],
  options: { ...DB_OPTION },
  async run(ctx) {
    return withServing(ctx, async (store) => {
      const deployments = await store.listDeployments();
      if (ctx.json) ctx.out(`${JSON.stringify(deployments)}\n`);
      else
        ctx.out(
          `${formatTable(
            ["deployment", "revision", "variants", "shadows", "canary", "updated"],
            deployments.map((d) => [
              d.name,
              d.revision,
              weightsText(d.spec.variants),
              (d.spec.shadow ?? []).map((s) => s.name).join(" "),
              d.spec.canary === undefined
                ? ""
                : `${d.spec.canary.variant} ${d.state.canary?.outcome ?? "running"}`,
              new Date(d.updatedAt).toISOString().replace(/\.\d+Z$/, "Z"),
            ]),
          )}\n`,
        );
      return 0;
    });
  },
});

/**
 * `keel deploy promote NAME VARIANT`: the variant takes all traffic (weight 100, the others
 * 0; a canary section is dropped), recorded with a reason.
 *
 * @example
 * ```sh
 * keel deploy promote churn challenger --reason "AUC +2.1%, p = 0.003"
 * ```
 */
export const deployPromoteCommand = defineCommand({
  path: ["deploy", "promote"],
  summary: "Send all traffic to one variant",
  usage: "NAME VARIANT [--reason TEXT]",
  positionals: [2, 2],
  options: { ...CHANGE_OPTIONS },
  async run(ctx) {
    const [name, winner] = ctx.positionals as [string, string];
    return withServing(ctx, async (store) => {
      const { spec, revision } = await store.getDeployment(name);
      const names = spec.variants.map((v) => v.name);
      if (!names.includes(winner))
        throw new KeelError(
          "KEEL_ERR_INVALID_ARGUMENT",
          `${ctx.command}: deployment '${name}' has no variant '${winner}'; its variants are ${names.join(", ")}`,
          { details: { deployment: name, variant: winner, variants: names } },
        );
      const { canary: _dropped, ...rest } = spec;
      const next: DeploymentSpec = {
        ...rest,
        variants: spec.variants.map((v) => ({ ...v, weight: v.name === winner ? 100 : 0 })),
      };
      const deployment = await store.updateDeployment(name, {
        kind: "promote",
        spec: next,
        state: {},
        expectedRevision: revision,
        ...changeBy(ctx, `promote ${winner}`),
      });
      if (ctx.json) ctx.out(`${JSON.stringify(deployment)}\n`);
      else
        ctx.out(
          `promoted ${winner} in ${name} (revision ${deployment.revision}): ${weightsText(next.variants)}\n`,
        );
      return 0;
    });
  },
});

/**
 * `keel deploy rollback NAME`: restores the spec in force before the last change.
 *
 * @example
 * ```sh
 * keel deploy rollback churn --reason "precision dropped"
 * ```
 */
export const deployRollbackCommand = defineCommand({
  path: ["deploy", "rollback"],
  summary: "Restore a deployment's previous spec",
  usage: "NAME [--reason TEXT]",
  positionals: [1, 1],
  options: { ...CHANGE_OPTIONS },
  async run(ctx) {
    const name = ctx.positionals[0] as string;
    return withServing(ctx, async (store) => {
      const reason = read.string(ctx.options, "reason");
      const deployment = await store.rollbackDeployment(name, {
        actor: actorOf(ctx),
        ...(reason === undefined ? {} : { reason }),
      });
      if (ctx.json) ctx.out(`${JSON.stringify(deployment)}\n`);
      else
        ctx.out(
          `rolled back ${name} (revision ${deployment.revision}): ${weightsText(deployment.spec.variants)}\n`,
        );
      return 0;
    });
  },
});

/**
 * Runs `work` with the serving store of the command's metadata database, closing it after.
 *
 * @example
 * ```ts
 * return withServing(ctx, async (store) => { ...; return 0; });
 * ```
 */
export async function withServing(
  ctx: CommandContext,
  work: (store: ServingStore, tracking: Tracking) => Promise<number>,
): Promise<number> {
  const tracking = await trackingFor(ctx);
  try {
    return await work(openServingStore(tracking.database), tracking);
  } finally {
    await tracking.close();
  }
}

/**
 * Variants as `name:weight` words, for one-line summaries.
 *
 * @example
 * ```ts
 * weightsText([{ name: "a", model: "m", weight: 90 }]); // "a:90"
 * ```
 */
export function weightsText(variants: readonly VariantSpec[]): string {
  return variants.map((v) => `${v.name}:${Number(v.weight.toFixed(2))}`).join(" ");
}

function actorOf(ctx: CommandContext): string {
  return read.string(ctx.options, "actor") ?? process.env.USER ?? "cli";
}

function changeBy(ctx: CommandContext, fallbackReason: string): { actor: string; reason: string } {
  return { actor: actorOf(ctx), reason: read.string(ctx.options, "reason") ?? fallbackReason };
}

async function readSpecFile(ctx: CommandContext, file: string): Promise<string> {
  const path = resolve(ctx.cwd, file);
  if (!existsSync(path))
    throw new KeelError("KEEL_ERR_FILE_NOT_FOUND", `${ctx.command}: no spec file ${file}`, {
      details: { file },
    });
  return readFile(path, "utf8");
}

/** The flags form as a spec object (validated by parseDeploymentSpec like a file). */
function specFromFlags(ctx: CommandContext): unknown {
  const name = read.string(ctx.options, "name");
  const variants = read.list(ctx.options, "variant");
  if (name === undefined || variants.length === 0)
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `${ctx.command} needs a spec FILE, or --name and at least one --variant NAME=MODEL[:WEIGHT]. See '${ctx.command} --help'.`,
      { details: { option: name === undefined ? "name" : "variant" } },
    );
  const stickyKey = read.string(ctx.options, "sticky-key");
  const shadows = read.list(ctx.options, "shadow");
  return {
    name,
    variants: variants.map((text) => {
      const [variant, model] = splitAssignment(ctx, "variant", text);
      // The weight is a trailing ":<number>" (model URIs contain ':' themselves). Anything
      // number-like there is the weight, so "-10" or "NaN" is refused as a weight by the spec
      // check, not folded into the model reference.
      const weight = /^(.+):([-+]?(?:[\d.]|nan|inf)[^:/@]*)$/i.exec(model);
      return weight
        ? { name: variant, model: weight[1], weight: Number(weight[2]) }
        : { name: variant, model, weight: 1 };
    }),
    ...(stickyKey === undefined ? {} : { stickyKey }),
    ...(shadows.length === 0
      ? {}
      : {
          shadow: shadows.map((text) => {
            const [shadow, model] = splitAssignment(ctx, "shadow", text);
            return { name: shadow, model };
          }),
        }),
  };
}

function splitAssignment(ctx: CommandContext, option: string, text: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0 || eq === text.length - 1)
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `${ctx.command}: --${option} expects NAME=MODEL, got ${describeValue(text)}`,
      { details: { option, got: text } },
    );
  return [text.slice(0, eq), text.slice(eq + 1)];
}
