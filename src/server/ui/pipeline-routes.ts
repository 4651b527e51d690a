import type { FastifyPluginAsync } from "fastify";
import { KeelError } from "../../core/index.js";
import {
  type PipelineDefinition,
  PipelineStore,
  replayDeadLetter,
  type StepState,
} from "../../orchestrate/index.js";
import type { Tracking } from "../../track/index.js";
import { paramsOf, read } from "../mlflow/request.js";

/**
 * The project's pipelines, for the DAG edges and for replaying dead letters (their code runs
 * the replay). Without them the pages still show runs, steps, logs and letters.
 *
 * @example
 * ```ts
 * const project: PipelineProject = { definitions: loaded.pipelines, root: loaded.root };
 * ```
 */
export interface PipelineProject {
  readonly definitions: readonly PipelineDefinition<unknown>[];
  readonly root: string;
}

function stepJson(s: StepState): Record<string, unknown> {
  return {
    step: s.step,
    status: s.status,
    attempts: s.attempts,
    error: s.error,
    started_at: s.startedAt,
    finished_at: s.finishedAt,
    duration_ms: s.startedAt !== null && s.finishedAt !== null ? s.finishedAt - s.startedAt : null,
    cached: s.status === "cached",
  };
}

function idOf(text: string): number {
  const id = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(id))
    throw new KeelError(
      "KEEL_ERR_INVALID_PARAMETER_VALUE",
      `invalid value '${text}' for path parameter 'id' supplied: expected a dead letter's number`,
      { details: { parameter: "id" } },
    );
  return id;
}

/**
 * Pipeline runs and dead letters from the orchestrator's store, for the dashboard, mounted
 * under `/v1`: `GET /v1/pipelines/runs?pipeline=&limit=` (newest first, with step counts),
 * `GET /v1/pipelines/runs/:runId` (steps with states, tries and durations, the DAG's edges
 * when the project's pipelines are loaded, the logs and the run's dead letters),
 * `GET /v1/pipelines/dead-letters?status=open|replayed`, and
 * `POST /v1/pipelines/dead-letters/:id/replay`, which replays a step's letter with the
 * project's pipeline code (as `keel dlq replay`) and answers when the resumed run ends.
 *
 * @example
 * ```ts
 * await app.register(pipelineRoutes, { prefix: "/v1", tracking, project });
 * ```
 */
export const pipelineRoutes: FastifyPluginAsync<{
  tracking: Tracking;
  project?: PipelineProject;
}> = async (app, { tracking, project }) => {
  const store = new PipelineStore(tracking.database);
  const definition = (name: string) => project?.definitions.find((d) => d.name === name);

  app.get("/pipelines/runs", async (request) => {
    const p = paramsOf(request);
    const pipeline = read.optionalString(p, "pipeline");
    const limit = Math.min(1000, Math.max(1, read.optionalInt(p, "limit") ?? 200));
    const runs = await store.listRuns({ ...(pipeline ? { pipeline } : {}), limit });
    const rows = [];
    for (const r of runs) {
      const steps = await store.steps(r.runId);
      const counts: Record<string, number> = {};
      for (const s of steps) counts[s.status] = (counts[s.status] ?? 0) + 1;
      rows.push({
        run_id: r.runId,
        pipeline: r.pipeline,
        logical_date: r.logicalDate.getTime(),
        status: r.status,
        trigger: r.trigger,
        error: r.error,
        created_at: r.createdAt,
        finished_at: r.finishedAt,
        steps: counts,
      });
    }
    return { runs: rows };
  });

  app.get<{ Params: { runId: string } }>("/pipelines/runs/:runId", async (request) => {
    const run = await store.getRun(request.params.runId);
    const def = definition(run.pipeline);
    const steps = await store.steps(run.runId);
    return {
      run: {
        run_id: run.runId,
        pipeline: run.pipeline,
        logical_date: run.logicalDate.getTime(),
        params: run.params,
        status: run.status,
        trigger: run.trigger,
        executor: run.executor,
        error: run.error,
        created_at: run.createdAt,
        finished_at: run.finishedAt,
      },
      steps: steps.map(stepJson),
      // Edges come from the code; a run of a pipeline the server has not loaded has none.
      edges:
        def === undefined
          ? null
          : Object.entries(def.steps).flatMap(([to, s]) =>
              (s.after ?? []).map((from) => ({ from, to })),
            ),
      logs: await store.logs(run.runId),
      dead_letters: (await store.deadLetters({ pipeline: run.pipeline, limit: 1000 }))
        .filter((d) => d.runId === run.runId)
        .map((d) => ({ ...d })),
      can_replay: def !== undefined,
    };
  });

  app.get("/pipelines/dead-letters", async (request) => {
    const status = read.optionalString(paramsOf(request), "status");
    if (status !== undefined && status !== "open" && status !== "replayed")
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAMETER_VALUE",
        `invalid value '${status}' for parameter 'status' supplied: expected open or replayed`,
        { details: { parameter: "status" } },
      );
    return {
      dead_letters: await store.deadLetters({ ...(status ? { status } : {}), limit: 500 }),
      can_replay: (project?.definitions.length ?? 0) > 0,
    };
  });

  app.post<{ Params: { id: string } }>("/pipelines/dead-letters/:id/replay", async (request) => {
    const id = idOf(request.params.id);
    const letter = await store.deadLetter(id);
    const def = definition(letter.pipeline);
    if (def === undefined || project === undefined)
      throw new KeelError(
        "KEEL_ERR_UNSUPPORTED",
        `this server has not loaded pipeline '${letter.pipeline}' (start keel server in its project, or run: keel dlq replay ${id})`,
        { details: { id, pipeline: letter.pipeline } },
      );
    const result = await replayDeadLetter(def, id, {
      store,
      root: project.root,
      tracking,
      trigger: `dashboard:${request.tokenName ?? "http"}`,
    });
    return { run_id: result.run.runId, status: result.run.status };
  });
};
