import { resolve } from "node:path";
import { describeValue, Frame, type JsonValue, KeelError } from "../core/index.js";
import { datasetVersion } from "../data/index.js";
import {
  type Gate,
  type GateResult,
  judgeModel,
  type ModelToJudge,
  validateModel,
} from "../evaluate/index.js";
import { bundleRecipe, type ModelBundle, readBundleData } from "../models/index.js";
import { loadModelRef } from "../serve/index.js";
import type { ModelVersion, Tracking } from "../track/index.js";
import type { StepContext } from "./step-context.js";

/**
 * Options of the promotion policy step ({@link promoteChallenger}, `promotionStep` in a config).
 *
 * @example
 * ```ts
 * const policy: PromotionPolicy = { model: "churn", holdout: "data/holdout.csv", metric: "rocAuc", minImprovement: 0.01 };
 * ```
 */
export interface PromotionPolicy {
  /** The registered model whose alias moves. */
  readonly model: string;
  /**
   * The challenger: a model URI (`models:/churn/7`) or bundle directory. Default: the
   * `modelUri` output of the first upstream step that has one.
   */
  readonly challenger?: string;
  /**
   * Labelled rows neither model was trained on: a file relative to the project root (an input
   * of the step, so a changed file is not served from the cache), an upstream step's output
   * naming such a file (`{ fromStep: "training-set", output: "holdout" }`, the output's default
   * name being `holdout`), or a function of the step's context that returns the rows as a
   * frame (a query of the feature store through `ctx.features()`, a frame built in code).
   */
  readonly holdout: HoldoutSource;
  /** Default: the challenger's target column. */
  readonly target?: string;
  /** Default: the challenger's positive class. */
  readonly positive?: string;
  /** The metric the challenger must improve. Default "rocAuc". */
  readonly metric?: string;
  /**
   * How much better than the champion the challenger must be, strictly. Default 0.01, i.e.
   * the churn story's "AUC improves by more than 1%".
   */
  readonly minImprovement?: number;
  /**
   * `relative` (default): (challenger − champion) / |champion| > minImprovement, so 0.01 is
   * "1% better" (0.80 → above 0.808). `absolute`: challenger − champion > minImprovement
   * (0.01 is one AUC point). For losses the difference is taken the other way round.
   */
  readonly improvement?: "relative" | "absolute";
  /** Further gates every challenger must pass (metrics, costs, bias), as in a validation policy. */
  readonly gates?: readonly Gate[];
  /** Binary decision threshold for label metrics and bias gates. */
  readonly threshold?: number;
  /** The alias to move. Default "champion". */
  readonly alias?: string;
  /** Bootstrap resamples of the comparison. Default 1000. */
  readonly nResamples?: number;
}

/**
 * Where the promotion policy's holdout comes from (see {@link PromotionPolicy.holdout}).
 *
 * @example
 * ```ts
 * const file: HoldoutSource = "data/holdout.csv";
 * const upstream: HoldoutSource = { fromStep: "training-set", output: "holdout" };
 * const query: HoldoutSource = async (ctx) => (await ctx.features()).getHistoricalFeatures({ entityRows, features: { service: "churn_model" } });
 * ```
 */
export type HoldoutSource =
  | string
  | { readonly fromStep: string; readonly output?: string }
  | ((ctx: StepContext<unknown>) => Promise<Frame | undefined> | Frame | undefined);

/**
 * What the promotion step decided and why (its recorded outputs).
 *
 * @example
 * ```ts
 * const decision: PromotionDecision = { promoted: false, reason: "rocAuc improved 0.4% relative, not more than 1%", … };
 * ```
 */
export interface PromotionDecision {
  readonly promoted: boolean;
  readonly reason: string;
  readonly model: string;
  readonly alias: string;
  readonly challenger: number | null;
  readonly champion: number | null;
  readonly gates: readonly {
    name: string;
    status: string;
    value: number | null;
    reason: string | null;
  }[];
  readonly [key: string]: JsonValue;
}

/**
 * The promotion policy: evaluates the challenger and the champion on the same holdout with the
 * evaluate module's `validateModel` (each model judged on its own out-of-sample predictions,
 * failing closed), and moves the alias (`@champion`, audit-logged with the reason) only if
 * every gate passes and the improvement strictly exceeds `minImprovement`; otherwise records
 * why not, in the step outputs and as tag `keel.promotion` on the challenger version. With no
 * champion yet, the first challenger that passes the other gates is promoted. Idempotent: a
 * retried step finds the alias already moved and moves nothing.
 *
 * @example
 * ```ts
 * step({ after: ["train"], run: (ctx) => ctx.keel.orchestrate.promoteChallenger(ctx, { model: "churn", holdout: "data/holdout.csv" }) });
 * step({ after: ["split", "train"], run: (ctx) => ctx.keel.orchestrate.promoteChallenger(ctx, { model: "churn", holdout: { fromStep: "split" } }) });
 * ```
 */
export async function promoteChallenger(
  ctx: StepContext<unknown>,
  policy: PromotionPolicy,
): Promise<PromotionDecision> {
  const { tracking, root } = ctx;
  const alias = policy.alias ?? "champion";
  const metric = policy.metric ?? "rocAuc";
  const minImprovement = policy.minImprovement ?? 0.01;
  const kind = policy.improvement ?? "relative";
  const challengerRef = policy.challenger ?? upstreamModelUri(ctx);
  const challengerVersion = challengerRef.startsWith("models:/")
    ? await tracking.models.resolve(challengerRef)
    : undefined;
  const championVersion = await currentAlias(tracking, policy.model, alias);
  const base = {
    model: policy.model,
    alias,
    challenger: challengerVersion?.version ?? null,
    champion: championVersion?.version ?? null,
  };
  if (challengerVersion !== undefined && championVersion?.version === challengerVersion.version)
    return {
      ...base,
      promoted: true,
      reason: `version ${challengerVersion.version} is already @${alias}`,
      gates: [],
    };
  const challenger = (await loadModelRef(tracking, root, challengerRef)).bundle;
  const { frame, dataHash } = await readHoldout(ctx, policy, challenger);
  const target = policy.target ?? challenger.inputSignature.target;
  if (target === undefined)
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `promotion of '${policy.model}': the challenger records no target column; set target`,
      {
        details: { step: ctx.step },
      },
    );
  const positive = policy.positive ?? challenger.positiveClass;
  const champion =
    championVersion === undefined
      ? undefined
      : (await loadModelRef(tracking, root, `models:/${policy.model}/${championVersion.version}`))
          .bundle;
  const compareGate: Gate = {
    compare: "champion",
    metric,
    ...(kind === "relative"
      ? { minRelativeImprovement: minImprovement }
      : { minAbsoluteImprovement: minImprovement }),
  };
  const validation = await validateModel(frame, {
    target,
    ...(positive === undefined ? {} : { positive }),
    ...(policy.threshold === undefined ? {} : { threshold: policy.threshold }),
    policy: {
      gates: [...(policy.gates ?? []), ...(champion ? [compareGate] : [])],
      ...(policy.threshold === undefined ? {} : { threshold: policy.threshold }),
    },
    policySource: `pipeline '${ctx.pipeline}' step '${ctx.step}' promotion policy`,
    candidate: toJudge(challenger, frame, dataHash),
    ...(champion ? { champion: toJudge(champion, frame, dataHash) } : {}),
    bootstrap: { nResamples: policy.nResamples ?? 1000, seed: 0 },
  });
  const gates = validation.gates.results.map(gateSummary);
  const failed = validation.gates.results.filter((g) => g.status === "fail");
  const compared = validation.gates.results.find((g) => g.kind === "compare")?.comparison;
  const gain = compared === undefined ? undefined : compared.improvement[kind];
  const gainText =
    compared === undefined
      ? ""
      : `${metric} ${compared.candidate.toFixed(4)} vs champion ${compared.baseline.toFixed(4)} (${kind} improvement ${formatGain(gain ?? Number.NaN, kind)}, needed more than ${formatGain(minImprovement, kind)})`;
  let reason: string;
  let promote = false;
  if (failed.length > 0)
    reason = `not promoted: ${failed.map((g) => `${g.name} failed${g.reason ? ` (${g.reason})` : ""}`).join("; ")}${gainText ? `; ${gainText}` : ""}`;
  else if (champion !== undefined && !(gain !== undefined && gain > minImprovement))
    reason = `not promoted: ${gainText}`;
  else {
    promote = true;
    reason =
      champion === undefined
        ? `promoted: no @${alias} yet and all ${gates.length} gates passed`
        : `promoted: ${gainText}; all ${gates.length} gates passed`;
  }
  const by = `${reason} [pipeline ${ctx.pipeline} run ${ctx.runId}]`;
  const version =
    challengerVersion ??
    (await tracking.models.register(policy.model, { artifactUri: challengerRef }));
  if (promote)
    await tracking.models.setAlias(policy.model, alias, version.version, {
      actor: `pipeline:${ctx.pipeline}`,
      reason: by,
    });
  await tracking.models.setVersionTag(policy.model, version.version, {
    key: "keel.promotion",
    value: by.slice(0, 5000),
  });
  ctx.log.info(reason);
  return { ...base, challenger: version.version, promoted: promote, reason, gates };
}

/**
 * The holdout rows as the challenger reads them, and their content hash: a file (typed by the
 * challenger's input signature), the file an upstream step's output names, or the frame a
 * function returns.
 */
async function readHoldout(
  ctx: StepContext<unknown>,
  policy: PromotionPolicy,
  challenger: ModelBundle,
): Promise<{ frame: Frame; dataHash: string }> {
  const source = policy.holdout;
  const where = `pipeline '${ctx.pipeline}' step '${ctx.step}' promotion of '${policy.model}'`;
  if (typeof source === "function") {
    const frame = await source(ctx);
    if (!(frame instanceof Frame))
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `${where}: the holdout function must return a Frame of labelled rows. Got ${describeValue(frame)} instead.`,
        { details: { pipeline: ctx.pipeline, step: ctx.step } },
      );
    return { frame, dataHash: await datasetVersion(frame) };
  }
  const file = resolve(
    ctx.root,
    typeof source === "string" ? source : upstreamFile(ctx, source, where),
  );
  return {
    frame: await readBundleData(challenger.inputSignature, file),
    dataHash: await datasetVersion(file),
  };
}

/** The file an upstream step's output names, or an error saying what the output holds instead. */
function upstreamFile(
  ctx: StepContext<unknown>,
  source: { readonly fromStep: string; readonly output?: string },
  where: string,
): string {
  const output = source.output ?? "holdout";
  if (!(source.fromStep in ctx.inputs))
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `${where}: holdout.fromStep '${source.fromStep}' is not an upstream step of this step (its inputs: ${Object.keys(ctx.inputs).join(", ") || "none"}); add it to 'after'.`,
      { details: { pipeline: ctx.pipeline, step: ctx.step, fromStep: source.fromStep } },
    );
  const outputs = ctx.inputs[source.fromStep];
  const value =
    outputs !== null && typeof outputs === "object" && !Array.isArray(outputs)
      ? (outputs as { readonly [key: string]: JsonValue })[output]
      : undefined;
  if (typeof value !== "string" || value === "")
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `${where}: step '${source.fromStep}' output '${output}' must name the holdout file (a path relative to the project root). Got ${describeValue(value)} instead.`,
      {
        details: { pipeline: ctx.pipeline, step: ctx.step, fromStep: source.fromStep, output },
      },
    );
  return value;
}

function toJudge(
  bundle: ModelBundle,
  frame: Parameters<typeof judgeModel>[1],
  dataHash: string,
): ModelToJudge {
  const columns = bundle.inputSignature.columns.map((c) => c.name);
  return judgeModel(
    { model: bundle, lineage: bundle.lineage, ...bundleRecipe(bundle), columns },
    frame,
    dataHash,
  );
}

function formatGain(value: number, kind: "relative" | "absolute"): string {
  if (!Number.isFinite(value)) return String(value);
  return kind === "relative" ? `${(value * 100).toFixed(2)}%` : value.toFixed(4);
}

function gateSummary(g: GateResult): PromotionDecision["gates"][number] {
  return {
    name: g.name,
    status: g.status,
    value: Number.isFinite(g.value) ? g.value : null,
    reason: g.reason ?? null,
  };
}

function upstreamModelUri(ctx: StepContext<unknown>): string {
  for (const outputs of Object.values(ctx.inputs)) {
    const uri =
      outputs !== null && typeof outputs === "object" && !Array.isArray(outputs)
        ? (outputs as Record<string, JsonValue>).modelUri
        : undefined;
    if (typeof uri === "string") return uri;
  }
  throw new KeelError(
    "KEEL_ERR_INVALID_ARGUMENT",
    `step '${ctx.step}': no challenger given and no upstream step (${Object.keys(ctx.inputs).join(", ") || "none"}) output a modelUri`,
    { details: { step: ctx.step } },
  );
}

async function currentAlias(
  tracking: Tracking,
  model: string,
  alias: string,
): Promise<ModelVersion | undefined> {
  const found = await tracking.models.search({
    filter: `name = '${model.replaceAll("'", "")}'`,
    maxResults: 1,
  });
  const version = found.items[0]?.aliases.find((a) => a.alias === alias)?.version;
  return version === undefined ? undefined : tracking.models.getVersion(model, version);
}

/**
 * Options of the rollback step ({@link rollbackChampion}, `rollbackStep` in a config).
 *
 * @example
 * ```ts
 * const options: RollbackPolicy = { model: "churn", degraded: (ctx) => ctx.params.reason as string | undefined };
 * ```
 */
export interface RollbackPolicy {
  readonly model: string;
  /** Default "champion". */
  readonly alias?: string;
  /**
   * Whether live metrics degraded: a reason to roll back, or undefined to leave the alias.
   * Default: the run's `reason` param (a monitoring trigger sets it).
   */
  readonly degraded?: (
    ctx: StepContext<unknown>,
  ) => Promise<string | undefined> | string | undefined;
}

/**
 * The rollback step: when `degraded` gives a reason, moves the alias back to the version it
 * pointed at before (the registry's `rollback`, audit-logged with the reason). Idempotent: a
 * retried step that finds its own rollback in the alias history does not roll back twice.
 *
 * @example
 * ```ts
 * step({ run: (ctx) => ctx.keel.orchestrate.rollbackChampion(ctx, { model: "churn" }) });
 * ```
 */
export async function rollbackChampion(
  ctx: StepContext<unknown>,
  policy: RollbackPolicy,
): Promise<{ rolledBack: boolean; reason: string; version: number | null }> {
  const alias = policy.alias ?? "champion";
  const params = (ctx.params ?? {}) as Record<string, unknown>;
  const why = policy.degraded
    ? await policy.degraded(ctx)
    : typeof params.reason === "string"
      ? params.reason
      : undefined;
  if (why === undefined)
    return { rolledBack: false, reason: "no degradation reported", version: null };
  const mark = `[pipeline ${ctx.pipeline} run ${ctx.runId}]`;
  const history = await ctx.tracking.models.aliasHistory(policy.model, alias);
  const mine = history.find((e) => e.reason.endsWith(mark));
  if (mine !== undefined) return { rolledBack: true, reason: mine.reason, version: mine.toVersion };
  const restored = await ctx.tracking.models.rollback(policy.model, alias, {
    actor: `pipeline:${ctx.pipeline}`,
    reason: `rollback: ${why} ${mark}`,
  });
  ctx.log.warn(`rolled @${alias} of '${policy.model}' back to version ${restored.version}: ${why}`);
  return { rolledBack: true, reason: why, version: restored.version };
}
