import { setImmediate as yieldToLoop } from "node:timers/promises";
import { type FrameRecord, isKeelError, KeelError } from "../core/index.js";
import type { Tracking } from "../track/index.js";
import { CanaryDriver } from "./canary-driver.js";
import type { DeploymentState as StoredState } from "./deployment-record.js";
import type { DeploymentSpec } from "./deployment-spec.js";
import { parseEventTime } from "./event-time.js";
import { type ModelHandle, ModelSlots } from "./model-slots.js";
import {
  type FeatureLookup,
  type FeaturePlan,
  featurePlan,
  loggedFeatureInputs,
  lookupFeatures,
  type OnlineFeatureReader,
} from "./online-features.js";
import { batchRowRequestId } from "./prediction-entry.js";
import type { PredictionLog, PredictionLogEntry } from "./prediction-log.js";
import {
  BATCH_PATH_ROWS,
  type PredictionOutput,
  predictionOutput,
  predictionOutputs,
} from "./prediction-output.js";
import { conformRows, type ScoringRows } from "./request-formats.js";
import { newRequestId } from "./request-id.js";
import type { ServingStore } from "./serving-store.js";
import { type ShadowResult, ShadowScorer, type ShadowScorerOptions } from "./shadow-scorer.js";
import { assignVariant } from "./sticky-assignment.js";

/**
 * What {@link ServingRuntime.open} takes.
 *
 * @example
 * ```ts
 * const options: ServingRuntimeOptions = { tracking, cwd: process.cwd(), deployments: [spec] };
 * ```
 */
export interface ServingRuntimeOptions {
  readonly tracking: Tracking;
  /** Project directory: bundle directories and registered local sources resolve against it. */
  readonly cwd: string;
  readonly deployments: readonly DeploymentSpec[];
  /** Where predictions are logged; none: not logged. */
  readonly log?: PredictionLog;
  /** The log's queue bound: a request whose entries would not fit is refused with 503. */
  readonly logCapacity?: number;
  /** Per-request time limit in ms (default 10 s): a batch still scoring then gets 504. */
  readonly timeoutMs?: number;
  /** The serving store canary steps are recorded in (and read from, when another replica moved first). */
  readonly store?: ServingStore;
  /** The stored revision and state of deployments read from the store (a canary resumes there). */
  readonly stored?: Readonly<
    Record<string, { readonly revision: number; readonly state: StoredState }>
  >;
  /** How often canary rollouts are evaluated, in ms (default 1 s); 0 leaves it to the caller. */
  readonly canaryTickMs?: number;
  /** The clock canary rollouts run by (default `Date.now`; tests pass a simulated one). */
  readonly clock?: () => number;
  /**
   * How long one shadow job may score on the shadow thread before that thread is stopped and
   * the shadow's output logged as timed out (default 2,000 ms).
   */
  readonly shadowTimeoutMs?: number;
  /** The shadow thread's other settings (its heap limit, queue bound, module). */
  readonly shadows?: Omit<ShadowScorerOptions, "timeoutMs">;
  /** Called when a shadow or a background model load fails (the response path never sees it). */
  readonly onBackgroundError?: (what: string, error: unknown) => void;
  /** The project's feature store, for deployments with a `features` section. */
  readonly features?: OnlineFeatureReader;
}

/**
 * A request's answer.
 *
 * @example
 * ```ts
 * const result: ServeResult = await runtime.predict("default", rows);
 * result.predictions[0]?.prediction; // 0.71
 * ```
 */
export interface ServeResult {
  readonly requestId: string;
  readonly deployment: string;
  readonly variant: string;
  readonly modelVersion: string;
  readonly predictions: readonly PredictionOutput[];
  readonly latencyMs: number;
  /** The event time given with the request (epoch ms); absent: the entries carry the answer time. */
  readonly time?: number;
  /** Per row, the status of each looked-up online feature (deployments with `features`). */
  readonly featureStatuses?: FeatureLookup["looked"][number]["statuses"][];
}

/**
 * What a caller may say about one request besides its rows.
 *
 * @example
 * ```ts
 * const meta: PredictMeta = { requestId: "2026-03-02-c42", time: "2026-03-02T09:30:00Z" };
 * ```
 */
export interface PredictMeta {
  /** The request id logged (and echoed); default a random UUID. */
  readonly requestId?: string;
  /**
   * The event time the request's entries are logged with: an ISO-8601 timestamp with a zone
   * or epoch ms (see {@link parseEventTime}). Default: when the answer goes out. A replay of
   * historical or simulated traffic sets it, so monitors and A/B analysis window the replay
   * by its own time. Library callers may always set it; over HTTP only a server started to
   * accept event times takes it (`acceptEventTime`).
   */
  readonly time?: string | number;
}

/**
 * A deployment's stored revision and state, as the serving store keeps them.
 *
 * @example
 * ```ts
 * const record: StoredRecord = { revision: 3, state: {} };
 * ```
 */
export interface StoredRecord {
  readonly revision: number;
  readonly state: StoredState;
}

/** Rows scored between two yields to the event loop, so a big batch never stalls the server. */
const CHUNK_ROWS = 512;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_LOG_CAPACITY = 100_000;
/** The same failure of one shadow is reported again after this long, not on every request. */
const SHADOW_REPORT_MS = 60_000;

interface DeploymentState {
  readonly spec: DeploymentSpec;
  canary?: CanaryDriver;
  /** Current weights; a canary rollout replaces them step by step. */
  weights: readonly { readonly name: string; readonly weight: number }[];
  readonly refs: ReadonlyMap<string, string>;
  readonly features?: FeaturePlan;
}

/**
 * The serving core behind the HTTP routes: holds every variant and shadow model of each
 * deployment, routes a request to a variant by a stable hash of its sticky key (or request
 * id), checks its rows against that model's input signature, scores them, mirrors them to
 * shadows after the answer is out, and logs each prediction. Models move to new versions with
 * {@link ServingRuntime.reload} without a request failing; {@link ServingRuntime.close} drains.
 *
 * @example
 * ```ts
 * const runtime = await ServingRuntime.open({ tracking, cwd, deployments: [spec], log });
 * const result = await runtime.predict("churn", parseScoringJson(body));
 * ```
 */
export class ServingRuntime {
  readonly #options: ServingRuntimeOptions;
  readonly #slots: ModelSlots;
  readonly #deployments = new Map<string, DeploymentState>();
  readonly #background = new Set<Promise<void>>();
  readonly #shadows: ShadowScorer;
  /** When each (shadow, message) was last reported. */
  readonly #shadowReports = new Map<string, number>();
  /** Rows of requests let in whose entries are not in the log yet (scoring, or awaiting shadows). */
  #reserved = 0;
  #inflight = 0;
  #idle: (() => void) | undefined;
  #closing = false;
  #ready = false;

  private constructor(options: ServingRuntimeOptions) {
    this.#options = options;
    this.#slots = new ModelSlots(options.tracking, options.cwd);
    this.#shadows = new ShadowScorer({
      ...options.shadows,
      ...(options.shadowTimeoutMs === undefined ? {} : { timeoutMs: options.shadowTimeoutMs }),
    });
    for (const spec of options.deployments)
      this.#deployments.set(spec.name, this.#newState(spec, options.stored?.[spec.name]));
  }

  #newState(spec: DeploymentSpec, stored: StoredRecord | undefined): DeploymentState {
    const state: DeploymentState = {
      spec,
      weights: spec.variants.map((v) => ({ name: v.name, weight: v.weight })),
      refs: new Map(spec.variants.map((v) => [v.name, v.model])),
      ...(spec.features === undefined ? {} : { features: this.#featurePlan(spec) }),
    };
    if (spec.canary !== undefined) state.canary = this.#canaryDriver(spec, state, stored);
    return state;
  }

  /**
   * Serves a changed spec of a deployment (a promotion or rollback made with `keel deploy`):
   * the new variant models load first, then the deployment switches in one assignment, so
   * requests in flight finish on the old spec and none fails. A model that cannot load
   * rejects and leaves the old spec serving.
   *
   * @example
   * ```ts
   * await runtime.replaceDeployment(stored.spec, { revision: stored.revision, state: stored.state });
   * ```
   */
  async replaceDeployment(spec: DeploymentSpec, stored?: StoredRecord): Promise<void> {
    const old = this.#state(spec.name);
    for (const v of spec.variants) await this.#slots.load(v.model);
    for (const s of spec.shadow ?? [])
      this.#track(
        this.#slots.load(s.model).then(
          () => {},
          (error: unknown) =>
            this.#options.onBackgroundError?.(`loading shadow model ${s.model}`, error),
        ),
      );
    old.canary?.stop();
    this.#deployments.set(spec.name, this.#newState(spec, stored));
  }

  #featurePlan(spec: DeploymentSpec): FeaturePlan | undefined {
    if (spec.features === undefined) return undefined;
    const reader = this.#options.features;
    if (reader === undefined)
      throw new KeelError(
        "KEEL_ERR_DEPLOYMENT_INVALID",
        `deployment '${spec.name}' reads online features (${spec.features.service ?? spec.features.features?.join(", ")}) but no feature store is open: serve it from the project directory (keel.config.ts, after keel apply) or pass --config`,
        { details: { deployment: spec.name, features: spec.features } },
      );
    return featurePlan(spec.name, spec.features, reader.repo);
  }

  #canaryDriver(
    spec: DeploymentSpec,
    state: DeploymentState,
    stored: StoredRecord | undefined,
  ): CanaryDriver {
    const driver = new CanaryDriver(spec, {
      ...(this.#options.store ? { store: this.#options.store } : {}),
      ...(stored ? { revision: stored.revision } : {}),
      ...(stored?.state.canary ? { state: stored.state.canary } : {}),
      ...(this.#options.clock ? { now: this.#options.clock } : {}),
      apply: (weights) => {
        state.weights = weights.map((w) => ({ name: w.name, weight: w.weight }));
      },
    });
    const tick = this.#options.canaryTickMs ?? 1000;
    if (tick > 0)
      driver.start(tick, (error) =>
        this.#options.onBackgroundError?.(`canary of ${spec.name}`, error),
      );
    return driver;
  }

  /**
   * The canary driver of a deployment with a canary section (tests and `keel deploy` tick it).
   *
   * @example
   * ```ts
   * await runtime.canary("churn")?.tick(Date.now());
   * ```
   */
  canary(name: string): CanaryDriver | undefined {
    return this.#state(name).canary;
  }

  /**
   * Loads every variant model of every deployment (a reference that does not resolve fails
   * the open, naming it); shadow models load in the background, so a shadow that cannot load
   * never keeps the primary from serving.
   *
   * @example
   * ```ts
   * const runtime = await ServingRuntime.open({ tracking, cwd, deployments });
   * runtime.ready; // true
   * ```
   */
  static async open(options: ServingRuntimeOptions): Promise<ServingRuntime> {
    const runtime = new ServingRuntime(options);
    const variants = new Set<string>();
    const shadows = new Set<string>();
    for (const spec of options.deployments) {
      for (const v of spec.variants) variants.add(v.model);
      for (const s of spec.shadow ?? []) shadows.add(s.model);
    }
    for (const ref of variants) {
      try {
        await runtime.#slots.load(ref);
      } catch (error) {
        const deployments = options.deployments
          .filter((d) => d.variants.some((v) => v.model === ref))
          .map((d) => d.name);
        // A bundle that is there but malformed keeps its own code (KEEL_ERR_BUNDLE_INVALID):
        // "not found" would send an operator looking for a missing file.
        throw new KeelError(
          isKeelError(error) ? error.code : "KEEL_ERR_NOT_FOUND",
          `cannot load model '${ref}' of deployment(s) ${deployments.join(", ")}: ${error instanceof Error ? error.message : String(error)}`,
          { details: { model: ref, deployments }, cause: error },
        );
      }
    }
    for (const ref of shadows)
      if (!variants.has(ref))
        runtime.#track(
          runtime.#slots.load(ref).then(
            () => {},
            (error: unknown) => options.onBackgroundError?.(`loading shadow model ${ref}`, error),
          ),
        );
    runtime.#ready = true;
    return runtime;
  }

  /** True once every variant model is loaded and until {@link close} starts. */
  get ready(): boolean {
    return this.#ready && !this.#closing;
  }

  /** The deployments served. */
  get deploymentNames(): string[] {
    return [...this.#deployments.keys()];
  }

  /**
   * The model references whose alias can move (`models:/NAME@ALIAS`), for the alias watcher.
   *
   * @example
   * ```ts
   * runtime.aliasRefs(); // ["models:/churn@champion", "models:/churn@challenger"]
   * ```
   */
  aliasRefs(): string[] {
    const refs = new Set<string>();
    for (const { spec } of this.#deployments.values())
      for (const m of [...spec.variants, ...(spec.shadow ?? [])])
        if (m.model.startsWith("models:/") && m.model.includes("@")) refs.add(m.model);
    return [...refs];
  }

  /**
   * The version a model reference serves now (`"7"`, `"local"`), if loaded.
   *
   * @example
   * ```ts
   * runtime.modelVersion("models:/churn@champion"); // "7"
   * ```
   */
  modelVersion(ref: string): string | undefined {
    return this.#slots.get(ref)?.version;
  }

  /**
   * The spec of a served deployment; an unknown name is `KEEL_ERR_NOT_FOUND` (404).
   *
   * @example
   * ```ts
   * runtime.deployment("churn").variants.length;
   * ```
   */
  deployment(name: string): DeploymentSpec {
    return this.#state(name).spec;
  }

  /**
   * The handle (model and version) each variant of a deployment serves now.
   *
   * @example
   * ```ts
   * runtime.variantModels("default"); // { default: { ref, bundle, version: "3" } }
   * ```
   */
  variantModels(name: string): Record<string, ModelHandle> {
    const state = this.#state(name);
    const out: Record<string, ModelHandle> = {};
    for (const [variant, ref] of state.refs) {
      const handle = this.#slots.get(ref);
      if (handle) out[variant] = handle;
    }
    return out;
  }

  /**
   * Replaces the weights a deployment routes by (a canary step, a promotion).
   *
   * @example
   * ```ts
   * runtime.setWeights("churn", [{ name: "champion", weight: 95 }, { name: "canary", weight: 5 }]);
   * ```
   */
  setWeights(name: string, weights: readonly { name: string; weight: number }[]): void {
    this.#state(name).weights = weights.map((w) => ({ name: w.name, weight: w.weight }));
  }

  /** The current weights of a deployment. @example `runtime.weights("churn");` */
  weights(name: string): readonly { readonly name: string; readonly weight: number }[] {
    return this.#state(name).weights;
  }

  /**
   * Loads a reference again and swaps it in atomically when its version moved (see
   * {@link ModelSlots.reload}); a failed load keeps the old model and is reported to
   * `onBackgroundError`.
   *
   * @example
   * ```ts
   * await runtime.reload("models:/churn@champion");
   * ```
   */
  async reload(ref: string): Promise<void> {
    try {
      await this.#slots.reload(ref);
    } catch (error) {
      this.#options.onBackgroundError?.(`reloading ${ref}`, error);
    }
  }

  /**
   * Scores the rows of one request on one variant of a deployment: the variant is picked by a
   * stable hash of the deployment's sticky key field in the first row (or of the request id),
   * every row is checked against that variant's model (one 400 listing every bad field), and
   * each prediction is logged, with `meta.time` as its event time when given (a bad one is
   * `KEEL_ERR_INVALID_ARGUMENT` before anything is scored); online features are then read as of
   * that time (their TTL judged at it). Shadows get the rows after this
   * returns.
   *
   * @example
   * ```ts
   * const result = await runtime.predict("churn", parseScoringJson(body), { requestId });
   * await runtime.predict("churn", rows, { requestId: "d12-c42", time: "2026-03-02T09:30:00Z" }); // a replay
   * ```
   */
  async predict(name: string, input: ScoringRows, meta: PredictMeta = {}): Promise<ServeResult> {
    const state = this.#state(name);
    const eventTime =
      meta.time === undefined ? undefined : parseEventTime(meta.time, "time", Date.now());
    if (!this.ready)
      throw new KeelError(
        "KEEL_ERR_SERVING_OVERLOADED",
        this.#closing ? "the server is shutting down" : "the models are still loading",
        { details: { deployment: name } },
      );
    const requestId = meta.requestId ?? newRequestId();
    const variant = assignVariant(state.weights, stickyKey(state.spec, input, requestId));
    const handle = this.#slots.get(state.refs.get(variant) ?? "");
    if (handle === undefined)
      throw new KeelError(
        "KEEL_ERR_SERVING_OVERLOADED",
        `variant '${variant}' of deployment '${name}' has no model loaded`,
        { details: { deployment: name, variant } },
      );
    // A replayed request reads the features as of its event time: their TTL is judged then.
    const lookup = state.features && (await this.#lookup(state.features, input, eventTime));
    const records = conformRows(handle.bundle.inputSignature, lookup?.rows ?? input);
    const log = this.#options.log;
    const capacity = this.#options.logCapacity ?? DEFAULT_LOG_CAPACITY;
    // A batch the queue could never hold would get 503 "retry" forever: say to split it.
    if (log && records.length > capacity)
      throw new KeelError(
        "KEEL_ERR_PAYLOAD_TOO_LARGE",
        `the request holds ${records.length} rows; the prediction log takes at most ${capacity} at once: split the batch`,
        { details: { deployment: name, rows: records.length, maxRows: capacity } },
      );
    const wanted = this.#reserved + records.length;
    if (log && (log.pending + wanted > capacity || !log.hasRoomFor(wanted)))
      throw new KeelError(
        "KEEL_ERR_SERVING_OVERLOADED",
        `the prediction log's writer is behind (${log.pending} rows, ${log.pendingBytes} bytes waiting; ${this.#reserved} rows of requests in flight; capacity ${capacity} rows); retry shortly`,
        {
          details: {
            deployment: name,
            pending: log.pending,
            pendingBytes: log.pendingBytes,
            inFlight: this.#reserved,
            capacity,
          },
        },
      );
    // The rows hold their room in the log from here until they are appended, so requests let
    // in together (each scoring, then appending) cannot overfill the queue and lose entries.
    const held = log ? records.length : 0;
    this.#reserved += held;
    let handedOver = false;
    this.#inflight++;
    const started = performance.now();
    try {
      let predictions: PredictionOutput[];
      try {
        predictions = await this.#score(handle, records, started);
      } catch (error) {
        state.canary?.observe({ variant, latencyMs: performance.now() - started, error: true });
        throw error;
      }
      const latencyMs = performance.now() - started;
      const first = predictions[0]?.prediction;
      state.canary?.observe({
        variant,
        latencyMs,
        error: false,
        ...(typeof first === "number" ? { score: first } : {}),
      });
      const result: ServeResult = {
        requestId,
        deployment: name,
        variant,
        modelVersion: handle.version,
        predictions,
        latencyMs,
        ...(eventTime === undefined ? {} : { time: eventTime }),
        ...(lookup ? { featureStatuses: lookup.looked.map((l) => l.statuses) } : {}),
      };
      handedOver = true;
      this.#afterResponse(
        state.spec,
        result,
        records,
        lookup ? loggedFeatureInputs(state.features!, lookup, records) : records,
      );
      return result;
    } finally {
      if (!handedOver) this.#reserved -= held;
      if (--this.#inflight === 0) this.#idle?.();
    }
  }

  /** Reads a request's online features, counted in flight so that close() waits for it. */
  async #lookup(
    plan: FeaturePlan,
    input: ScoringRows,
    at: number | undefined,
  ): Promise<FeatureLookup> {
    this.#inflight++;
    try {
      return await lookupFeatures(plan, this.#options.features!, input, at);
    } finally {
      if (--this.#inflight === 0) this.#idle?.();
    }
  }

  /** Scores in chunks, yielding between them; past the deadline the request gets 504. */
  async #score(
    handle: ModelHandle,
    records: readonly FrameRecord[],
    started: number,
  ): Promise<PredictionOutput[]> {
    const out = new Array<PredictionOutput>(records.length);
    const timeoutMs = this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    for (let from = 0; from < records.length; from += CHUNK_ROWS) {
      if (from > 0) {
        await yieldToLoop();
        const elapsed = performance.now() - started;
        if (elapsed > timeoutMs)
          throw new KeelError(
            "KEEL_ERR_REQUEST_TIMEOUT",
            `scoring ${records.length} rows ran past the ${timeoutMs} ms per-request limit after ${from} rows`,
            { details: { timeoutMs, rows: records.length, scored: from } },
          );
      }
      const to = Math.min(records.length, from + CHUNK_ROWS);
      if (to - from >= BATCH_PATH_ROWS) predictionOutputs(handle.bundle, records, from, to, out);
      else for (let i = from; i < to; i++) out[i] = predictionOutput(handle.bundle, records[i]!);
    }
    return out;
  }

  /**
   * Logs the predictions (`logged`: the request rows with any looked-up online features), after
   * the shadows scored the rows when there are any. Shadows score on their own thread
   * ({@link ShadowScorer}): this thread only hands the rows over, so a slow or hung shadow never
   * delays an answer.
   */
  #afterResponse(
    spec: DeploymentSpec,
    result: ServeResult,
    records: readonly FrameRecord[],
    logged: readonly Readonly<Record<string, unknown>>[],
  ): void {
    const log = this.#options.log;
    const shadows = spec.shadow ?? [];
    // Received: when the answer went out, not when the shadows finished (seconds later for a
    // slow one). It is the event time too unless the caller gave one (a replay).
    const time = Date.now();
    // The rows' room in the log, held since the request was let in (see predict).
    const held = log ? records.length : 0;
    if (shadows.length === 0) {
      this.#reserved -= held;
      if (log) appendAll(log, result, logged, time, undefined);
      return;
    }
    const run = Promise.all(shadows.map((s) => this.#shadowOutputs(s.name, s.model, records))).then(
      (outputs) => {
        this.#reserved -= held;
        if (log)
          appendAll(log, result, logged, time, (i) => {
            const shadow: Record<string, unknown> = {};
            shadows.forEach((s, k) => {
              const o = outputs[k]!;
              shadow[s.name] = Array.isArray(o) ? o[i] : o;
            });
            return shadow;
          });
      },
    );
    this.#track(run);
  }

  /** A shadow's outputs for the rows, or what went wrong: never thrown at the caller. */
  async #shadowOutputs(
    name: string,
    ref: string,
    records: readonly FrameRecord[],
  ): Promise<ShadowResult> {
    const handle = this.#slots.get(ref);
    if (handle === undefined) return { error: `shadow '${name}' (${ref}) is not loaded` };
    const result = await this.#shadows.score(handle.bundle, records);
    if ("error" in result) this.#reportShadowError(name, result.error);
    return result;
  }

  /**
   * Tells `onBackgroundError` about a shadow's failure once a minute per distinct message: a
   * shadow that fails on every request must not write a line per request (every entry in the
   * log still says why).
   */
  #reportShadowError(name: string, message: string): void {
    const now = Date.now();
    const key = `${name}\u0000${message}`;
    const last = this.#shadowReports.get(key);
    if (last !== undefined && now - last < SHADOW_REPORT_MS) return;
    this.#shadowReports.set(key, now);
    this.#options.onBackgroundError?.(`shadow '${name}'`, new Error(message));
  }

  /**
   * Waits for work still running after answers went out (shadows, and the log entries that
   * wait for them), so a caller that then flushes the log sees every answered request.
   *
   * @example
   * ```ts
   * await runtime.settle(); await log.flush();
   * ```
   */
  async settle(): Promise<void> {
    while (this.#background.size > 0) await Promise.all([...this.#background]);
  }

  #track(work: Promise<void>): void {
    this.#background.add(work);
    void work.finally(() => this.#background.delete(work));
  }

  #state(name: string): DeploymentState {
    const state = this.#deployments.get(name);
    if (state === undefined)
      throw new KeelError(
        "KEEL_ERR_DEPLOYMENT_NOT_FOUND",
        `no deployment named '${name}' is served here; served: ${[...this.#deployments.keys()].join(", ")}`,
        { details: { deployment: name, served: [...this.#deployments.keys()] } },
      );
    return state;
  }

  /**
   * Stops taking requests, waits for those in flight and for shadow work, then flushes and
   * closes the prediction log, so every acknowledged prediction is stored.
   *
   * @example
   * ```ts
   * await app.close(); await runtime.close();
   * ```
   */
  async close(): Promise<void> {
    this.#closing = true;
    for (const state of this.#deployments.values()) state.canary?.stop();
    if (this.#inflight > 0)
      await new Promise<void>((resolve) => {
        this.#idle = resolve;
      });
    await this.settle();
    await this.#shadows.close();
    await this.#options.log?.close();
  }
}

/** The sticky key of a request: its first row's sticky field, else the request id. */
function stickyKey(spec: DeploymentSpec, input: ScoringRows, requestId: string): string {
  if (spec.stickyKey === undefined) return requestId;
  const first = input.rows[0];
  if (typeof first !== "object" || first === null) return requestId;
  const value = (first as Record<string, unknown>)[spec.stickyKey];
  return value === undefined || value === null ? requestId : String(value);
}

function appendAll(
  log: PredictionLog,
  result: ServeResult,
  records: readonly Readonly<Record<string, unknown>>[],
  time: number,
  shadowOf: ((i: number) => Record<string, unknown>) | undefined,
): void {
  const many = records.length > 1;
  for (let i = 0; i < records.length; i++) {
    const entry: PredictionLogEntry = {
      requestId: many ? batchRowRequestId(result.requestId, i) : result.requestId,
      time: result.time ?? time,
      receivedAt: time,
      deployment: result.deployment,
      variant: result.variant,
      modelVersion: result.modelVersion,
      input: records[i]!,
      output: result.predictions[i]!,
      latencyMs: result.latencyMs,
      ...(shadowOf ? { shadow: shadowOf(i) } : {}),
    };
    log.append(entry);
  }
}
