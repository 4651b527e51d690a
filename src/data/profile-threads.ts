import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from "node:worker_threads";
import { waitForHelpers } from "../core/index.js";
import { type DistinctWorkspace, type NumericSummary, summarizeNumbers } from "./numeric-stats.js";

/** Below this many cells a helper thread costs more (it takes ~40 ms to start) than it saves. */
const MIN_CELLS = 2_000_000;

interface Helper {
  readonly worker: Worker;
  readonly replies: MessagePort;
}

/** The process's profile helper: undefined before first use, null when unavailable. */
let helper: Helper | null | undefined;

function profileHelper(): Helper | undefined {
  if (helper !== undefined) return helper ?? undefined;
  // Compiled keel ships profile-worker.js next to this file; run from TypeScript sources (as
  // the unit tests are) there is none, and everything runs on the calling thread.
  const url = new URL("./profile-worker.js", import.meta.url);
  if (url.protocol !== "file:" || !existsSync(fileURLToPath(url))) {
    helper = null;
    return undefined;
  }
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(url, { workerData: { replies: port1 }, transferList: [port1] });
  // An idle helper must not keep the process alive.
  worker.unref();
  port2.unref();
  helper = { worker, replies: port2 };
  return helper;
}

function dropHelper(): void {
  if (helper) {
    helper.replies.close();
    void helper.worker.terminate();
  }
  helper = null;
}

/**
 * {@link summarizeNumbers} for each column, two at a time on large frames: a helper thread
 * summarises a copy of one column while this thread does the next, so at most one column's
 * copy is extra memory. A helper that fails or stops answering is dropped and its column redone
 * here: the result never depends on it.
 *
 * @example
 * ```ts
 * const summaries = summarizeNumericColumns([age, income], scratch, workspace);
 * ```
 */
export function summarizeNumericColumns(
  columns: readonly Float64Array[],
  scratch: Float64Array,
  workspace: DistinctWorkspace,
): NumericSummary[] {
  const cells = columns.reduce((sum, c) => sum + c.length, 0);
  const out: NumericSummary[] = [];
  for (let i = 0; i < columns.length; i += 2) {
    const first = columns[i] as Float64Array;
    const second = columns[i + 1];
    const h = second !== undefined && cells >= MIN_CELLS ? profileHelper() : undefined;
    if (h === undefined || second === undefined) {
      out.push(summarizeNumbers(first, scratch, workspace));
      if (second !== undefined) out.push(summarizeNumbers(second, scratch, workspace));
      continue;
    }
    // [pending, progress] for waitForHelpers: the helper counts the one column down.
    const control = new Int32Array(new SharedArrayBuffer(8));
    control[0] = 1;
    const copy = second.slice();
    h.worker.postMessage({ values: copy, control }, [copy.buffer]);
    out.push(summarizeNumbers(first, scratch, workspace));
    const reply = waitForHelpers(control, 0, 1) ? receiveMessageOnPort(h.replies) : undefined;
    const message = reply?.message as { summary?: NumericSummary } | undefined;
    if (message?.summary !== undefined) {
      out.push(message.summary);
    } else {
      dropHelper();
      out.push(summarizeNumbers(second, scratch, workspace));
    }
  }
  return out;
}
