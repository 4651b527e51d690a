import type { FrameRecord } from "../core/index.js";
import type { PredictionOutput } from "./prediction-output.js";

/**
 * What the main thread asks the shadow worker: load a bundle written to `dir` under an id,
 * or score the records of several requests (`jobs`, each scored on its own) with a loaded bundle.
 *
 * @example
 * ```ts
 * const request: ShadowRequest = { type: "score", id: 4, bundleId: 1, jobs: [[{ tenure: 3 }]] };
 * ```
 */
export type ShadowRequest =
  | { readonly type: "load"; readonly id: number; readonly bundleId: number; readonly dir: string }
  | {
      readonly type: "score";
      readonly id: number;
      readonly bundleId: number;
      readonly jobs: readonly (readonly FrameRecord[])[];
    };

/**
 * What the shadow worker answers: it is ready, a bundle loaded, each job's outputs (or why it
 * has none), or a request failed (with the message).
 *
 * @example
 * ```ts
 * const reply: ShadowReply = { type: "scored", id: 4, results: [[{ prediction: 0.71 }]] };
 * ```
 */
export type ShadowReply =
  | { readonly type: "ready" }
  | { readonly type: "loaded"; readonly id: number }
  | {
      readonly type: "scored";
      readonly id: number;
      readonly results: (PredictionOutput[] | { readonly error: string })[];
    }
  | { readonly type: "failed"; readonly id: number; readonly message: string };
