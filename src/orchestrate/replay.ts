import { KeelError } from "../core/index.js";
import type { PipelineDefinition } from "./define-pipeline.js";
import { type PipelineResult, type RunPipelineOptions, runPipeline } from "./run-pipeline.js";

/**
 * Replays a step's dead letter: marks the run's open step letters replayed and resumes the
 * run, so the failed step runs again (with fresh tries and the pipeline's current code, after
 * a fix) and then everything downstream of it. A record letter (a row a step rejected) is
 * evidence for fixing the data, not a unit of work: replaying one is `KEEL_ERR_UNSUPPORTED`.
 *
 * @example
 * ```ts
 * const { run } = await replayDeadLetter(retrain, 3, { store });
 * ```
 */
export async function replayDeadLetter(
  pipeline: PipelineDefinition<unknown>,
  id: number,
  options: Omit<RunPipelineOptions, "resume" | "logicalDate" | "params">,
): Promise<PipelineResult> {
  const letter = await options.store.deadLetter(id);
  if (letter.kind !== "step")
    throw new KeelError(
      "KEEL_ERR_UNSUPPORTED",
      `dead letter ${id} is a record step '${letter.step}' rejected (${letter.error}); fix the data and run the pipeline again`,
      { details: { id, kind: letter.kind } },
    );
  if (letter.status === "replayed")
    throw new KeelError(
      "KEEL_ERR_INVALID_STATE",
      `dead letter ${id} was already replayed${letter.replayedAt ? ` at ${new Date(letter.replayedAt).toISOString()}` : ""}; a replay that failed again filed a new letter (see 'keel dlq list')`,
      { details: { id, runId: letter.runId, step: letter.step } },
    );
  if (letter.pipeline !== pipeline.name)
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `dead letter ${id} belongs to pipeline '${letter.pipeline}', not '${pipeline.name}'`,
      { details: { id, pipeline: pipeline.name } },
    );
  await options.store.markReplayed(letter.runId, letter.step);
  return runPipeline(pipeline, { ...options, resume: letter.runId });
}
