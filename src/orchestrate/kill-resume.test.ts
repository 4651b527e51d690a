import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modulesReachableFrom, transpileModules } from "../core/testing/index.js";
import { openTracking } from "../track/index.js";
import { PipelineStore } from "./index.js";

// The runner must be a separate process to be SIGKILLed; Node 20 cannot load TypeScript, so the
// modules are transpiled inside the project (where kysely, better-sqlite3 and pg resolve).
const jsDir = join(process.cwd(), ".tmp", `orch-js-${process.pid}`);
const root = mkdtempSync(join(tmpdir(), "keel-orch-kill-"));

const runnerScript = (orchestrate: string, store: string) => `
import { appendFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { definePipeline, step, runPipeline, PipelineStore } from ${JSON.stringify(orchestrate)};
import { openDatabase } from ${JSON.stringify(store)};
const [mode, root, marker] = process.argv.slice(2);
const count = (name) => appendFileSync(join(root, name + ".calls"), "x\\n");
const pipeline = definePipeline({
  name: "kill-me",
  steps: {
    prepare: step({ run: () => { count("prepare"); return { rows: 10 }; } }),
    train: step({
      after: ["prepare"],
      run: async (ctx) => {
        count("train");
        const run = await ctx.trackedRun({ experiment: "kill-me" });
        const dir = join(root, "bundle");
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, "model.json"), JSON.stringify({ rows: ctx.inputs.prepare }));
        await run.logArtifact(join(dir, "model.json"), "model");
        run.logMetric("auc", 0.8);
        const version = await ctx.registerModel("churn-kill", { artifactUri: "runs:/" + run.id + "/model", runId: run.id });
        if (mode === "run") {
          await run.flush();
          writeFileSync(marker, "mid-step");
          await new Promise(() => {});
        }
        await run.end();
        return { modelUri: "models:/churn-kill/" + version.version };
      },
    }),
    publish: step({
      after: ["train"],
      run: async (ctx) => {
        count("publish");
        const version = Number(String(ctx.inputs.train.modelUri).split("/").pop());
        await ctx.tracking.models.setAlias("churn-kill", "champion", version, { reason: "first model" });
        return { champion: version };
      },
    }),
  },
});
const database = await openDatabase({ root });
const store = new PipelineStore(database);
const result = await runPipeline(pipeline, { store, root, logicalDate: new Date("2026-01-05T00:00:00Z"), ...(mode === "resume" ? { resume: true } : {}) });
await database.close();
process.stdout.write(JSON.stringify({ status: result.run.status, runId: result.run.runId, steps: result.steps.map((s) => [s.step, s.status]) }));
`;

let script = "";
beforeAll(() => {
  mkdirSync(jsDir, { recursive: true });
  // config: the entry of the worker threads that steps run in.
  transpileModules(jsDir, modulesReachableFrom("config"));
  script = join(jsDir, "runner.mjs");
  writeFileSync(
    script,
    runnerScript(join(jsDir, "orchestrate", "index.js"), join(jsDir, "store", "index.js")),
  );
}, 120_000);
afterAll(() => {
  rmSync(jsDir, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

function start(
  mode: string,
  marker: string,
): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [script, mode, root, marker], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

const calls = (name: string) => {
  const file = join(root, `${name}.calls`);
  return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").length : 0;
};

describe("a runner SIGKILLed in the middle of a step", () => {
  it("resumes from the killed step and every side effect happens exactly once", async () => {
    const marker = join(root, "marker");
    const first = start("run", marker);
    const deadline = Date.now() + 60_000;
    while (!existsSync(marker) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(marker)).toBe(true);
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.code).toBe(null);

    const tracking = await openTracking({ root });
    const store = new PipelineStore(tracking.database);
    try {
      const [interrupted] = await store.listRuns({ pipeline: "kill-me" });
      expect(interrupted?.status).toBe("running");
      const before = new Map(
        (await store.steps(interrupted?.runId ?? "")).map((s) => [s.step, s.status]),
      );
      expect([before.get("prepare"), before.get("train"), before.get("publish")]).toEqual([
        "succeeded",
        "running",
        "pending",
      ]);

      const resumed = await start("resume", marker).done;
      expect(resumed.stderr).toBe("");
      expect(resumed.code).toBe(0);
      const outcome = JSON.parse(resumed.stdout) as {
        status: string;
        runId: string;
        steps: string[][];
      };
      expect(outcome.runId).toBe(interrupted?.runId);
      expect(outcome.status).toBe("succeeded");
      expect(outcome.steps).toEqual([
        ["prepare", "succeeded"],
        ["train", "succeeded"],
        ["publish", "succeeded"],
      ]);

      // The finished step did not run again; the killed one ran again, the last one once.
      expect([calls("prepare"), calls("train"), calls("publish")]).toEqual([1, 2, 1]);
      // Its side effects happened once: one tracked run, one artifact, one model version, one alias move.
      const db = tracking.database.db;
      const runs = await db
        .selectFrom("tags")
        .select("run_uuid")
        .where("key", "=", "keel.pipeline.step")
        .execute();
      expect(runs).toHaveLength(1);
      const artifacts = await db
        .selectFrom("run_artifacts")
        .selectAll()
        .where("run_uuid", "=", runs[0]?.run_uuid ?? "")
        .execute();
      expect(artifacts.map((a) => a.path)).toEqual(["model/model.json"]);
      expect(
        await db
          .selectFrom("model_versions")
          .selectAll()
          .where("name", "=", "churn-kill")
          .execute(),
      ).toHaveLength(1);
      expect(await tracking.models.aliasHistory("churn-kill", "champion")).toHaveLength(1);
      expect((await tracking.runs.get(runs[0]?.run_uuid ?? "")).info.status).toBe("FINISHED");
      expect(await db.selectFrom("blobs").selectAll().execute()).toHaveLength(1);
    } finally {
      await tracking.close();
    }
  }, 180_000);
});
