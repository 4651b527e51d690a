import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FittedGbdt, loadModel, type ModelBundle, saveModel } from "../models/index.js";
import {
  createPredictionLog,
  type LoggedPrediction,
  openServingStore,
  ServingRuntime,
} from "./index.js";
import { ShadowScorer } from "./shadow-scorer.js";
import {
  BLOCKING_SHADOW,
  BLOCKING_SHADOW_WORKER,
  type ServingFixture,
  servingFixture,
} from "./testing/index.js";

/**
 * The bundle as it is, marked so that the test shadow thread ({@link BLOCKING_SHADOW_WORKER})
 * blocks for good when it scores with it: a shadow whose scoring never returns. (A cyclic tree
 * did this once; such bundles are now refused at load.)
 */
async function writeBlockingBundle(bundle: ModelBundle, dir: string): Promise<void> {
  await saveModel(dir, {
    model: bundle.model,
    ...(bundle.preprocessor ? { preprocessor: bundle.preprocessor } : {}),
    inputSignature: bundle.inputSignature,
    ...(bundle.positiveClass !== undefined ? { positiveClass: bundle.positiveClass } : {}),
    lineage: { ...bundle.lineage, trainedOn: BLOCKING_SHADOW },
  });
}

describe("a shadow whose scoring never returns", () => {
  let fixture: ServingFixture;
  let bundle: ModelBundle;

  beforeAll(async () => {
    fixture = await servingFixture();
    bundle = await loadModel(join(fixture.project, fixture.bundles[0]));
    await writeBlockingBundle(bundle, join(fixture.project, "models/hangs"));
  }, 120_000);
  afterAll(() => fixture?.close());

  it("never delays a primary answer or the event loop; its entries say it timed out", async () => {
    const store = openServingStore(fixture.tracking.database);
    const log = createPredictionLog(store, { flushIntervalMs: 20 });
    const reported: string[] = [];
    const runtime = await ServingRuntime.open({
      tracking: fixture.tracking,
      cwd: fixture.project,
      deployments: [
        {
          name: "mirrored",
          variants: [{ name: "main", model: "models:/churn/1", weight: 1 }],
          shadow: [
            { name: "hangs", model: "models/hangs" },
            { name: "twin", model: "models:/churn/1" },
          ],
        },
      ],
      log,
      shadowTimeoutMs: 1_000,
      shadows: { workerModule: BLOCKING_SHADOW_WORKER },
      onBackgroundError: (what, error) => reported.push(`${what}: ${String(error)}`),
    });
    // Shadows load in the background; until then their entries say "not loaded".
    while (runtime.modelVersion("models/hangs") === undefined)
      await new Promise((resolve) => setTimeout(resolve, 10));
    // The longest the event loop went without running a 5 ms timer while the shadows worked.
    let last = performance.now();
    let longestGap = 0;
    const probe = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 5);
    const expected = bundle.predictProba(fixture.x.slice(0, 60));
    const requestIds: string[] = [];
    const answeredAt: number[] = [];
    try {
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 20; i++) {
          const row = round * 20 + i;
          const started = performance.now();
          const result = await runtime.predict("mirrored", {
            format: "records",
            rows: [fixture.records[row]],
            source: "json",
            paths: (r) => ({ record: `$.records[${r}]`, field: (f) => `$.records[${r}].${f}` }),
          });
          expect(performance.now() - started).toBeLessThan(900);
          expect(result.predictions[0]!.prediction).toBe(expected[2 * row + 1]);
          requestIds.push(result.requestId);
          answeredAt.push(Date.now());
        }
        // Later rounds arrive while the hung job runs, and after its thread was replaced.
        await new Promise((resolve) => setTimeout(resolve, 700));
      }
      await runtime.settle();
    } finally {
      clearInterval(probe);
      await runtime.close();
    }
    // The shadow's 1 s of blocking never showed on this thread: a gap under its 1 s limit
    // (a loaded machine pauses a thread for a few hundred ms at most).
    expect(longestGap).toBeLessThan(900);
    const logged = new Map<string, LoggedPrediction>(
      (await store.readPredictions({ deployment: "mirrored" })).map((p) => [p.requestId, p]),
    );
    expect(logged.size).toBe(60);
    const shadowOf = (id: string) =>
      (logged.get(id)?.shadow ?? {}) as {
        hangs?: { error?: string };
        twin?: { prediction?: number };
      };
    const hangs = requestIds.map((id) => shadowOf(id).hangs ?? {});
    for (const h of hangs) expect(h.error).toMatch(/ran past its 1000 ms limit|skipped/);
    expect(hangs.filter((h) => /^the shadow ran past/.test(h.error ?? "")).length).toBeGreaterThan(
      0,
    );
    // Each entry is stamped when its answer went out, not when the shadows were done with it
    // (a second later for those queued behind the hung job).
    requestIds.forEach((id, i) => {
      expect(logged.get(id)?.time).toBeLessThanOrEqual(answeredAt[i]!);
    });
    // Reported once per distinct failure, not once per request.
    expect(reported.length).toBeGreaterThan(0);
    expect(reported.length).toBeLessThanOrEqual(3);
    // The healthy shadow behind it still scored every request, with the primary's numbers.
    requestIds.forEach((id, row) => {
      expect(shadowOf(id).twin?.prediction).toBe(expected[2 * row + 1]);
    });
  }, 180_000);

  it("refuses a bundle with a cyclic tree at load, as a primary or as a shadow", async () => {
    const gbdt = bundle.model as FittedGbdt;
    const e = gbdt.ensemble;
    const left = e.left.slice();
    left[e.roots[0]!] = e.roots[0]!;
    const cyclic = new FittedGbdt({ ...gbdt, ensemble: { ...e, left } });
    const dir = join(fixture.project, "models/cyclic");
    await saveModel(dir, {
      model: cyclic,
      ...(bundle.preprocessor ? { preprocessor: bundle.preprocessor } : {}),
      inputSignature: bundle.inputSignature,
      lineage: bundle.lineage,
    });
    const refusal = new RegExp(
      `models/cyclic/keel-model\\.json: \\$\\.model: \\$\\.state\\.ensemble tree 0, node ${e.roots[0]}: its left child ${e.roots[0]} was already reached \\(a cycle`,
    );
    const asPrimary = ServingRuntime.open({
      tracking: fixture.tracking,
      cwd: fixture.project,
      deployments: [{ name: "d", variants: [{ name: "main", model: "models/cyclic", weight: 1 }] }],
    });
    await expect(asPrimary).rejects.toThrow(refusal);
    // It keeps the loader's code: the bundle is there, just malformed (not "not found").
    await expect(asPrimary).rejects.toMatchObject({ code: "KEEL_ERR_BUNDLE_INVALID" });
    const reported: string[] = [];
    const runtime = await ServingRuntime.open({
      tracking: fixture.tracking,
      cwd: fixture.project,
      deployments: [
        {
          name: "d",
          variants: [{ name: "main", model: "models:/churn/1", weight: 1 }],
          shadow: [{ name: "cyclic", model: "models/cyclic" }],
        },
      ],
      onBackgroundError: (what, error) => reported.push(`${what}: ${String(error)}`),
    });
    try {
      while (reported.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(reported[0]).toMatch(refusal);
      const result = await runtime.predict("d", {
        format: "records",
        rows: [fixture.records[0]],
        source: "json",
        paths: (r) => ({ record: `$.records[${r}]`, field: (f) => `$.records[${r}].${f}` }),
      });
      expect(result.predictions[0]!.prediction).toBe(bundle.predictProba(fixture.x.slice(0, 1))[1]);
    } finally {
      await runtime.close();
    }
  }, 120_000);

  it("scores a shadow's many-row copy through the batch path with the primary's numbers", async () => {
    const shadows = new ShadowScorer();
    try {
      const rows = fixture.x.slice(0, 700);
      const result = await shadows.score(bundle, rows.toRecords());
      const expected = bundle.predictProba(rows);
      expect(Array.isArray(result)).toBe(true);
      const outputs = result as readonly { prediction: number | string }[];
      expect(outputs.map((o) => o.prediction)).toEqual(
        Array.from({ length: 700 }, (_, i) => expected[2 * i + 1]),
      );
    } finally {
      await shadows.close();
    }
  }, 120_000);

  it("skips, saying why, a copy bigger than the shadow queue or arriving when it is full", async () => {
    const shadows = new ShadowScorer({ maxQueuedRows: 5 });
    try {
      const rows = fixture.x.slice(0, 6).toRecords();
      expect(await shadows.score(bundle, rows)).toEqual({
        error: "skipped: the request's 6 rows are more than a shadow takes at once (5)",
      });
      // The first 4 rows queue (the thread is starting); 2 more do not fit beside them.
      const first = shadows.score(bundle, rows.slice(0, 4));
      expect(await shadows.score(bundle, rows.slice(0, 2))).toEqual({
        error: "skipped: the shadow thread is behind (4 rows waiting, at most 5)",
      });
      expect(await first).toHaveLength(4);
    } finally {
      await shadows.close();
    }
  }, 120_000);
});
