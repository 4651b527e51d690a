import type { Logger } from "../core/index.js";
import type { StepTry } from "./build-step-context.js";
import type { StepDefinition } from "./define-pipeline.js";
import { sha256 } from "./hashing.js";

/**
 * Where a step's code runs. Without one, `runPipeline` runs steps on the caller's event loop
 * (inline); {@link ThreadRunner} runs each try in a worker thread, so that a CPU-heavy step
 * does not stall the scheduler, the HTTP server or the lease heartbeats, and so that a timeout
 * or an interrupt really stops code that ignores `ctx.signal`.
 *
 * @example
 * ```ts
 * const outputs = await runner.runTry(stepTry, stepCodeHash(definition), { log, signal, started: () => {} }); // canonical JSON text
 * ```
 */
export interface StepRunner {
  /** "threads", or another name for a custom runner; shown in messages. */
  readonly kind: string;
  /**
   * Runs one try and resolves with its outputs as canonical JSON text. Calls `started` when the
   * step's code starts (the try's timeout counts from then). Rejects with the step's error (a
   * `KeelError` keeps its code); once `signal` aborts, rejects with its reason only after the
   * step's code has stopped, so a retry never overlaps the try it replaces.
   */
  runTry(t: StepTry, codeHash: string, around: TryHooks): Promise<string>;
  /** Stops the runner's threads. */
  close(): Promise<void>;
}

/**
 * What a runner reports a try's life to: its log lines, the abort that stops it, its start.
 *
 * @example
 * ```ts
 * const hooks: TryHooks = { log, signal: controller.signal, started: () => startTimer() };
 * ```
 */
export interface TryHooks {
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly started: () => void;
}

/**
 * The hash of a step's code as the runner sees it (the text of `run` and `version`): a worker
 * thread that loaded a different `keel.config.ts` than the run refuses to run the step.
 *
 * @example
 * ```ts
 * stepCodeHash(step({ run: () => 1 })) === stepCodeHash(step({ run: () => 1 })); // true
 * ```
 */
export function stepCodeHash(definition: Pick<StepDefinition<never>, "run" | "version">): string {
  return sha256(`${definition.run.toString()}\u0000${definition.version ?? ""}`);
}
