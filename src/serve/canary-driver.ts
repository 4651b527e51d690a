import { isKeelError } from "../core/index.js";
import { CanaryController, type CanaryDecision } from "./canary.js";
import type { CanaryState, DeploymentEventKind } from "./deployment-record.js";
import type { DeploymentSpec } from "./deployment-spec.js";
import type { ServingStore } from "./serving-store.js";

/** What a canary decision records in the deployment history. */
const EVENT: Readonly<Record<CanaryDecision["action"], DeploymentEventKind | undefined>> = {
  hold: undefined,
  advance: "canary_advance",
  rollback: "canary_rollback",
  complete: "canary_complete",
};

/**
 * Runs a deployment's canary rollout inside a server: feeds each answered request to the
 * {@link CanaryController}, evaluates it on a timer, applies the new weights, and records each
 * step (advance, rollback with its reason, complete) in the serving store, so other replicas
 * and a restart pick the rollout up where it stands. When another replica recorded the step
 * first, this one adopts the stored state.
 *
 * @example
 * ```ts
 * const driver = new CanaryDriver(spec, { store, revision, state, apply: (w) => runtime.setWeights(spec.name, w) });
 * driver.observe({ variant: "canary", latencyMs: 1.2, error: false });
 * ```
 */
export class CanaryDriver {
  readonly #spec: DeploymentSpec;
  readonly #store: ServingStore | undefined;
  readonly #apply: (weights: readonly { name: string; weight: number }[]) => void;
  readonly #onDecision: ((decision: CanaryDecision) => void) | undefined;
  readonly #now: () => number;
  #controller: CanaryController;
  #revision: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  constructor(
    spec: DeploymentSpec,
    options: {
      readonly store?: ServingStore;
      readonly revision?: number;
      readonly state?: CanaryState;
      readonly apply: (weights: readonly { name: string; weight: number }[]) => void;
      readonly onDecision?: (decision: CanaryDecision) => void;
      readonly minSamples?: number;
      /** The clock a new rollout starts by and the timer ticks with (default `Date.now`). */
      readonly now?: () => number;
    },
  ) {
    this.#spec = spec;
    this.#store = options.store;
    this.#apply = options.apply;
    this.#onDecision = options.onDecision;
    this.#revision = options.revision;
    this.#now = options.now ?? Date.now;
    this.#controller = new CanaryController(spec, {
      ...(options.state ? { state: options.state } : { now: this.#now() }),
      ...(options.minSamples !== undefined ? { minSamples: options.minSamples } : {}),
    });
    this.#apply(this.#controller.weights());
  }

  /**
   * Counts one answered request (or a failed one, `error: true`).
   *
   * @example
   * ```ts
   * driver.observe({ variant: "champion", latencyMs: 0.8, error: false, score: 0.3 });
   * ```
   */
  observe(observation: {
    variant: string;
    latencyMs: number;
    error: boolean;
    score?: number;
  }): void {
    this.#controller.observe(observation);
  }

  /**
   * Evaluates the rollout now: applies and records an advance, rollback or completion.
   *
   * @example
   * ```ts
   * const decision = await driver.tick(Date.now());
   * ```
   */
  async tick(now: number): Promise<CanaryDecision> {
    const decision = this.#controller.evaluate(now);
    const kind = EVENT[decision.action];
    if (kind === undefined) return decision;
    this.#apply(this.#controller.weights());
    this.#onDecision?.(decision);
    if (this.#store) await this.#record(kind, decision.reason);
    return decision;
  }

  async #record(kind: DeploymentEventKind, reason: string): Promise<void> {
    const store = this.#store!;
    try {
      const updated = await store.updateDeployment(this.#spec.name, {
        kind,
        reason,
        actor: "canary",
        state: { canary: this.#controller.state },
        ...(this.#revision !== undefined ? { expectedRevision: this.#revision } : {}),
      });
      this.#revision = updated.revision;
    } catch (error) {
      if (!isKeelError(error, "KEEL_ERR_CONFLICT")) throw error;
      // Another replica moved the rollout first: follow what it stored.
      const stored = await store.getDeployment(this.#spec.name);
      this.#revision = stored.revision;
      this.#controller = new CanaryController(stored.spec, {
        ...(stored.state.canary ? { state: stored.state.canary } : {}),
      });
      this.#apply(this.#controller.weights());
    }
  }

  /**
   * Evaluates every `intervalMs` (default 1 s) until {@link stop}; failures go to `onError`.
   *
   * @example
   * ```ts
   * driver.start(1000, (e) => console.error(e));
   * ```
   */
  start(intervalMs = 1000, onError: (error: unknown) => void = () => {}): void {
    this.#timer = setInterval(() => {
      if (this.#busy) return;
      this.#busy = true;
      this.tick(this.#now())
        .catch(onError)
        .finally(() => {
          this.#busy = false;
        });
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer. @example `driver.stop();` */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
