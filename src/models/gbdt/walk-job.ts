import type { ForestPointers } from "./forest-kernel.js";
import type { GbdtKernelExports } from "./kernel-memory.js";
import type { RankedPointers } from "./ranked-kernel.js";

/**
 * One batch's forest walk as the prediction threads share it: which kernel, where its forest,
 * inputs and margins lie in the batch memory. Plain data, so it can be posted to a helper.
 *
 * @example
 * ```ts
 * const job: WalkJob = { kind: "ranked", at, nTrees: at.nTrees, out: out.byteOffset };
 * ```
 */
export type WalkJob =
  | {
      /** The padded f64 walk (forestMargins) over a row-major input matrix at `x`. */
      readonly kind: "padded";
      readonly at: ForestPointers;
      readonly x: number;
      readonly nTrees: number;
      readonly out: number;
    }
  | {
      /** The ranked byte walk (rankedForestMargins), reading columns through `at.inputs`. */
      readonly kind: "ranked";
      readonly at: RankedPointers;
      readonly nTrees: number;
      readonly out: number;
    };

/**
 * Walks rows `[begin, end)` of a batch on the calling thread, thread `thread` of the batch (its
 * scratch area in the ranked walk). Self-contained: helper threads run its source text.
 *
 * @example
 * ```ts
 * runWalk(memory.kernels, job, 0, 2048, 0);
 * ```
 */
export function runWalk(
  kernels: GbdtKernelExports,
  job: WalkJob,
  begin: number,
  end: number,
  thread: number,
): void {
  if (job.kind === "padded") {
    const at = job.at;
    kernels.forestMargins(
      job.x,
      begin,
      end,
      at.nFeatures,
      at.nOutputs,
      job.nTrees,
      at.depth,
      at.nodes,
      at.catBits,
      at.leaf,
      at.treeOutput,
      job.out,
      at.mode,
    );
    return;
  }
  const at = job.at;
  kernels.rankedForestMargins(
    at.inputs,
    at.nInputs,
    begin,
    end,
    at.nOutputs,
    job.nTrees,
    at.depth,
    at.nodes,
    at.masks,
    at.leaf,
    at.treeOutput,
    job.out,
    at.mode,
    at.scratch + thread * at.scratchBytes,
    at.blockRows,
  );
}
