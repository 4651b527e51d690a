import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../store/index.js";
import {
  createStudy,
  loadStudy,
  type StorageFixture,
  studyStorageSuite,
  TpeSampler,
} from "../tune/index.js";
import { TrackingStudyStorage } from "./study-storage.js";
import { type OpenTrackingOptions, openTracking } from "./tracking.js";

const pgUrl = process.env.KEEL_TEST_PG_URL;
if (pgUrl === undefined) {
  console.warn(
    "KEEL_TEST_PG_URL is not set: skipping the PostgreSQL half of studyStorageSuite on the tracking store",
  );
}
const tempRoot = mkdtempSync(join(tmpdir(), "keel-study-storage-"));
const schema = `keel_study_${process.pid}_${Date.now() % 1e8}`;
afterAll(async () => {
  rmSync(tempRoot, { recursive: true, force: true });
  if (pgUrl === undefined) return;
  const admin = await openDatabase({ dbUrl: pgUrl });
  await admin.db.schema.dropSchema(schema).ifExists().cascade().execute();
  await admin.close();
});

function fixtureFor(options: OpenTrackingOptions): () => Promise<StorageFixture> {
  return async () => {
    const tracking = await openTracking(options);
    const others: { close(): Promise<void> }[] = [];
    return {
      storage: new TrackingStudyStorage(tracking, { experiment: "studies" }),
      openAnother: async () => {
        const other = await openTracking(options);
        others.push(other);
        return new TrackingStudyStorage(other, { experiment: "studies" });
      },
      async dispose() {
        for (const o of others) await o.close();
        await tracking.close();
      },
    };
  };
}

const backends: [string, (() => Promise<StorageFixture>) | undefined][] = [
  ["SQLite", fixtureFor({ root: join(tempRoot, "sqlite") })],
  [
    "PostgreSQL",
    pgUrl === undefined
      ? undefined
      : fixtureFor({ root: join(tempRoot, "pg"), dbUrl: pgUrl, pgSchema: schema }),
  ],
];

for (const [name, open] of backends) {
  describe.skipIf(open === undefined)(`studyStorageSuite on the tracking store (${name})`, () => {
    for (const check of studyStorageSuite()) {
      it(check.name, async () => {
        const fixture = await (open as () => Promise<StorageFixture>)();
        try {
          await check.run(fixture);
        } finally {
          await fixture.dispose();
        }
      });
    }

    it("records a study as a run and each trial as a nested run, and resumes it", async () => {
      const fixture = await (open as () => Promise<StorageFixture>)();
      try {
        const study = await createStudy({
          name: `nested-${Date.now()}`,
          direction: "minimize",
          storage: fixture.storage,
          sampler: new TpeSampler({ seed: 1, nStartupTrials: 3 }),
        });
        await study.optimize((t) => (t.suggestFloat("x", -2, 2) - 1) ** 2, { nTrials: 6 });
        const again = await loadStudy({ name: study.name, storage: fixture.storage });
        expect(again.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5]);
        expect(again.bestValue).toBe(study.bestValue);
        const trial = again.trials[0];
        expect(trial?.state).toBe("COMPLETE");
        expect(typeof trial?.params.x).toBe("number");
      } finally {
        await fixture.dispose();
      }
    });
  });
}
