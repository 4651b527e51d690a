/**
 * The helper thread of {@link summarizeNumericColumns}: summarises each column it is sent with
 * its own scratch buffers, posts the summary back and counts the shared word the caller waits on
 * down (the caller is blocked, so it reads the reply with `receiveMessageOnPort`).
 *
 * @module
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { BUCKET_TABLE_SIZE, type DistinctWorkspace, summarizeNumbers } from "./numeric-stats.js";

interface Job {
  readonly values: Float64Array;
  /** [pending, progress] of `waitForHelpers`: counted down when the column is done. */
  readonly control: Int32Array;
}

const replies = (workerData as { replies: MessagePort }).replies;
let scratch = new Float64Array(0);
let workspace: DistinctWorkspace = {
  partition: new Float64Array(0),
  table: new Float64Array(BUCKET_TABLE_SIZE),
};

parentPort?.on("message", ({ values, control }: Job) => {
  try {
    if (scratch.length < values.length) {
      scratch = new Float64Array(values.length);
      workspace = { partition: new Float64Array(values.length), table: workspace.table };
    }
    replies.postMessage({ summary: summarizeNumbers(values, scratch, workspace) });
  } catch (error) {
    replies.postMessage({ error: error instanceof Error ? error.message : String(error) });
  } finally {
    Atomics.store(control, 0, 0);
    Atomics.notify(control, 0);
  }
});
