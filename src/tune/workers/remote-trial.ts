import type { MessagePort } from "node:worker_threads";
import { KeelError } from "../../core/index.js";
import type { CategoricalChoice, NumericSuggestOptions } from "../distributions.js";
import type { JsonValue } from "../frozen-trial.js";

/** How a worker reaches the main thread: its port and the buffer answers come back in. */
export interface WorkerChannel {
  readonly port: MessagePort | { postMessage(message: unknown): void };
  /** Int32 [0]: 0 = waiting, 1 = answered; Int32 [1]: answer length; bytes from 8: JSON. */
  readonly shared: SharedArrayBuffer;
}

/** Bytes reserved for one answer (a suggested value or a prune decision). */
export const ANSWER_BYTES = 64 * 1024;

/**
 * The trial an objective running in a worker thread receives: the same define-by-run surface
 * as {@link Trial}, with `suggest*` and `shouldPrune` answered by the main thread.
 *
 * @example
 * ```ts
 * // objective.mjs, run with study.optimize({ module: new URL("./objective.mjs", import.meta.url) }, { nJobs: 2 })
 * export function objective(trial) { return (trial.suggestFloat("x", -1, 1) - 0.3) ** 2; }
 * ```
 */
export class RemoteTrial {
  readonly number: number;
  readonly #channel: WorkerChannel;
  readonly #flag: Int32Array;

  constructor(number: number, channel: WorkerChannel) {
    this.number = number;
    this.#channel = channel;
    this.#flag = new Int32Array(channel.shared, 0, 2);
  }

  suggestFloat(
    name: string,
    low: number,
    high: number,
    options: NumericSuggestOptions = {},
  ): number {
    return this.#call("suggestFloat", [name, low, high, options]) as number;
  }

  suggestInt(name: string, low: number, high: number, options: NumericSuggestOptions = {}): number {
    return this.#call("suggestInt", [name, low, high, options]) as number;
  }

  suggestCategorical<const T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
    return this.#call("suggestCategorical", [name, choices]) as T;
  }

  shouldPrune(): boolean {
    return this.#call("shouldPrune", []) as boolean;
  }

  /** Sent without waiting: messages arrive in order, so a later `shouldPrune` sees it. */
  report(value: number, step: number): void {
    this.#channel.port.postMessage({
      type: "call",
      trialNumber: this.number,
      method: "report",
      args: [value, step],
      wait: false,
    });
  }

  setUserAttr(key: string, value: JsonValue): void {
    this.#channel.port.postMessage({
      type: "call",
      trialNumber: this.number,
      method: "setUserAttr",
      args: [key, value],
      wait: false,
    });
  }

  #call(method: string, args: unknown[]): unknown {
    Atomics.store(this.#flag, 0, 0);
    this.#channel.port.postMessage({
      type: "call",
      trialNumber: this.number,
      method,
      args,
      wait: true,
    });
    // Block this worker until the main thread answers; the main thread itself never blocks.
    Atomics.wait(this.#flag, 0, 0);
    const length = Atomics.load(this.#flag, 1);
    const text = new TextDecoder().decode(new Uint8Array(this.#channel.shared, 8, length).slice());
    const answer = JSON.parse(text) as
      | { ok: true; value: unknown }
      | { ok: false; code: string; message: string };
    if (!answer.ok) {
      throw new KeelError(answer.code as "KEEL_ERR_SEARCH_SPACE", answer.message);
    }
    return answer.value;
  }
}

/**
 * Writes an answer into a worker's shared buffer and wakes it (main-thread side).
 *
 * @example
 * ```ts
 * answer(shared, { ok: true, value: 0.42 });
 * ```
 */
export function answer(shared: SharedArrayBuffer, payload: unknown): void {
  const bytes = new TextEncoder().encode(JSON.stringify(payload));
  if (bytes.length > ANSWER_BYTES - 8) {
    throw new KeelError(
      "KEEL_ERR_INTERNAL",
      `A worker answer of ${bytes.length} bytes does not fit the shared buffer.`,
    );
  }
  new Uint8Array(shared, 8, bytes.length).set(bytes);
  const flag = new Int32Array(shared, 0, 2);
  Atomics.store(flag, 1, bytes.length);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
