import { isKeelError, KeelError } from "../core/index.js";
import { quantile } from "../evaluate/index.js";
import type { CanaryState, Deployment } from "./deployment-record.js";
import type { CanaryGuardrails, DeploymentSpec, VariantSpec } from "./deployment-spec.js";
import type { ServingStore } from "./serving-store.js";

/**
 * One served request as the canary controller sees it.
 *
 * @example
 * ```ts
 * controller.observe({ variant: "challenger", latencyMs: 1.2, error: false, score: 0.31 });
 * ```
 */
export interface CanaryObservation {
  readonly variant: string;
  readonly latencyMs: number;
  readonly error: boolean;
  /** The numeric prediction (P(positive) or a regression value), for the shift guardrail. */
  readonly score?: number;
}

/**
 * What the controller decided, with a reason a person can read. A rollback names the broken
 * guardrail with its measured value and limit.
 *
 * @example
 * ```ts
 * const d = controller.evaluate(Date.now());
 * if (d.action === "rollback") console.log(d.guardrail, d.measured, d.limit);
 * ```
 */
export interface CanaryDecision {
  readonly action: "hold" | "advance" | "rollback" | "complete";
  readonly reason: string;
  /** The canary's share of traffic (percent) after the decision. */
  readonly percent: number;
  readonly guardrail?: keyof CanaryGuardrails;
  readonly measured?: number;
  readonly limit?: number;
}

/**
 * Options of {@link CanaryController}.
 *
 * @example
 * ```ts
 * new CanaryController(spec, { now: Date.now(), minSamples: 50 });
 * ```
 */
export interface CanaryControllerOptions {
  /** Where the rollout stands (from the store); default: first step, starting at `now`. */
  readonly state?: CanaryState;
  /** The time the rollout starts, when no state is given. */
  readonly now?: number;
  /** Canary observations a step needs before guardrails are judged. Default 20. */
  readonly minSamples?: number;
}

interface Window {
  latencies: number[];
  errors: number;
  count: number;
  scoreSum: number;
  scored: number;
}

const emptyWindow = (): Window => ({ latencies: [], errors: 0, count: 0, scoreSum: 0, scored: 0 });

/**
 * Drives a canary rollout without timers of its own: the caller feeds observations and asks
 * `evaluate(now)` (on a timer, or per request). Within each step the guardrails are judged
 * on that step's observations once the canary has `minSamples` of them: error rate and p99
 * latency of the canary, and the shift of its mean score from the other variants'. A broken
 * guardrail rolls back at once (the canary's weight drops to 0); a step that lasted
 * `intervalMs` with guardrails holding advances to the next; the step at 100% holding for
 * an interval completes the rollout.
 *
 * @example
 * ```ts
 * const canary = new CanaryController(spec, { now: Date.now() });
 * canary.observe({ variant: "challenger", latencyMs: 3, error: false });
 * const decision = canary.evaluate(Date.now()); // { action: "hold", ... }
 * router.setWeights(canary.weights());
 * ```
 */
export class CanaryController {
  readonly #spec: DeploymentSpec;
  readonly #minSamples: number;
  #state: CanaryState;
  #canary: Window = emptyWindow();
  #rest: Window = emptyWindow();

  constructor(spec: DeploymentSpec, options: CanaryControllerOptions = {}) {
    if (spec.canary === undefined)
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `CanaryController: deployment '${spec.name}' has no canary section`,
        { details: { deployment: spec.name } },
      );
    this.#spec = spec;
    this.#minSamples = options.minSamples ?? 20;
    this.#state = options.state ?? {
      stepIndex: 0,
      stepStartedAt: options.now ?? Date.now(),
      outcome: "running",
    };
  }

  /** Where the rollout stands, to store so other replicas (and restarts) agree. */
  get state(): CanaryState {
    return this.#state;
  }

  /** The canary's current share of traffic in percent (0 after a rollback). */
  get percent(): number {
    const { outcome, stepIndex } = this.#state;
    if (outcome === "rolled_back") return 0;
    if (outcome === "complete") return 100;
    return this.#canarySpec.steps[stepIndex] ?? 100;
  }

  /**
   * The variants with the weights to route by now: the canary at its step's percentage, the
   * others sharing the rest in proportion to their configured weights (equally if all are 0).
   */
  weights(): VariantSpec[] {
    const percent = this.percent;
    const others = this.#spec.variants.filter((v) => v.name !== this.#canarySpec.variant);
    const total = others.reduce((s, v) => s + v.weight, 0);
    return this.#spec.variants.map((v) => {
      if (v.name === this.#canarySpec.variant) return { ...v, weight: percent };
      const share = total > 0 ? v.weight / total : 1 / others.length;
      return { ...v, weight: (100 - percent) * share };
    });
  }

  observe(observation: CanaryObservation): void {
    const window = observation.variant === this.#canarySpec.variant ? this.#canary : this.#rest;
    window.count++;
    window.latencies.push(observation.latencyMs);
    if (observation.error) window.errors++;
    if (observation.score !== undefined && Number.isFinite(observation.score)) {
      window.scoreSum += observation.score;
      window.scored++;
    }
  }

  evaluate(now: number): CanaryDecision {
    const { outcome, stepIndex, stepStartedAt } = this.#state;
    if (outcome !== "running")
      return {
        action: "hold",
        reason: `the rollout is ${outcome.replace("_", " ")}`,
        percent: this.percent,
      };
    const percent = this.percent;
    if (this.#canary.count < this.#minSamples)
      return {
        action: "hold",
        reason: `waiting for ${this.#minSamples} canary observations at ${percent}%, have ${this.#canary.count}`,
        percent,
      };
    const broken = this.#brokenGuardrail();
    if (broken !== undefined) {
      const reason = `${broken.guardrail} ${formatNumber(broken.measured)} exceeds the limit ${formatNumber(broken.limit)} at ${percent}% (${this.#canary.count} canary requests)`;
      this.#state = { stepIndex, stepStartedAt: now, outcome: "rolled_back", reason };
      return { action: "rollback", reason, percent: 0, ...broken };
    }
    if (now - stepStartedAt < this.#canarySpec.intervalMs)
      return {
        action: "hold",
        reason: `guardrails hold at ${percent}%; the step lasts until ${new Date(stepStartedAt + this.#canarySpec.intervalMs).toISOString()}`,
        percent,
      };
    const steps = this.#canarySpec.steps;
    this.#canary = emptyWindow();
    this.#rest = emptyWindow();
    if (stepIndex >= steps.length - 1) {
      const reason = `guardrails held for a full interval at ${percent}%`;
      this.#state = { stepIndex, stepStartedAt: now, outcome: "complete", reason };
      return { action: "complete", reason, percent: 100 };
    }
    const next = steps[stepIndex + 1] ?? 100;
    const reason = `guardrails held for a full interval at ${percent}%; advancing to ${next}%`;
    this.#state = { stepIndex: stepIndex + 1, stepStartedAt: now, outcome: "running", reason };
    return { action: "advance", reason, percent: next };
  }

  #brokenGuardrail():
    | { guardrail: keyof CanaryGuardrails; measured: number; limit: number }
    | undefined {
    const { maxErrorRate, maxP99Ms, maxPredictionShift } = this.#canarySpec.guardrails;
    const canary = this.#canary;
    if (maxErrorRate !== undefined) {
      const rate = canary.errors / canary.count;
      if (rate > maxErrorRate)
        return { guardrail: "maxErrorRate", measured: rate, limit: maxErrorRate };
    }
    if (maxP99Ms !== undefined) {
      const p99 = quantile(
        [...canary.latencies].sort((a, b) => a - b),
        0.99,
      );
      if (p99 > maxP99Ms) return { guardrail: "maxP99Ms", measured: p99, limit: maxP99Ms };
    }
    const rest = this.#rest;
    if (
      maxPredictionShift !== undefined &&
      canary.scored >= this.#minSamples &&
      rest.scored >= this.#minSamples
    ) {
      const shift = Math.abs(canary.scoreSum / canary.scored - rest.scoreSum / rest.scored);
      if (shift > maxPredictionShift)
        return { guardrail: "maxPredictionShift", measured: shift, limit: maxPredictionShift };
    }
    return undefined;
  }

  get #canarySpec(): NonNullable<DeploymentSpec["canary"]> {
    return this.#spec.canary as NonNullable<DeploymentSpec["canary"]>;
  }
}

function formatNumber(value: number): string {
  return String(Number(value.toPrecision(4)));
}

/**
 * Stores a canary decision so every replica follows it: advance, rollback and complete
 * become deployment events (`canary_advance`, `canary_rollback`, `canary_complete`) carrying
 * the controller's state and the decision's reason; `hold` stores nothing. The write is
 * conditional on the deployment's revision, so when several replicas decide at once only one
 * records; the others get `false` and should reload the deployment.
 *
 * @example
 * ```ts
 * const decision = controller.evaluate(Date.now());
 * await recordCanaryDecision(store, deployment, controller, decision);
 * ```
 */
export async function recordCanaryDecision(
  store: ServingStore,
  deployment: Deployment,
  controller: CanaryController,
  decision: CanaryDecision,
): Promise<boolean> {
  if (decision.action === "hold") return false;
  const kind = (
    { advance: "canary_advance", rollback: "canary_rollback", complete: "canary_complete" } as const
  )[decision.action];
  try {
    await store.updateDeployment(deployment.name, {
      kind,
      state: { ...deployment.state, canary: controller.state },
      reason: decision.reason,
      actor: "canary",
      expectedRevision: deployment.revision,
    });
    return true;
  } catch (error) {
    if (isKeelError(error, "KEEL_ERR_CONFLICT")) return false;
    throw error;
  }
}
