import type { JsonValue } from "../core/index.js";
import { createLogger, isKeelError, KeelError, type Logger } from "../core/index.js";
import type { Tracking } from "../track/index.js";
import { retryDelayMs, type StepRetryPolicy } from "./backoff.js";
import { buildStepContext, type StepTry } from "./build-step-context.js";
import type { PipelineDefinition, StepDefinition } from "./define-pipeline.js";
import { canonicalJson, fileHash, sha256 } from "./hashing.js";
import { isOwnerDead } from "./lease-owner.js";
import type { PipelineRun, PipelineStore, StepState } from "./pipeline-store.js";
import { type StepRunner, stepCodeHash } from "./step-runner.js";

/**
 * What a step runner needs around it: the state store, the project, the tracking SDK on the
 * same store, who it is, and how long its leases last.
 *
 * @example
 * ```ts
 * const env: StepEnvironment = { store, root, tracking, owner: newLeaseOwner(), leaseMs: 30_000, force: false, log };
 * ```
 */
export interface StepEnvironment {
  readonly store: PipelineStore;
  readonly root: string;
  readonly tracking: Tracking;
  readonly owner: string;
  /** How long a lease holds without a heartbeat; heartbeats go every third of it. */
  readonly leaseMs: number;
  /** Rerun even when the cache holds the step's outputs. */
  readonly force: boolean;
  readonly log: Logger;
  /** Waits between retries (tests pass a faster one). Default: a timer. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Aborting it (Ctrl-C) fails the running tries at once, as a lost lease does, with its reason. */
  readonly signal?: AbortSignal;
  /** Where tries run (worker threads); default: inline, on this event loop. */
  readonly runner?: StepRunner;
}

/**
 * How running one step ended: it ran and `succeeded`, its outputs were reused (`cached`), it
 * `failed` after its retries (a dead letter holds it), it had already finished (`done`), or
 * another live runner holds it (`busy`).
 *
 * @example
 * ```ts
 * const outcome: StepOutcome = { status: "cached", outputs: '{"rows":7043}' };
 * ```
 */
export type StepOutcome =
  | { readonly status: "succeeded" | "cached" | "done"; readonly outputs: string }
  | { readonly status: "failed"; readonly error: string; readonly deadLetter: number | undefined }
  | { readonly status: "busy" };

const FINISHED: readonly string[] = ["succeeded", "cached"];

/**
 * The step's retry settings, defaults filled in (retries 0, retryDelay 1 s, maxRetryDelay 10 min).
 *
 * @example
 * ```ts
 * retryPolicyOf(step({ retries: 2, run: () => 1 })); // { retries: 2, retryDelay: 1000, maxRetryDelay: 600000 }
 * ```
 */
export function retryPolicyOf(definition: StepDefinition<never>): StepRetryPolicy {
  return {
    retries: definition.retries ?? 0,
    retryDelay: definition.retryDelay ?? 1000,
    maxRetryDelay: definition.maxRetryDelay ?? 600_000,
  };
}

/**
 * The step's cache key, like `dvc repro`'s: the SHA-256 of its code version (the text of its
 * `run` function and its `version`), the run's params and logical date, the hashes of its
 * input files and of each upstream step's outputs.
 *
 * @example
 * ```ts
 * const key = await cacheKeyOf(pipeline, "train", run, upstream, root);
 * ```
 */
export async function cacheKeyOf(
  pipeline: PipelineDefinition<unknown>,
  name: string,
  run: PipelineRun,
  upstream: Readonly<Record<string, string>>,
  root: string,
): Promise<string> {
  const definition = pipeline.steps[name] as StepDefinition<unknown>;
  const files: Record<string, string> = {};
  for (const path of definition.inputs ?? [])
    files[path] = await fileHash(root, path, `pipeline '${pipeline.name}' step '${name}'`);
  const upstreamHashes: Record<string, string> = {};
  for (const [dep, outputs] of Object.entries(upstream)) upstreamHashes[dep] = sha256(outputs);
  return sha256(
    canonicalJson(
      {
        pipeline: pipeline.name,
        step: name,
        code: sha256(definition.run.toString()),
        version: definition.version ?? null,
        params: run.params,
        logicalDate: run.logicalDate.toISOString(),
        files,
        upstream: upstreamHashes,
      },
      `pipeline '${pipeline.name}' step '${name}' params`,
    ),
  );
}

/**
 * Runs one step of a run to its end: reuses cached outputs when the cache key matches (unless
 * forced); else takes the step's lease (with heartbeats), tries it up to `retries + 1` times
 * with backoff and the per-try timeout, and records its outputs (a checkpoint) or, after the
 * last try, a dead letter. Shared by the in-process and the queue executors.
 *
 * @example
 * ```ts
 * const outcome = await executeStep(env, pipeline, run, "train");
 * ```
 */
export async function executeStep(
  env: StepEnvironment,
  pipeline: PipelineDefinition<unknown>,
  run: PipelineRun,
  name: string,
): Promise<StepOutcome> {
  const definition = pipeline.steps[name] as StepDefinition<unknown>;
  const { store, owner } = env;
  const claim = await store.claimStep(
    run.runId,
    name,
    owner,
    Date.now() + env.leaseMs,
    isOwnerDead,
  );
  if (claim === "busy") return { status: "busy" };
  if (claim === "done") return finishedOutcome(await store.step(run.runId, name));
  let upstream: Record<string, string>;
  let cacheKey: string;
  try {
    upstream = await upstreamOutputs(store, pipeline, run, name);
    cacheKey = await cacheKeyOf(pipeline, name, run, upstream, env.root);
  } catch (error) {
    // An unreadable input file or bad params: the step cannot even start; file it, do not hang.
    const message = isKeelError(error) ? `${error.code}: ${error.message}` : String(error);
    const deadLetter = await store.failStep({
      runId: run.runId,
      step: name,
      owner,
      pipeline: pipeline.name,
      error: message,
      attempts: (await store.step(run.runId, name)).attempts,
      payload: { logicalDate: run.logicalDate.toISOString(), params: run.params },
    });
    return { status: "failed", error: message, deadLetter };
  }
  const useCache = definition.cache !== false;
  if (useCache && !env.force) {
    const cached = await store.cached(cacheKey);
    if (cached !== undefined) {
      const ok = await store.finishStep(run.runId, name, owner, {
        status: "cached",
        outputs: cached,
        cacheKey,
        pipeline: pipeline.name,
        cache: true,
      });
      return ok
        ? { status: "cached", outputs: cached }
        : finishedOutcome(await store.step(run.runId, name));
    }
  }
  const lease = new AbortController();
  const interrupt = () => lease.abort(env.signal?.reason);
  if (env.signal?.aborted) interrupt();
  env.signal?.addEventListener("abort", interrupt, { once: true });
  const heartbeat = setInterval(
    () => {
      store
        .heartbeat(run.runId, name, owner, Date.now() + env.leaseMs)
        .then((held) => {
          if (!held)
            lease.abort(new KeelError("KEEL_ERR_CONFLICT", `step '${name}' lost its lease`));
        })
        .catch((error: unknown) =>
          env.log.warn("heartbeat failed", { step: name, error: String(error) }),
        );
    },
    Math.max(50, Math.floor(env.leaseMs / 3)),
  );
  try {
    return await tryStep(env, pipeline, run, name, definition, upstream, cacheKey, lease.signal);
  } finally {
    clearInterval(heartbeat);
    env.signal?.removeEventListener("abort", interrupt);
  }
}

function finishedOutcome(state: StepState): StepOutcome {
  if (FINISHED.includes(state.status)) return { status: "done", outputs: state.outputs ?? "null" };
  return { status: "failed", error: state.error ?? state.status, deadLetter: undefined };
}

async function upstreamOutputs(
  store: PipelineStore,
  pipeline: PipelineDefinition<unknown>,
  run: PipelineRun,
  name: string,
): Promise<Record<string, string>> {
  const after = pipeline.steps[name]?.after ?? [];
  if (after.length === 0) return {};
  const states = new Map((await store.steps(run.runId, after)).map((s) => [s.step, s]));
  const outputs: Record<string, string> = {};
  for (const dep of after) {
    const state = states.get(dep);
    if (state === undefined || !FINISHED.includes(state.status) || state.outputs === null)
      throw new KeelError(
        "KEEL_ERR_INVALID_STATE",
        `step '${name}' of run ${run.runId} cannot start: its dependency '${dep}' has not finished (${state?.status ?? "missing"})`,
        { details: { runId: run.runId, step: name, dependency: dep } },
      );
    outputs[dep] = state.outputs;
  }
  return outputs;
}

async function tryStep(
  env: StepEnvironment,
  pipeline: PipelineDefinition<unknown>,
  run: PipelineRun,
  name: string,
  definition: StepDefinition<unknown>,
  upstream: Readonly<Record<string, string>>,
  cacheKey: string,
  leaseSignal: AbortSignal,
): Promise<StepOutcome> {
  const { store, owner } = env;
  const policy = retryPolicyOf(definition as StepDefinition<never>);
  const sleep = env.sleep ?? abortableSleep;
  const inputs: Record<string, JsonValue> = {};
  for (const [dep, text] of Object.entries(upstream)) inputs[dep] = JSON.parse(text) as JsonValue;
  let attempt = (await store.step(run.runId, name)).attempts;
  const lastTry = attempt + policy.retries + 1;
  for (;;) {
    attempt += 1;
    await store.recordAttempt(run.runId, name, owner, {
      attempts: attempt,
      status: "running",
      cacheKey,
    });
    const lines: Parameters<PipelineStore["appendLogs"]>[0][number][] = [];
    const log = createLogger({
      level: "debug",
      sink: (r) => {
        lines.push({
          runId: run.runId,
          step: name,
          attempt,
          level: r.level,
          message: formatLine(r.message, r.fields),
          time: r.time,
        });
        env.log[r.level](r.message, { step: name, ...r.fields });
      },
    });
    try {
      const t: StepTry = {
        pipeline: pipeline.name,
        step: name,
        runId: run.runId,
        attempt,
        logicalDate: run.logicalDate.getTime(),
        params: run.params,
        inputs,
        root: env.root,
      };
      const runner = env.runner;
      const outputs = await withTimeout(definition, name, leaseSignal, runner, (signal, started) =>
        runner === undefined
          ? runInline(env, pipeline, definition, t, log, signal)
          : runner.runTry(t, stepCodeHash(definition as StepDefinition<never>), {
              log,
              signal,
              started,
            }),
      );
      await store.appendLogs(lines);
      const ok = await store.finishStep(run.runId, name, owner, {
        status: "succeeded",
        outputs,
        cacheKey,
        pipeline: pipeline.name,
        cache: definition.cache !== false,
      });
      if (!ok) return finishedOutcome(await store.step(run.runId, name));
      return { status: "succeeded", outputs };
    } catch (error) {
      const message = describeThrown(error);
      log.error(`try ${attempt} failed: ${message}`);
      await store.appendLogs(lines);
      if (
        leaseSignal.aborted ||
        attempt >= lastTry ||
        (isKeelError(error) && error.code === "KEEL_ERR_STEP_OUTPUT")
      ) {
        const deadLetter = await store.failStep({
          runId: run.runId,
          step: name,
          owner,
          pipeline: pipeline.name,
          error: message,
          attempts: attempt,
          payload: {
            logicalDate: run.logicalDate.toISOString(),
            params: run.params,
            inputs,
            cacheKey,
          },
        });
        return { status: "failed", error: message, deadLetter };
      }
      const retry = attempt - (lastTry - policy.retries - 1);
      const wait = retryDelayMs(retry, policy, `${run.runId}/${name}/${attempt}`);
      await store.recordAttempt(run.runId, name, owner, {
        attempts: attempt,
        status: "retrying",
        error: message,
      });
      env.log.info(`step '${name}' retrying in ${wait} ms`, { step: name, attempt });
      await sleep(wait, leaseSignal);
    }
  }
}

/**
 * What a step's failure says: a KeelError's code and message, an Error's message, or for any
 * other thrown value (`throw { code: 42 }`, `throw undefined`) that it was not an Error and
 * its JSON, so the dead letter never reads "[object Object]".
 *
 * @example
 * ```ts
 * describeThrown({ code: 42 }); // 'the step threw a non-Error value: {"code":42}'
 * ```
 */
export function describeThrown(error: unknown): string {
  if (isKeelError(error)) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  let text: string;
  try {
    text = typeof error === "bigint" ? `${error}n` : (JSON.stringify(error) ?? String(error));
  } catch {
    text = String(error);
  }
  return `the step threw a non-Error value: ${text}`;
}

function formatLine(message: string, fields: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(fields);
  return keys.length === 0 ? message : `${message} ${JSON.stringify(fields)}`;
}

/** One try on this event loop: the step's outputs as canonical JSON text. */
async function runInline(
  env: StepEnvironment,
  pipeline: PipelineDefinition<unknown>,
  definition: StepDefinition<unknown>,
  t: StepTry,
  log: Logger,
  signal: AbortSignal,
): Promise<string> {
  const { ctx, close } = buildStepContext(t, {
    tracking: env.tracking,
    store: env.store,
    log,
    signal,
    ...(pipeline.featureStore === undefined ? {} : { features: pipeline.featureStore }),
  });
  try {
    const value = await definition.run(ctx);
    return canonicalJson(
      value ?? null,
      `step '${t.step}' of pipeline '${t.pipeline}': its outputs`,
    );
  } finally {
    await close();
  }
}

/**
 * Runs one try, failing it with KEEL_ERR_STEP_TIMEOUT `timeoutMs` after the step's code
 * started and aborting its signal. Inline, the code starts at once and the try fails at once
 * (code that ignores the signal may go on running); a runner says when the code started (a
 * thread's start-up and config load are not the step's time), and its try is awaited, since
 * the runner settles it only once the code has stopped.
 */
async function withTimeout<T>(
  definition: StepDefinition<unknown>,
  name: string,
  leaseSignal: AbortSignal,
  runner: StepRunner | undefined,
  work: (signal: AbortSignal, started: () => void) => Promise<T> | T,
): Promise<T> {
  const controller = new AbortController();
  const onLease = () => controller.abort(leaseSignal.reason);
  leaseSignal.addEventListener("abort", onLease, { once: true });
  // Lost (or interrupted) during a retry's wait: this try must not start as if nothing happened.
  if (leaseSignal.aborted) onLease();
  const timeoutMs = definition.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  let rejectExpired: (error: unknown) => void = () => {};
  const expired = new Promise<never>((_, reject) => {
    rejectExpired = reject;
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason), {
      once: true,
    });
  });
  // A runner's try outlives the timer by its grace: nobody may be waiting on `expired` yet.
  expired.catch(() => {});
  const started = () => {
    if (timeoutMs === undefined || timeoutMs <= 0 || timer !== undefined) return;
    timer = setTimeout(() => {
      const error = new KeelError(
        "KEEL_ERR_STEP_TIMEOUT",
        `step '${name}' ran longer than its timeoutMs (${timeoutMs} ms)`,
        { details: { step: name, timeoutMs } },
      );
      controller.abort(error);
      rejectExpired(error);
    }, timeoutMs);
  };
  if (runner === undefined) started();
  try {
    const tried = Promise.resolve().then(() => work(controller.signal, started));
    return await (runner === undefined ? Promise.race([tried, expired]) : tried);
  } finally {
    clearTimeout(timer);
    leaseSignal.removeEventListener("abort", onLease);
  }
}

/**
 * A timer that an abort cuts short.
 *
 * @example
 * ```ts
 * await abortableSleep(1000, signal);
 * ```
 */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
