import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EstimatorState } from "../core/index.js";
import { loadFittedGbdt, loadModel, type ModelBundle, saveModel } from "../models/index.js";
import {
  createPredictionLog,
  type LoggedPrediction,
  openServingStore,
  ServingRuntime,
} from "./index.js";
import { ShadowScorer } from "./shadow-scorer.js";
import { type ServingFixture, servingFixture } from "./testing/index.js";

/**
 * The bundle's model with its first tree's root linked back to itself: every way of scoring it
 * (the record path, the batch path, compiling the forest) loops forever. Written as a shadow
 * before the fix, it held the event loop on the first mirrored request, for good.
 */
async function writeHangingBundle(bundle: ModelBundle, dir: string): Promise<void> {
  const state = bundle.model.toState();
  const inner = state.state as Record<string, unknown>;
  const ensemble = inner.ensemble as Record<string, unknown>;
  const roots = ensemble.roots as Int32Array;
  const left = Int32Array.from(ensemble.left as Int32Array);
  left[roots[0]!] = roots[0]!;
  const looped: EstimatorState = {
    ...state,
    state: { ...inner, ensemble: { ...ensemble, left } },
  };
  await saveModel(dir, {
    model: loadFittedGbdt(looped),
    ...(bundle.preprocessor ? { preprocessor: bundle.preprocessor } : {}),
    inputSignature: bundle.inputSignature,
    ...(bundle.positiveClass !== undefined ? { positiveClass: bundle.positiveClass } : {}),
    lineage: bundle.lineage,
  });
}

describe("a shadow whose scoring never returns", () => {
  let fixture: ServingFixture;
  let bundle: ModelBundle;

  beforeAll(async () => {
    fixture = await servingFixture();
    bundle = await loadModel(join(fixture.project, fixture.bundles[0]));
    await writeHangingBundle(bundle, join(fixture.project, "models/hangs"));
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
    // The shadow's 1 s of looping never showed on this thread: a gap under its 1 s limit
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
