import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modulesReachableFrom, transpileModules } from "../core/testing/index.js";
import { openDatabase } from "../store/index.js";
import { dropPgSchemas } from "../store/testing/index.js";
import { definePipeline, PipelineStore, QueueExecutor, step } from "./index.js";

const pgUrl = process.env.KEEL_TEST_PG_URL;
if (pgUrl === undefined)
  console.warn("KEEL_TEST_PG_URL is not set: skipping the pg-boss worker test");

const jsDir = join(process.cwd(), ".tmp", `orch-queue-js-${process.pid}`);
const FAN = ["s1", "s2", "s3", "s4"];

// The same pipeline shape here (which submits it) as in the workers' config (which run it).
const shape = () =>
  definePipeline({
    name: "fan",
    steps: {
      a: step({ run: () => "a" }),
      ...Object.fromEntries(FAN.map((s) => [s, step({ after: ["a"], run: () => s })])),
      z: step({ after: FAN, run: () => "z" }),
    },
  });

// The workers load this config as `keel worker` does; each step records when it starts and
// ends, in which process (a step thread has its process's pid).
const CONFIG = `import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { defineConfig, definePipeline, step } from "keel";
const event = (ctx, step, kind) => appendFileSync(join(ctx.root, "events.jsonl"), JSON.stringify({ step, kind, pid: process.pid, t: Date.now() }) + "\\n");
const slow = (name) => step({ after: ["a"], run: async (ctx) => {
  event(ctx, name, "start");
  await new Promise((r) => setTimeout(r, 1500));
  event(ctx, name, "end");
  return name;
} });
export default defineConfig({ pipelines: [definePipeline({
  name: "fan",
  steps: {
    a: step({ run: (ctx) => { event(ctx, "a", "start"); event(ctx, "a", "end"); return "a"; } }),
    ${FAN.map((s) => `${s}: slow(${JSON.stringify(s)}),`).join("\n    ")}
    z: step({ after: ${JSON.stringify(FAN)}, run: (ctx) => { event(ctx, "z", "start"); event(ctx, "z", "end"); return "z"; } }),
  },
})] });
`;

const workerScript = (js: string) => `
import { writeFileSync } from "node:fs";
import { PipelineStore, QueueExecutor, ThreadRunner } from ${JSON.stringify(join(js, "orchestrate", "index.js"))};
import { openDatabase } from ${JSON.stringify(join(js, "store", "index.js"))};
import { loadConfig, pipelineThreadEntry } from ${JSON.stringify(join(js, "config", "index.js"))};
const [url, dbSchema, bossSchema, root, ready, mode] = process.argv.slice(2);
const loaded = await loadConfig({ cwd: root });
const database = await openDatabase({ dbUrl: url, pgSchema: dbSchema });
const runner = mode === "threads"
  ? new ThreadRunner({ entry: pipelineThreadEntry(), configFile: loaded.file, database: { dbUrl: url, pgSchema: dbSchema }, root, size: 2 })
  : undefined;
const queue = await QueueExecutor.open({ url, schema: bossSchema, leaseMs: 2000, pollingIntervalSeconds: 0.5 });
await queue.work(loaded.pipelines, { store: new PipelineStore(database), root, concurrency: 2, ...(runner ? { runner } : {}) });
writeFileSync(ready, String(process.pid));
`;

let script = "";
beforeAll(() => {
  if (pgUrl === undefined) return;
  mkdirSync(jsDir, { recursive: true });
  // config: the entry of the worker threads that steps run in.
  transpileModules(jsDir, modulesReachableFrom("config"));
  script = join(jsDir, "worker.mjs");
  writeFileSync(script, workerScript(jsDir));
}, 120_000);
afterAll(async () => {
  rmSync(jsDir, { recursive: true, force: true });
  if (pgUrl) await dropPgSchemas(pgUrl, `keel_orch_${process.pid}_%`);
});

// Steps in worker threads (what `keel worker` does) and inline (the SDK's default).
describe.skipIf(pgUrl === undefined).each(["threads", "inline"])(
  "two keel workers on PostgreSQL (steps %s), one killed mid-step",
  (mode) => {
    const children: ChildProcess[] = [];
    const root = mkdtempSync(join(tmpdir(), `keel-orch-queue-${mode}-`));
    const dbSchema = `keel_orch_${process.pid}_${mode}_queue`;
    const bossSchema = `keel_orch_${process.pid}_${mode}_boss`;
    const eventLog = join(root, "events.jsonl");
    beforeAll(() => writeFileSync(join(root, "keel.config.mjs"), CONFIG));
    afterAll(() => {
      for (const child of children) child.kill("SIGKILL");
      rmSync(root, { recursive: true, force: true });
    });

    it("retries the killed worker's step on the other; the run completes; no step ran twice at once", async () => {
      const url = pgUrl as string;
      // Install the schemas once before the workers race to.
      const database = await openDatabase({ dbUrl: url, pgSchema: dbSchema });
      const store = new PipelineStore(database);
      const queue = await QueueExecutor.open({ url, schema: bossSchema, leaseMs: 2000 });
      try {
        const pids: number[] = [];
        for (const i of [1, 2]) {
          const ready = join(root, `ready-${i}`);
          const child = spawn(
            process.execPath,
            [script, url, dbSchema, bossSchema, root, ready, mode],
            { stdio: ["ignore", "ignore", "pipe"] },
          );
          child.stderr?.on("data", (d: Buffer) => process.stderr.write(d));
          children.push(child);
          const deadline = Date.now() + 60_000;
          while (!existsSync(ready) && Date.now() < deadline)
            await new Promise((r) => setTimeout(r, 50));
          pids.push(Number(readFileSync(ready, "utf8")));
        }
        const run = await queue.submit(shape(), {
          store,
          logicalDate: new Date("2026-01-05T00:00:00Z"),
        });
        const events = () =>
          existsSync(eventLog)
            ? readFileSync(eventLog, "utf8")
                .trim()
                .split("\n")
                .map((l) => JSON.parse(l) as { step: string; kind: string; pid: number; t: number })
            : [];
        let victim: { step: string; pid: number } | undefined;
        const deadline = Date.now() + 60_000;
        while (victim === undefined && Date.now() < deadline) {
          victim = events().find((e) => e.kind === "start" && FAN.includes(e.step));
          if (victim === undefined) await new Promise((r) => setTimeout(r, 20));
        }
        expect(victim).toBeDefined();
        const killedAt = Date.now();
        children[pids.indexOf(victim?.pid ?? -1)]?.kill("SIGKILL");

        const result = await queue.waitFor(store, run.runId, { timeoutMs: 90_000 });
        expect(
          result.run.status,
          JSON.stringify([
            result.run.error,
            result.steps.map((s) => [s.step, s.status, s.attempts, s.error]),
            (await store.logs(run.runId)).map((l) => [l.step, l.attempt, l.message]),
            events(),
          ]),
        ).toBe("succeeded");
        expect(result.steps.every((s) => s.status === "succeeded")).toBe(true);

        const all = events();
        const survivor = pids.find((p) => p !== victim?.pid);
        // Every step the killed worker had started but not finished was run again by the survivor, after the kill.
        const unfinished = all.filter(
          (e) =>
            e.pid === victim?.pid &&
            e.kind === "start" &&
            !all.some((f) => f.pid === e.pid && f.step === e.step && f.kind === "end"),
        );
        expect(unfinished.length).toBeGreaterThan(0);
        for (const u of unfinished) {
          const retried = all.filter(
            (e) => e.step === u.step && e.kind === "start" && e.pid === survivor,
          );
          expect(retried).toHaveLength(1);
          expect(retried[0]?.t).toBeGreaterThanOrEqual(killedAt);
        }
        // Intervals of one step never overlap (a killed try ends when its worker was killed).
        for (const name of ["a", ...FAN, "z"]) {
          const starts = all
            .filter((e) => e.step === name && e.kind === "start")
            .sort((x, y) => x.t - y.t);
          const intervals = starts.map((s) => ({
            start: s.t,
            end:
              all.find((e) => e.step === name && e.kind === "end" && e.pid === s.pid)?.t ??
              killedAt,
          }));
          for (let i = 1; i < intervals.length; i++)
            expect(intervals[i]?.start).toBeGreaterThanOrEqual(intervals[i - 1]?.end ?? 0);
          expect(all.filter((e) => e.step === name && e.kind === "end")).toHaveLength(1);
        }
      } finally {
        await queue.close();
        await database.close();
      }
    }, 180_000);
  },
);
