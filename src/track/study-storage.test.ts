import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dropPgSchemas } from "../store/testing/index.js";
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
  await dropPgSchemas(pgUrl, schema);
});

/**
 * better-sqlite3 is synchronous: two connections of one process waiting on each other's write
 * transaction block the thread. SQLite sharing is therefore tested across processes below, and
 * the in-process "second handle" checks run on PostgreSQL only.
 */
function fixtureFor(
  options: OpenTrackingOptions,
  shareInProcess: boolean,
): () => Promise<StorageFixture> {
  return async () => {
    const tracking = await openTracking(options);
    const others: { close(): Promise<void> }[] = [];
    return {
      storage: new TrackingStudyStorage(tracking, { experiment: "studies" }),
      openAnother: !shareInProcess
        ? undefined
        : async () => {
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
  ["SQLite", fixtureFor({ root: join(tempRoot, "sqlite") }, false)],
  [
    "PostgreSQL",
    pgUrl === undefined
      ? undefined
      : fixtureFor({ root: join(tempRoot, "pg"), dbUrl: pgUrl, pgSchema: schema }, true),
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

/** Transpiles all of src to JavaScript under .tmp/ (so bare imports resolve to node_modules). */
async function transpileSources(outDir: string): Promise<void> {
  const ts = (await import("typescript")).default;
  const { readdirSync, readFileSync, writeFileSync, mkdirSync } = await import("node:fs");
  const { dirname, relative } = await import("node:path");
  const src = join(import.meta.dirname, "..");
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? walk(join(dir, e.name))
        : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")
          ? [join(dir, e.name)]
          : [],
    );
  for (const file of walk(src)) {
    const js = ts.transpileModule(readFileSync(file, "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const target = join(outDir, relative(src, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
}

describe("a study on the tracking store shared by four processes", () => {
  const outDir = join(import.meta.dirname, "..", "..", ".tmp", `study-storage-${process.pid}`);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  const cases: [string, OpenTrackingOptions | undefined][] = [
    ["SQLite", { root: join(tempRoot, "shared-sqlite") }],
    [
      "PostgreSQL",
      pgUrl === undefined
        ? undefined
        : { root: join(tempRoot, "shared-pg"), dbUrl: pgUrl, pgSchema: schema },
    ],
  ];
  for (const [name, options] of cases) {
    it.skipIf(options === undefined)(
      `${name}: no lock errors, no duplicate numbers, all 32 trials`,
      async () => {
        const { spawn } = await import("node:child_process");
        const { existsSync, writeFileSync } = await import("node:fs");
        if (!existsSync(join(outDir, "track", "index.js"))) await transpileSources(outDir);
        const script = join(outDir, `worker-${name}.mjs`);
        writeFileSync(
          script,
          `import { openTracking, TrackingStudyStorage } from ${JSON.stringify(join(outDir, "track", "index.js"))};
import { createStudy, RandomSampler } from ${JSON.stringify(join(outDir, "tune", "index.js"))};
const tracking = await openTracking(JSON.parse(process.argv[2]));
const storage = new TrackingStudyStorage(tracking, { experiment: "shared" });
const study = await createStudy({ name: "shared-${name}", direction: "minimize", storage, loadIfExists: true,
  sampler: new RandomSampler({ seed: process.pid }) });
await study.optimize((t) => t.suggestFloat("x", -1, 1) ** 2, { nTrials: 8 });
await tracking.close();
`,
        );
        const codes = await Promise.all(
          [0, 1, 2, 3].map(
            () =>
              new Promise<{ code: number | null; stderr: string }>((resolve) => {
                const child = spawn(process.execPath, [script, JSON.stringify(options)], {
                  stdio: ["ignore", "ignore", "pipe"],
                });
                let stderr = "";
                child.stderr.on("data", (d: Buffer) => {
                  stderr += d.toString();
                });
                child.on("exit", (code) => resolve({ code, stderr }));
              }),
          ),
        );
        expect(codes).toEqual([0, 1, 2, 3].map(() => ({ code: 0, stderr: "" })));
        const tracking = await openTracking(options as OpenTrackingOptions);
        try {
          const storage = new TrackingStudyStorage(tracking, { experiment: "shared" });
          const study = await loadStudy({ name: `shared-${name}`, storage });
          expect(study.trials.map((t) => t.number)).toEqual([...Array(32).keys()]);
          expect(study.trials.every((t) => t.state === "COMPLETE")).toBe(true);
        } finally {
          await tracking.close();
        }
      },
    );
  }
});
