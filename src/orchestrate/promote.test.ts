import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { categoricalFromValues, Frame, numericColumn, Rng } from "../core/index.js";
import { writeFrame } from "../data/index.js";
import { GbdtClassifier } from "../models/index.js";
import { type MetadataDatabase, openDatabase } from "../store/index.js";
import { saveTrainedModel } from "../track/index.js";
import {
  definePipeline,
  type HoldoutSource,
  PipelineStore,
  promotionStep,
  runPipeline,
  type StepContext,
  step,
} from "./index.js";

/** `y` follows `x` with noise; rows from `offset` on differ from those before. */
function rows(n: number, seed: number): Frame {
  const rng = new Rng(seed);
  const x = new Float64Array(n);
  const y: string[] = [];
  for (let i = 0; i < n; i++) {
    x[i] = rng.normal();
    y.push((x[i] as number) + 0.7 * rng.normal() > 0 ? "yes" : "no");
  }
  return Frame.fromColumns({ x: numericColumn(x), y: categoricalFromValues(y) });
}

/** Trains and registers a challenger from this step's tracked run. */
async function train(ctx: StepContext): Promise<{ modelUri: string }> {
  const frame = rows(300, Number(ctx.params.seed));
  const estimator = new GbdtClassifier({ nEstimators: 10, positiveClass: "yes", seed: 0 });
  const x = frame.drop(["y"]);
  const model = await estimator.fit(x, frame.column("y"));
  const run = await ctx.trackedRun();
  await saveTrainedModel(join(ctx.root, "work", ctx.runId), {
    model,
    x,
    target: "y",
    positive: "yes",
    params: estimator.params,
    run,
  });
  await run.end();
  const version = await ctx.registerModel("m", {
    artifactUri: `runs:/${run.id}/model`,
    runId: run.id,
  });
  return { modelUri: `models:/m/${version.version}` };
}

describe("promotionStep's holdout", () => {
  let root: string;
  let database: MetadataDatabase;
  let store: PipelineStore;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "keel-promote-"));
    mkdirSync(join(root, "work"));
    database = await openDatabase({ root });
    store = new PipelineStore(database);
  });
  afterAll(async () => {
    await database.close();
    rmSync(root, { recursive: true, force: true });
  });

  const pipeline = (name: string, holdout: HoldoutSource) =>
    definePipeline({
      name,
      params: { seed: 1 },
      steps: {
        // Writes this run's holdout and names it in its output, as a training-set step does.
        split: step({
          run: async (ctx) => {
            const file = `work/holdout-${ctx.runId}.csv`;
            await writeFrame(rows(200, 99), join(ctx.root, file));
            return { holdout: file, rows: 200 };
          },
        }),
        train: step({ run: train }),
        promote: promotionStep({
          after: ["split", "train"],
          model: "m",
          holdout,
          nResamples: 50,
        }),
      },
    });

  it("reads the holdout file an upstream step's output names, and a frame a function returns", async () => {
    const first = await runPipeline(pipeline("from-step", { fromStep: "split" }), {
      store,
      root,
    });
    expect(first.run.status).toBe("succeeded");
    const decision = JSON.parse(first.steps.find((s) => s.step === "promote")?.outputs ?? "{}");
    expect(decision.promoted).toBe(true);
    expect(decision.reason).toMatch(/^promoted: no @champion yet/);

    // A function of the step's context: here a frame built in code, compared with @champion.
    const fromFrame = await runPipeline(
      pipeline("from-frame", () => rows(200, 98)),
      {
        store,
        root,
        params: { seed: 2 },
      },
    );
    expect(fromFrame.run.status).toBe("succeeded");
    const second = JSON.parse(fromFrame.steps.find((s) => s.step === "promote")?.outputs ?? "{}");
    expect(second.champion).toBe(1);
    expect(second.reason).toMatch(/rocAuc 0\.\d+ vs champion 0\.\d+/);
  });

  it("keeps the file-path form, and names the problem when the upstream output is not a file", async () => {
    const file = "work/fixed-holdout.csv";
    await writeFrame(rows(200, 97), join(root, file));
    const fixed = await runPipeline(pipeline("from-file", file), { store, root });
    expect(fixed.run.status).toBe("succeeded");
    expect(fixed.steps.find((s) => s.step === "promote")?.outputs).toMatch(/"reason":/);

    const wrongOutput = await runPipeline(
      pipeline("wrong-output", { fromStep: "split", output: "rows" }),
      { store, root },
    );
    expect(wrongOutput.run.status).toBe("failed");
    expect(wrongOutput.steps.find((s) => s.step === "promote")?.error).toMatch(
      /step 'split' output 'rows' must name the holdout file .*Got 200/,
    );
    const notUpstream = await runPipeline(pipeline("not-upstream", { fromStep: "ingest" }), {
      store,
      root,
    });
    expect(notUpstream.steps.find((s) => s.step === "promote")?.error).toMatch(
      /holdout\.fromStep 'ingest' is not an upstream step of this step \(its inputs: split, train\)/,
    );
    const notFrame = await runPipeline(
      pipeline("not-frame", () => undefined),
      { store, root },
    );
    expect(notFrame.steps.find((s) => s.step === "promote")?.error).toMatch(
      /the holdout function must return a Frame of labelled rows/,
    );
  });
});
