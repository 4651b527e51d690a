/**
 * A shadow thread for the isolation tests: keel's own shadow worker, except that scoring with a
 * bundle whose lineage says {@link BLOCKING_SHADOW} blocks this thread for good, as a shadow
 * model stuck in a loop would (a valid bundle cannot: a malformed one is refused at load).
 * Handed to `ShadowScorer` as its `workerModule`; the main thread must notice, stop waiting
 * and replace the thread, while every other shadow still scores.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parentPort } from "node:worker_threads";
import { BUNDLE_JSON } from "../../models/index.js";
import type { ShadowRequest } from "../shadow-protocol.js";
import { BLOCKING_SHADOW } from "./blocking-shadow.js";

const blocking = new Set<number>();
// Registered before keel's worker registers its own, so a blocked job never reaches it.
parentPort?.on("message", (message: ShadowRequest) => {
  if (message.type === "load") {
    const manifest = JSON.parse(readFileSync(join(message.dir, BUNDLE_JSON), "utf8")) as {
      lineage?: { trainedOn?: string };
    };
    if (manifest.lineage?.trainedOn === BLOCKING_SHADOW) blocking.add(message.bundleId);
  } else if (blocking.has(message.bundleId)) {
    // Waits on a value nothing ever changes: the thread is stuck until it is terminated.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
});
await import("../shadow-worker.js");
