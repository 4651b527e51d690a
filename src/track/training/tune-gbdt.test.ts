import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { categoricalFromValues, Frame, isKeelError, numericColumn, Rng } from "../../core/index.js";
import { loadModel } from "../../models/index.js";
import { profileFromState } from "../../monitor/index.js";
import { createStudy } from "../../tune/index.js";
import { TrackingStudyStorage } from "../study-storage.js";
import { openTracking, type Tracking } from "../tracking.js";
import { saveTrainedModel } from "./save-trained-model.js";
import { tuneGbdt } from "./tune-gbdt.js";

/** 300 rows: `churn` depends on `tenure` and `plan`; `noise` is noise. */
function churnFrame(nRows = 300, seed = 3): Frame {
  const rng = new Rng(seed);
  const tenure = new Float64Array(nRows);
  const noise = new Float64Array(nRows);
  const plan: string[] = [];
  const churn: string[] = [];
  for (let i = 0; i < nRows; i++) {
    tenure[i] = rng.next() * 48;
    noise[i] = rng.normal();
    plan.push(["basic", "plus", "pro"][i % 3] as string);
    const risk = 2 - (tenure[i] as number) / 12 + (plan[i] === "basic" ? 1 : -0.5);
    churn.push(risk + rng.normal() > 0 ? "yes" : "no");
  }
  return Frame.fromColumns({
    tenure: numericColumn(tenure),
    noise: numericColumn(noise),
    plan: categoricalFromValues(plan),
    churn: categoricalFromValues(churn),
  });
}

const space = { nEstimators: 10, maxDepth: { low: 2, high: 4 } } as const;

describe("tuneGbdt and saveTrainedModel", () => {
  let root: string;
  let tracking: Tracking;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "keel-tune-gbdt-"));
    tracking = await openTracking({ root });
  });
  afterAll(async () => {
    await tracking.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("tunes with CV, refits the best params on all rows, and nests every trial under the caller's run", async () => {
    const frame = churnFrame();
    const run = await tracking.startRun({ experiment: "churn", runName: "train-weekly.tune" });
    const options = {
      target: "churn",
      positive: "yes",
      nTrials: 4,
      cv: 3,
      seed: 1,
      space,
      tracking: { tracking, run },
    };
    const tuned = await tuneGbdt(frame, options);
    expect(tuned.task).toBe("binary");
    expect(tuned.metricKey).toBe("rocAuc");
    expect(tuned.bestValue).toBeGreaterThan(0.7);
    expect(tuned.trials.COMPLETE + tuned.trials.PRUNED + tuned.trials.FAIL).toBe(4);
    expect(tuned.bestParams.nEstimators).toBe(10);
    expect(tuned.params).toMatchObject({ positiveClass: "yes", seed: 1, nEstimators: 10 });
    expect(tuned.model.classes).toEqual(["no", "yes"]);

    // One tree: the trials are the run's nested runs (MLflow's mlflow.parentRunId), and the
    // study (the run itself) is what the dashboard's tuning page lists.
    const experiment = await tracking.experiments.getByName("churn");
    const runs = (await tracking.runs.search({ experimentIds: [experiment?.experimentId ?? ""] }))
      .items;
    const trials = runs.filter((r) => r.info.runId !== run.id);
    expect(trials).toHaveLength(4);
    for (const t of trials) {
      expect(t.info.parentRunId).toBe(run.id);
      expect(t.data.tags.find((tag) => tag.key === "mlflow.parentRunId")?.value).toBe(run.id);
    }
    const studies = await new TrackingStudyStorage(tracking).listStudies();
    expect(studies.map((s) => s.studyId)).toContain(run.id);

    // A retried step with the same run continues its study: all 4 trials are done, none is added.
    const again = await tuneGbdt(frame, options);
    expect(again.study.trials).toHaveLength(4);
    expect(again.bestValue).toBe(tuned.bestValue);

    const out = join(root, "model");
    const holdout = churnFrame(120, 9);
    await saveTrainedModel(out, {
      model: tuned.model,
      x: frame.drop(["churn"]),
      target: "churn",
      positive: "yes",
      params: tuned.params,
      metrics: { "cv.rocAuc": tuned.bestValue },
      reference: holdout,
      run,
      trainedOn: "churn frame",
    });
    await run.end();
    const bundle = await loadModel(out);
    expect(bundle.lineage.runId).toBe(run.id);
    expect(bundle.lineage.rows?.rows).toBe(300);
    expect(bundle.metrics["cv.rocAuc"]).toBe(tuned.bestValue);
    expect(bundle.inputSignature.columns.map((c) => c.name)).toEqual(["tenure", "noise", "plan"]);
    // The monitoring reference is the holdout's features plus the model's scores on them.
    const profile = profileFromState(bundle.referenceProfile, out);
    expect(profile.rows).toBe(120);
    expect(Object.keys(profile.columns).sort()).toEqual(["noise", "plan", "prediction", "tenure"]);
    const logged = await tracking.runs.get(run.id);
    expect(logged.data.metrics.find((m) => m.key === "cv.rocAuc")?.value).toBe(tuned.bestValue);
    expect(logged.data.params.find((p) => p.key === "maxDepth")?.value).toBe(
      String(tuned.params.maxDepth),
    );
    expect((await tracking.artifacts.list(run.id)).map((a) => a.path)).toContain("model");
  });

  it("refuses a missing target, bad counts, and a second study on one run, each naming the problem", async () => {
    const frame = churnFrame(60);
    const missing = await tuneGbdt(frame, { target: "churned" }).catch((e: unknown) => e);
    expect(isKeelError(missing) && missing.code).toBe("KEEL_ERR_TARGET_INVALID");
    expect((missing as Error).message).toMatch(/column 'churned'.*Did you mean 'churn'/);
    const badCv = await tuneGbdt(frame, { target: "churn", cv: 1 }).catch((e: unknown) => e);
    expect((badCv as Error).message).toMatch(/cv must be an integer >= 2\. Got 1/);

    const run = await tracking.startRun({ experiment: "twice" });
    const storage = new TrackingStudyStorage(tracking, { studyRunId: run.id });
    await createStudy({ name: "first", direction: "maximize", storage });
    const second = await createStudy({ name: "second", direction: "maximize", storage }).catch(
      (e: unknown) => e,
    );
    expect(isKeelError(second) && second.code).toBe("KEEL_ERR_ALREADY_EXISTS");
    expect((second as Error).message).toMatch(/already holds study 'first'/);
    await run.end();
  });

  it("without tracking keeps the study in memory", async () => {
    const tuned = await tuneGbdt(churnFrame(), { target: "churn", nTrials: 2, cv: 2, space });
    expect(tuned.study.trials).toHaveLength(2);
    expect(tuned.task).toBe("binary");
    // A space of distributions works as well as the JSON form; a typo is refused.
    const typo = await tuneGbdt(churnFrame(60), {
      target: "churn",
      space: { maxDepht: { low: 2, high: 4 } },
    }).catch((e: unknown) => e);
    expect((typo as Error).message).toMatch(/no parameter 'maxDepht'\. Did you mean 'maxDepth'/);
  });
});
