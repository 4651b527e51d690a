import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modulesReachableFrom, transpileModules } from "../core/testing/index.js";
import { InMemoryStorage } from "./in-memory-storage.js";
import { JournalFileStorage } from "./journal-file-storage.js";
import { type StorageFixture, studyStorageSuite } from "./storage-suite.js";
import { FAIL_REASON_ATTR, loadStudy } from "./study.js";

const dir = mkdtempSync(join(tmpdir(), "keel-tune-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
const fixtures: Record<string, () => Promise<StorageFixture>> = {
  InMemoryStorage: async () => ({ storage: new InMemoryStorage(), dispose: async () => {} }),
  JournalFileStorage: async () => {
    const path = join(dir, `suite-${fileCounter++}.jsonl`);
    const storage = new JournalFileStorage(path);
    return {
      storage,
      openAnother: async () => new JournalFileStorage(path),
      dispose: () => storage.close(),
    };
  },
};

for (const [name, open] of Object.entries(fixtures)) {
  describe(`${name} conformance`, () => {
    for (const check of studyStorageSuite()) {
      it(check.name, async () => {
        const fixture = await open();
        try {
          await check.run(fixture);
        } finally {
          await fixture.dispose();
        }
      });
    }
  });
}

/** Runs `optimize` on a shared journal in a child process; resolves with its exit code. */
function worker(script: string, args: string[]): { done: Promise<number | null>; kill(): void } {
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      if (code !== 0 && code !== null) console.error(stderr);
      resolve(code);
    }),
  );
  return { done, kill: () => child.kill("SIGKILL") };
}

describe("JournalFileStorage across processes", () => {
  let script = "";
  beforeAll(() => {
    transpileModules(join(dir, "js"), modulesReachableFrom("tune"));
    const tuneIndex = join(dir, "js", "tune", "index.js");
    script = join(dir, "optimize-worker.mjs");
    writeFileSync(
      script,
      `import { createStudy, JournalFileStorage, TpeSampler } from ${JSON.stringify(tuneIndex)};
const [path, name, nTrials, sleepMs] = process.argv.slice(2);
const storage = new JournalFileStorage(path);
const study = await createStudy({ name, direction: "minimize", storage, loadIfExists: true,
  sampler: new TpeSampler({ seed: process.pid, nStartupTrials: 4 }) });
await study.optimize(async (trial) => {
  const x = trial.suggestFloat("x", -3, 3);
  await new Promise((r) => setTimeout(r, Number(sleepMs)));
  return x * x;
}, { nTrials: Number(nTrials) });
await storage.close();
`,
    );
  });

  it("four processes share one study: no lock errors, no duplicate numbers, every trial", async () => {
    const path = join(dir, "shared.jsonl");
    const codes = await Promise.all(
      [0, 1, 2, 3].map(() => worker(script, [path, "shared", "10", "5"]).done),
    );
    expect(codes).toEqual([0, 0, 0, 0]);
    const storage = new JournalFileStorage(path);
    const study = await loadStudy({ name: "shared", storage });
    expect(study.trials.map((t) => t.number)).toEqual([...Array(40).keys()]);
    expect(study.trials.every((t) => t.state === "COMPLETE")).toBe(true);
    await storage.close();
  });

  it("after SIGKILL, loadStudy fails the interrupted trial and optimisation continues", async () => {
    const path = join(dir, "killed.jsonl");
    const run = worker(script, [path, "killed", "1000", "40"]);
    // Let it complete a few trials, then kill it mid-trial.
    const storage = new JournalFileStorage(path);
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const summary = await storage.getStudy("killed");
      if (summary === undefined) continue;
      const trials = await storage.getAllTrials(summary.studyId);
      const completed = trials.filter((t) => t.state === "COMPLETE").length;
      if (completed >= 3 && trials.at(-1)?.state === "RUNNING") break;
    }
    run.kill();
    await run.done;
    const study = await loadStudy({ name: "killed", storage });
    const states = study.trials.map((t) => t.state);
    expect(states.filter((s) => s === "RUNNING")).toEqual([]);
    expect(states.filter((s) => s === "FAIL")).toHaveLength(1);
    expect(study.trials.at(-1)?.state).toBe("FAIL");
    expect(String(study.trials.at(-1)?.systemAttrs[FAIL_REASON_ATTR])).toContain("is gone");
    const completedBefore = states.filter((s) => s === "COMPLETE").length;
    expect(completedBefore).toBeGreaterThanOrEqual(3);
    await study.optimize((trial) => trial.suggestFloat("x", -3, 3) ** 2, { nTrials: 5 });
    expect(study.trials.filter((t) => t.state === "COMPLETE")).toHaveLength(completedBefore + 5);
    await storage.close();
  });
});
