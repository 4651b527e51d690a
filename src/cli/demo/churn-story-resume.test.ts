import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nullProgress } from "../../core/index.js";
import { PipelineStore } from "../../orchestrate/index.js";
import { openServingStore } from "../../serve/index.js";
import { openTracking } from "../../track/index.js";
import { runCli } from "../run.js";
import { captureIo } from "../testing/capture-io.js";
import { runChurnStory } from "./churn-story.js";
import { readCheckpoint } from "./demo-checkpoint.js";
import { DEMO_MARKER, prepareDemoHome } from "./demo-home.js";
import type { DemoSettings } from "./demo-settings.js";

const top = mkdtempSync(join(tmpdir(), "keel-demo-resume-"));
afterAll(() => rmSync(top, { recursive: true, force: true }));

// A story small enough for a unit test: two replayed weeks, a champion from the first Monday.
const settings: DemoSettings = {
  seed: 7,
  start: "2026-01-05",
  customers: 400,
  weeks: 12,
  replayFromWeek: 10,
  changeWeek: 11,
  trials: 2,
  folds: 2,
  snapshots: 2,
  requestsPerDay: 40,
  labelDelayDays: 14,
};
const days = (settings.weeks - settings.replayFromWeek) * 7;

describe("a churn story stopped by Ctrl-C and resumed", () => {
  it("goes on from the last finished day: no day scored twice, the interrupted run resumed, nothing lost", async () => {
    const home = join(top, "keel-demo");
    await prepareDemoHome(home);
    // Ctrl-C as the second week starts: its features-daily run is stopped before it finishes.
    const first: string[] = [];
    const controller = new AbortController();
    const stopped = await runChurnStory({
      home,
      settings,
      signal: controller.signal,
      progress: nullProgress,
      say: (line) => {
        first.push(line);
        if (line.startsWith("── week 11")) controller.abort(new Error("Ctrl-C"));
      },
    });
    expect(stopped.completed).toBe(false);
    expect(first.at(-1)).toMatch(/^story interrupted/);
    const checkpoint = await readCheckpoint(home);
    expect(checkpoint).toMatchObject({ nextDay: 7 * 11, scored: false, completed: false });

    const second: string[] = [];
    const resumed = await runChurnStory({
      home,
      settings,
      signal: new AbortController().signal,
      progress: nullProgress,
      resume: checkpoint,
      say: (line) => second.push(line),
    });
    expect(resumed.completed, JSON.stringify(resumed.trainings)).toBe(true);
    expect(second[0]).toMatch(/^resuming at 2026-03-23, after 7 of 14 simulated days/);
    expect(second.filter((l) => l.startsWith("── week 11"))).toHaveLength(1);
    expect(second.some((l) => l.startsWith("── week 10"))).toBe(false);
    expect((await readCheckpoint(home))?.completed).toBe(true);

    const tracking = await openTracking({ root: home });
    try {
      // One run per day and per Monday, all succeeded: the stopped run was resumed, not repeated.
      const pipelines = new PipelineStore(tracking.database);
      const daily = await pipelines.listRuns({ pipeline: "features-daily", limit: 1000 });
      const weekly = await pipelines.listRuns({ pipeline: "train-weekly", limit: 1000 });
      expect(daily).toHaveLength(days);
      expect(weekly).toHaveLength(days / 7);
      expect([...daily, ...weekly].every((r) => r.status === "succeeded")).toBe(true);
      // Every training told once, across both processes.
      expect(resumed.trainings.map((t) => t.pipeline)).toEqual(["train-weekly", "train-weekly"]);
      // Each served day scored once: as many distinct request ids as logged rows.
      const logged = await openServingStore(tracking.database).readPredictions({
        deployment: "churn",
      });
      expect(logged.length, JSON.stringify(resumed.trainings)).toBeGreaterThan(0);
      expect(new Set(logged.map((p) => p.requestId)).size).toBe(logged.length);
      const servedDays = new Set(logged.map((p) => p.requestId.slice(0, 10)));
      expect(logged.length).toBe(servedDays.size * settings.requestsPerDay);
      expect(Object.values(resumed.predictions).reduce((a, b) => a + b, 0)).toBe(logged.length);
    } finally {
      await tracking.close();
    }
  }, 600_000);
});

describe("keel demo with an earlier story in its home", () => {
  it("never deletes it on its own: it names --resume and --fresh", async () => {
    const cwd = join(top, "flags");
    const home = join(cwd, "keel-demo");
    await prepareDemoHome(home);
    const io = captureIo(cwd);
    expect(await runCli(["demo", "--fast", "--no-serve"], io)).toBe(2);
    expect(io.stderr()).toContain(
      "holds an earlier keel demo story (stopped before its first simulated day)",
    );
    expect(io.stderr()).toContain("--resume");
    expect(io.stderr()).toContain("--fresh");
    expect(io.stderr()).not.toMatch(/\n\s+at /);
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(home)).toContain(DEMO_MARKER);
    expect(readdirSync(home)).toContain("keel.config.ts");

    const nothing = captureIo(cwd);
    expect(await runCli(["demo", "--fast", "--no-serve", "--resume"], nothing)).toBe(2);
    expect(nothing.stderr()).toContain("nothing to resume; run keel demo --fresh");

    const both = captureIo(cwd);
    expect(await runCli(["demo", "--fresh", "--resume", "--no-serve"], both)).toBe(2);
    expect(both.stderr()).toContain("pass one of them");

    const none = captureIo(join(top));
    expect(
      await runCli(["demo", "--resume", "--no-serve", "--home", join(top, "absent")], none),
    ).toBe(2);
    expect(none.stderr()).toContain("holds no keel demo story");
  });

  it("resumes only with the --fast the story was started with", async () => {
    const home = join(top, "keel-demo");
    // The story of the first test, complete, was made with tiny settings: neither flag matches.
    const io = captureIo(top);
    expect(await runCli(["demo", "--resume", "--no-serve", "--home", home], io)).toBe(2);
    expect(io.stderr()).toContain("the story in");
    expect(io.stderr()).toContain("--fresh");
  });
});
