/**
 * The worker-thread side of {@link ShadowScorer}: loads shadow bundles the main thread wrote
 * out, and scores the rows it is handed, one job at a time. It runs in its own thread so that
 * a shadow model that is slow, or never returns (a custom model type stuck in a loop; keel's
 * own bundles with a cyclic tree are refused at load), costs the main thread nothing: the main thread only stops waiting, and
 * terminates this thread when a job runs past its time limit.
 *
 * @module
 */
import { parentPort } from "node:worker_threads";
import type { FrameRecord } from "../core/index.js";
import { loadModel, type ModelBundle } from "../models/index.js";
import {
  BATCH_PATH_ROWS,
  type PredictionOutput,
  predictionOutput,
  predictionOutputs,
} from "./prediction-output.js";
import { conformRows } from "./request-formats.js";
import type { ShadowReply, ShadowRequest } from "./shadow-protocol.js";

const port = parentPort;
if (port === null) throw new Error("shadow-worker.js must run in a worker thread");

/** Bundles held at once: the oldest goes when a newer version of some shadow arrives. */
const MAX_BUNDLES = 8;
const bundles = new Map<number, ModelBundle>();

function reply(message: ShadowReply): void {
  port?.postMessage(message);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One request's rows: their outputs, or why there are none (other requests still score). */
function scoreJob(
  bundle: ModelBundle,
  records: readonly FrameRecord[],
): PredictionOutput[] | { error: string } {
  try {
    // The rows passed the primary's signature; a shadow may expect other columns or kinds.
    const conformed = conformRows(bundle.inputSignature, {
      format: "records",
      rows: records,
      source: "json",
      paths: (i) => ({ record: `$[${i}]`, field: (f) => `$[${i}].${f}` }),
    });
    // Many rows go through the batch record path (the model's resident forest), as on the
    // primary; the numbers are the same either way.
    if (conformed.length < BATCH_PATH_ROWS)
      return conformed.map((r) => predictionOutput(bundle, r));
    const out = new Array<PredictionOutput>(conformed.length);
    predictionOutputs(bundle, conformed, 0, conformed.length, out);
    return out;
  } catch (error) {
    return { error: describe(error) };
  }
}

function score(id: number, bundleId: number, jobs: readonly (readonly FrameRecord[])[]): void {
  const bundle = bundles.get(bundleId);
  if (bundle === undefined) {
    reply({ type: "failed", id, message: `shadow bundle ${bundleId} is not loaded` });
    return;
  }
  reply({ type: "scored", id, results: jobs.map((records) => scoreJob(bundle, records)) });
}

port.on("message", (message: ShadowRequest) => {
  if (message.type === "score") {
    score(message.id, message.bundleId, message.jobs);
    return;
  }
  loadModel(message.dir).then(
    (bundle) => {
      bundles.set(message.bundleId, bundle);
      for (const old of bundles.keys()) {
        if (bundles.size <= MAX_BUNDLES) break;
        bundles.delete(old);
      }
      reply({ type: "loaded", id: message.id });
    },
    (error: unknown) => reply({ type: "failed", id: message.id, message: describe(error) }),
  );
});
reply({ type: "ready" });
