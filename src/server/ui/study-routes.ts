import type { FastifyPluginAsync } from "fastify";
import { isKeelError, KeelError } from "../../core/index.js";
import { type Tracking, TrackingStudyStorage } from "../../track/index.js";
import {
  type FrozenTrial,
  getParamImportances,
  type StudySummary,
  type TrialState,
} from "../../tune/index.js";
import { paramsOf, read } from "../mlflow/request.js";

/** A trial as JSON: snake case like the endpoints next to it; intermediate values as [step, value] pairs. */
function trialJson(t: FrozenTrial): Record<string, unknown> {
  return {
    number: t.number,
    state: t.state,
    value: t.value ?? null,
    values: t.values ?? null,
    params: t.params,
    distributions: t.distributions,
    intermediate_values: [...t.intermediateValues.entries()].sort((a, b) => a[0] - b[0]),
    datetime_start: t.datetimeStart ?? null,
    datetime_complete: t.datetimeComplete ?? null,
  };
}

/** How many trials are in each state, and the best value of a single-objective study. */
function summaryJson(s: StudySummary, trials: readonly FrozenTrial[]): Record<string, unknown> {
  const counts: Partial<Record<TrialState, number>> = {};
  for (const t of trials) counts[t.state] = (counts[t.state] ?? 0) + 1;
  const values = trials.flatMap((t) =>
    t.state === "COMPLETE" && t.value !== undefined ? [t.value] : [],
  );
  const best =
    s.directions.length !== 1 || values.length === 0
      ? null
      : s.direction === "maximize"
        ? Math.max(...values)
        : Math.min(...values);
  return {
    study_id: s.studyId,
    name: s.name,
    direction: s.direction,
    directions: s.directions,
    n_trials: trials.length,
    states: counts,
    best_value: best,
  };
}

/**
 * fANOVA importances of a single-objective study, or why there are none (fewer than two
 * completed trials, no parameter every completed trial shares, several objectives).
 */
function importancesOf(
  s: StudySummary,
  trials: readonly FrozenTrial[],
): { importances: Record<string, number> | null; importance_note: string | null } {
  if (s.directions.length !== 1)
    return { importances: null, importance_note: "a multi-objective study has no single ranking" };
  try {
    // Seeded, so the page shows the same figures on every load.
    return { importances: getParamImportances(trials, { seed: 0 }), importance_note: null };
  } catch (error) {
    if (!isKeelError(error)) throw error;
    return { importances: null, importance_note: error.message };
  }
}

/**
 * The tuning studies kept in the tracking store (every `keel tune --experiment` study and any
 * study on a `TrackingStudyStorage`), for the dashboard, mounted under `/v1`:
 * `GET /v1/studies` lists them with trial counts per state and the best value;
 * `GET /v1/studies/get?name=NAME` returns one study with every trial (params, distributions,
 * state, value, intermediate values) and its parameter importances.
 *
 * @example
 * ```ts
 * await app.register(studyRoutes, { prefix: "/v1", tracking });
 * ```
 */
export const studyRoutes: FastifyPluginAsync<{ tracking: Tracking }> = async (
  app,
  { tracking },
) => {
  const storage = new TrackingStudyStorage(tracking);

  app.get("/studies", async () => {
    const studies = await storage.listStudies();
    const rows = [];
    for (const s of studies.sort((a, b) => a.name.localeCompare(b.name)))
      rows.push(summaryJson(s, await storage.getAllTrials(s.studyId)));
    return { studies: rows };
  });

  app.get("/studies/get", async (request) => {
    const name = read.string(paramsOf(request), "name");
    const study = await storage.getStudy(name);
    if (study === undefined)
      throw new KeelError(
        "KEEL_ERR_STUDY_NOT_FOUND",
        `no study named '${name}' in the tracking store (GET /v1/studies lists them)`,
        { details: { parameter: "name", study: name } },
      );
    const trials = await storage.getAllTrials(study.studyId);
    return {
      study: summaryJson(study, trials),
      trials: trials.map(trialJson),
      ...importancesOf(study, trials),
    };
  });
};
