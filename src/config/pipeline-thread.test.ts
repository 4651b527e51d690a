import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FeatureRegistry } from "../features/index.js";
import {
  findPipeline,
  type PipelineDefinition,
  PipelineStore,
  runPipeline,
  ThreadRunner,
  wasInterrupted,
} from "../orchestrate/index.js";
import { ORCHESTRATE_RUNTIME_MODULES } from "../orchestrate/testing/index.js";
import { type MetadataDatabase, openDatabase } from "../store/index.js";
import { openTracking } from "../track/index.js";
import { transpileTrack } from "../track/testing/index.js";
import { loadConfig } from "./index.js";

// Node 20 cannot start a thread (or a process) on TypeScript: the modules the threads and the
// CLI child processes load are transpiled inside the project, where their packages resolve.
const jsDir = join(process.cwd(), ".tmp", `orch-threads-js-${process.pid}`);
const root = mkdtempSync(join(tmpdir(), "keel-orch-threads-"));
const entry = join(jsDir, "config", "pipeline-thread.js");

const CONFIG = `import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { isMainThread } from "node:worker_threads";
import { defineConfig, defineEntity, defineFeatureView, definePipeline, fileSource, step } from "keel";

// Ignores ctx.signal: only terminating its thread stops it. Beats while it spins.
const spin = definePipeline({
  name: "spin",
  steps: {
    spin: step({
      timeoutMs: 1500,
      retries: 1,
      retryDelay: 1,
      run: (ctx) => {
        appendFileSync(join(ctx.root, "spin.tries"), ctx.attempt + "\\n");
        let last = 0;
        for (;;) {
          const now = Date.now();
          if (now - last > 50) {
            appendFileSync(join(ctx.root, "spin.beats"), ".");
            last = now;
          }
        }
      },
    }),
  },
});

const work = definePipeline({
  name: "work",
  params: { factor: 2 },
  steps: {
    a: step({
      run: async (ctx) => {
        ctx.log.info("running", { main: isMainThread, big: 10n });
        await ctx.rejectRecords([{ id: 7 }], "id 7 has no tenure");
        const run = await ctx.trackedRun({ experiment: "threads" });
        run.logMetric("auc", 0.81);
        await run.end();
        return { main: isMainThread, factor: ctx.params.factor, runId: run.id };
      },
    }),
    b: step({ after: ["a"], run: (ctx) => ({ got: ctx.inputs.a }) }),
  },
});

const bad = definePipeline({
  name: "bad",
  steps: {
    coded: step({
      run: (ctx) => {
        throw new ctx.keel.core.KeelError("KEEL_ERR_INVALID_ARGUMENT", "no column 'tenur'", { details: { column: "tenur" } });
      },
    }),
    unserialisable: step({ retries: 2, retryDelay: 1, run: () => ({ f: () => 1 }) as never }),
  },
});

const tick = definePipeline({
  name: "tick",
  schedule: "* * * * * *",
  steps: {
    slow: step({
      run: async (ctx) => {
        appendFileSync(join(ctx.root, "tick.started"), ctx.runId + "\\n");
        await new Promise((resolve) => setTimeout(resolve, 3000));
        return { ok: true };
      },
    }),
  },
});

// ctx.features(): the config's feature store (its own online store path) from a step.
const customer = defineEntity({ name: "customer", joinKeys: ["customer_id"] });
const stats = defineFeatureView({
  name: "stats",
  entities: [customer],
  ttl: "1d",
  source: fileSource({ path: "stats.csv" }),
  timestampField: "ts",
  schema: { spend: "numeric" },
});
const feat = definePipeline({
  name: "feat",
  steps: {
    lookup: step({
      run: async (ctx) => {
        const store = await ctx.features();
        const now = ctx.logicalDate.getTime();
        const [result] = await store.materializeIncremental({ end: now });
        const history = await store.getHistoricalFeatures({
          entityRows: { sql: "SELECT 1 AS customer_id, TIMESTAMP '2026-03-01 12:00:00' AS event_timestamp" },
          features: ["stats:spend"],
        });
        const online = await store.getOnlineFeatures({ features: ["stats:spend"], entityRows: { customer_id: [1] }, now });
        return {
          main: isMainThread,
          materialized: result?.rows ?? 0,
          history: history?.numeric("spend")[0] ?? null,
          online: online.results.map((r) => r.values[0] ?? null),
          customDb: existsSync(join(ctx.root, "online-custom.db")),
        };
      },
    }),
  },
});

export default defineConfig({
  pipelines: [spin, work, bad, tick, feat],
  entities: [customer],
  featureViews: [stats],
  onlineStore: { type: "sqlite", path: "online-custom.db" },
});
`;

let database: MetadataDatabase;
let store: PipelineStore;
let pipelines: readonly PipelineDefinition[];

beforeAll(async () => {
  mkdirSync(jsDir, { recursive: true });
  transpileTrack(jsDir, [...ORCHESTRATE_RUNTIME_MODULES, "cli", "server"]);
  writeFileSync(join(root, "keel.config.ts"), CONFIG);
  const T0 = Date.UTC(2026, 2, 1);
  writeFileSync(
    join(root, "stats.csv"),
    `customer_id,ts,spend\n1,${new Date(T0).toISOString()},10\n1,${new Date(T0 + 86_400_000).toISOString()},11\n`,
  );
  const loaded = await loadConfig({ cwd: root });
  pipelines = loaded.pipelines;
  database = await openDatabase({ root });
  store = new PipelineStore(database);
  await new FeatureRegistry(database).apply({
    entities: loaded.config.entities ?? [],
    featureViews: loaded.config.featureViews ?? [],
  });
}, 180_000);

afterAll(async () => {
  await database?.close();
  rmSync(jsDir, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

const runnerFor = (options: { stopGraceMs?: number } = {}) =>
  new ThreadRunner({
    entry,
    configFile: join(root, "keel.config.ts"),
    database: { root },
    root,
    ...options,
  });

const size = (file: string) => (existsSync(file) ? statSync(file).size : 0);

describe("the worker-thread step runner", () => {
  it("stops a busy-looping step that ignores ctx.signal at its timeout, retries it, then files a dead letter; the event loop stays free", async () => {
    const runner = runnerFor({ stopGraceMs: 100 });
    let maxGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 10);
    try {
      const started = performance.now();
      const { run, steps } = await runPipeline(findPipeline(pipelines, "spin"), {
        store,
        root,
        runner,
        logicalDate: new Date("2026-01-05T00:00:00Z"),
      });
      const elapsed = performance.now() - started;
      expect(run.status).toBe("failed");
      expect(steps.map((s) => [s.step, s.status, s.attempts])).toEqual([["spin", "failed", 2]]);
      expect(steps[0]?.error).toContain("KEEL_ERR_STEP_TIMEOUT");
      expect(steps[0]?.error).toContain("timeoutMs (1500 ms)");
      // Two tries of 1.5 s each plus the grace: not the forever a busy loop would take.
      expect(elapsed).toBeLessThan(30_000);
      expect(readFileSync(join(root, "spin.tries"), "utf8")).toBe("1\n2\n");
      const [letter] = await store.deadLetters({ pipeline: "spin" });
      expect(letter).toMatchObject({ kind: "step", step: "spin", attempts: 2 });
      expect(letter?.error).toContain("KEEL_ERR_STEP_TIMEOUT");
      // The loop really stopped: its beats no longer grow.
      const beats = size(join(root, "spin.beats"));
      expect(beats).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(size(join(root, "spin.beats"))).toBe(beats);
      // The runner's own event loop kept ticking while the step spun.
      expect(maxGap).toBeLessThan(1000);
    } finally {
      clearInterval(ticker);
      await runner.close();
    }
  }, 60_000);

  it("runs steps off the main thread with a full ctx: params, inputs, logs, record letters, tracking", async () => {
    const runner = runnerFor();
    try {
      const { run, steps } = await runPipeline(findPipeline(pipelines, "work"), {
        store,
        root,
        runner,
        params: { factor: 3 },
        logicalDate: new Date("2026-01-05T00:00:00Z"),
      });
      expect(run.status).toBe("succeeded");
      const a = JSON.parse(steps[0]?.outputs ?? "null") as {
        main: boolean;
        factor: number;
        runId: string;
      };
      expect([a.main, a.factor]).toEqual([false, 3]);
      expect(JSON.parse(steps[1]?.outputs ?? "null")).toEqual({ got: a });
      const logs = await store.logs(run.runId, "a");
      expect(logs.map((l) => l.message)).toEqual(['running {"main":false,"big":"10"}']);
      expect(await store.deadLetters({ pipeline: "work", kind: "record" })).toMatchObject([
        { step: "a", error: "id 7 has no tenure", payload: { id: 7 } },
      ]);
      const tracking = await openTracking({ root });
      try {
        const tracked = await tracking.runs.get(a.runId);
        expect(tracked.info.status).toBe("FINISHED");
        expect(tracked.data.metrics.map((m) => [m.key, m.value])).toEqual([["auc", 0.81]]);
      } finally {
        await tracking.close();
      }
      // The same run again: every step is served from the cache, no thread needed.
      const again = await runPipeline(findPipeline(pipelines, "work"), {
        store,
        root,
        runner,
        params: { factor: 3 },
        logicalDate: new Date("2026-01-05T00:00:00Z"),
      });
      expect(again.steps.map((s) => s.status)).toEqual(["cached", "cached"]);
    } finally {
      await runner.close();
    }
  }, 60_000);

  it("keeps a KeelError's code across the thread, and an unserialisable output is not retried", async () => {
    const runner = runnerFor();
    try {
      const { steps } = await runPipeline(findPipeline(pipelines, "bad"), {
        store,
        root,
        runner,
        logicalDate: new Date("2026-01-05T00:00:00Z"),
      });
      const byName = new Map(steps.map((s) => [s.step, s]));
      expect(byName.get("coded")?.error).toBe("KEEL_ERR_INVALID_ARGUMENT: no column 'tenur'");
      expect(byName.get("unserialisable")?.attempts).toBe(1);
      expect(byName.get("unserialisable")?.error).toContain("KEEL_ERR_STEP_OUTPUT");
    } finally {
      await runner.close();
    }
  }, 60_000);

  it("refuses to run a step whose code changed in keel.config.ts since the run loaded it", async () => {
    const file = join(root, "keel.config.ts");
    writeFileSync(file, CONFIG.replace('ctx.log.info("running"', 'ctx.log.info("changed"'));
    const runner = runnerFor();
    try {
      const { run, steps } = await runPipeline(findPipeline(pipelines, "work"), {
        store,
        root,
        runner,
        logicalDate: new Date("2026-02-02T00:00:00Z"),
      });
      expect(run.status).toBe("failed");
      expect(steps[0]?.error).toContain("differs from the code the run started with");
    } finally {
      writeFileSync(file, CONFIG);
      await runner.close();
    }
  }, 60_000);

  it("cannot start on TypeScript sources and says how to run steps instead", () => {
    expect(
      () =>
        new ThreadRunner({ entry: join(root, "x.ts"), configFile: "c", database: { root }, root }),
    ).toThrow(/--executor inline/);
  });
  it("gives steps the config's feature store through ctx.features(), inline and in a worker thread", async () => {
    const feat = findPipeline(pipelines, "feat");
    expect(feat.featureStore?.onlineStore).toEqual({ type: "sqlite", path: "online-custom.db" });
    const logicalDate = new Date("2026-03-02T06:00:00Z");
    const inline = await runPipeline(feat, { store, root, logicalDate });
    expect(inline.run.status, inline.steps[0]?.error ?? "").toBe("succeeded");
    const fromInline = JSON.parse(inline.steps[0]?.outputs ?? "null");
    // Point in time: at 12:00 on 1 March the customer's spend was the first row's, 10; online,
    // after materialising up to 2 March 06:00, the newest, 11 — in the config's online store.
    expect(fromInline).toEqual({
      main: true,
      materialized: 1,
      history: 10,
      online: [1, 11],
      customDb: true,
    });
    const runner = runnerFor();
    try {
      const threaded = await runPipeline(feat, { store, root, logicalDate, runner, force: true });
      expect(threaded.run.status, threaded.steps[0]?.error ?? "").toBe("succeeded");
      const fromThread = JSON.parse(threaded.steps[0]?.outputs ?? "null");
      expect(fromThread).toEqual({ ...fromInline, main: false, materialized: 0 });
    } finally {
      await runner.close();
    }
  }, 120_000);
});

/** Starts the transpiled CLI in the project: the child, its output so far, and its exit. */
function cli(args: string[]) {
  const child = spawn(process.execPath, [join(jsDir, "cli", "main.js"), ...args], {
    cwd: root,
    env: { ...process.env, KEEL_DB_URL: "" },
  });
  const output = { out: "", err: "" };
  child.stdout.on("data", (d: Buffer) => {
    output.out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    output.err += d.toString();
  });
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, ...output })),
  );
  return { child, output, done };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the keel CLI runs steps in worker threads by default", () => {
  it("keel run stops a step that ignores its timeout (inline it would spin forever)", async () => {
    const r = await cli(["run", "spin", "--date", "2026-03-02", "--json"]).done;
    expect(r.code, r.err).toBe(1);
    const { steps } = JSON.parse(r.out) as {
      steps: { status: string; attempts: number; error: string }[];
    };
    expect(steps[0]).toMatchObject({ status: "failed", attempts: 2 });
    expect(steps[0]?.error).toContain("KEEL_ERR_STEP_TIMEOUT");
  }, 90_000);

  it("keel server runs scheduled pipelines, interrupts the run in progress on SIGTERM and resumes it at the next start", async () => {
    const started = join(root, "tick.started");
    const first = cli(["server", "--port", "0"]);
    await until(() => first.output.err.includes("listening") && existsSync(started), 30_000);
    first.child.kill("SIGTERM");
    const stopped = await first.done;
    expect(stopped.code, stopped.err).toBe(0);
    expect(stopped.err).toContain("scheduler: tick (* * * * * * UTC");
    expect(stopped.err).toContain("steps run in worker threads");
    const runs = await store.listRuns({ pipeline: "tick" });
    expect(runs).toHaveLength(1);
    const interrupted = runs[0];
    expect(interrupted && wasInterrupted(interrupted)).toBe(true);
    expect(interrupted?.error).toContain("keel server is shutting down");
    const runId = interrupted?.runId ?? "";

    const second = cli(["server", "--port", "0"]);
    await until(async () => (await store.getRun(runId)).status === "succeeded", 30_000);
    second.child.kill("SIGTERM");
    const restarted = await second.done;
    expect(restarted.code, restarted.err).toBe(0);

    const off = cli(["server", "--port", "0", "--no-scheduler"]);
    await until(() => off.output.err.includes("listening"), 30_000);
    off.child.kill("SIGTERM");
    const quiet = await off.done;
    expect(quiet.code, quiet.err).toBe(0);
    expect(quiet.err).not.toContain("scheduler:");
  }, 120_000);
});
