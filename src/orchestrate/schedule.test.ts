import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MetadataDatabase, openDatabase } from "../store/index.js";
import {
  backfill,
  type Clock,
  dayStartIn,
  definePipeline,
  fireTimeOn,
  fireTimes,
  latestFireTime,
  PipelineStore,
  runScheduler,
  step,
  triggerPipeline,
} from "./index.js";

describe("schedules", () => {
  it("reads cron fields in the pipeline's time zone, daylight saving included", () => {
    const weekly = definePipeline({
      name: "weekly",
      schedule: { cron: "0 3 * * 1", timezone: "Europe/Berlin" },
      steps: { a: step({ run: () => 1 }) },
    });
    const dates = fireTimes(
      weekly,
      new Date("2026-03-20T00:00:00Z"),
      new Date("2026-04-07T00:00:00Z"),
    );
    // 03:00 in Berlin is 02:00Z before the switch to summer time (29 March), 01:00Z after.
    expect(dates.map((d) => d.toISOString())).toEqual([
      "2026-03-23T02:00:00.000Z",
      "2026-03-30T01:00:00.000Z",
      "2026-04-06T01:00:00.000Z",
    ]);
    expect(latestFireTime(weekly, new Date("2026-03-31T00:00:00Z"))?.toISOString()).toBe(
      "2026-03-30T01:00:00.000Z",
    );
  });

  it("finds a day's fire time in the schedule's time zone, for manual runs of that day", () => {
    const at = (cron: string, timezone: string) =>
      definePipeline({
        name: "p",
        schedule: { cron, timezone },
        steps: { a: step({ run: () => 1 }) },
      });
    const berlin = at("0 3 * * 1", "Europe/Berlin");
    expect(fireTimeOn(berlin, "2026-03-23")?.toISOString()).toBe("2026-03-23T02:00:00.000Z");
    expect(fireTimeOn(berlin, "2026-03-30")?.toISOString()).toBe("2026-03-30T01:00:00.000Z");
    expect(fireTimeOn(berlin, "2026-03-31")).toBeUndefined();
    expect(dayStartIn("Europe/Berlin", "2025-03-10").toISOString()).toBe(
      "2025-03-09T23:00:00.000Z",
    );
    expect(dayStartIn("America/New_York", "2026-07-01").toISOString()).toBe(
      "2026-07-01T04:00:00.000Z",
    );
    // Late in the day west of UTC is the next day in UTC; early east of it, the day before.
    expect(fireTimeOn(at("0 22 * * *", "America/New_York"), "2026-01-05")?.toISOString()).toBe(
      "2026-01-06T03:00:00.000Z",
    );
    expect(fireTimeOn(at("30 1 * * *", "Pacific/Kiritimati"), "2026-01-05")?.toISOString()).toBe(
      "2026-01-04T11:30:00.000Z",
    );
    expect(
      fireTimeOn(definePipeline({ name: "m", steps: { a: step({ run: () => 1 }) } }), "2026-01-05"),
    ).toBeUndefined();
  });

  it("names the pipeline and the expression or time zone that does not parse", () => {
    expect(() =>
      definePipeline({ name: "bad", schedule: "0 25 * * *", steps: { a: step({ run: () => 1 }) } }),
    ).toThrow(/pipeline 'bad': cron expression '0 25 \* \* \*' does not parse/);
    expect(() =>
      definePipeline({
        name: "tz",
        schedule: { cron: "0 3 * * *", timezone: "Mars/Olympus" },
        steps: { a: step({ run: () => 1 }) },
      }),
    ).toThrow("pipeline 'tz': time zone 'Mars/Olympus' is not an IANA time zone");
  });
});

describe("backfill, the scheduler and triggers", () => {
  let root: string;
  let database: MetadataDatabase;
  let store: PipelineStore;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "keel-orch-bf-"));
    database = await openDatabase({ root });
    store = new PipelineStore(database);
  });
  afterAll(async () => {
    await database.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("runs 52 weekly dates in order once; a second backfill over them does nothing", async () => {
    const seen: string[] = [];
    const weekly = definePipeline({
      name: "weekly-retrain",
      schedule: "0 0 * * 1",
      steps: {
        features: step({
          run: (ctx) => {
            seen.push(ctx.logicalDate.toISOString());
            return { week: ctx.logicalDate.toISOString() };
          },
        }),
        train: step({
          after: ["features"],
          run: (ctx) => ({ trainedOn: ctx.inputs.features ?? null }),
        }),
      },
    });
    const range = { from: new Date("2025-01-01T00:00:00Z"), to: new Date("2025-12-31T00:00:00Z") };
    const first = await backfill(weekly, { store, root, ...range });
    expect(first.dates).toHaveLength(52);
    expect(first.ran).toHaveLength(52);
    expect(first.succeeded).toBe(true);
    expect(seen).toEqual(first.dates.map((d) => d.toISOString()));
    const runs = await store.listRuns({ pipeline: "weekly-retrain", limit: 1000 });
    expect(new Set(runs.map((r) => r.logicalDate.getTime())).size).toBe(52);
    expect(runs.every((r) => r.trigger === "backfill" && r.status === "succeeded")).toBe(true);
    const second = await backfill(weekly, { store, root, ...range });
    expect(second.ran).toHaveLength(0);
    expect(second.skipped).toHaveLength(52);
    expect(seen).toHaveLength(52);
    expect(await store.listRuns({ pipeline: "weekly-retrain", limit: 1000 })).toHaveLength(52);
  }, 120_000);

  it("runs the latest missed fire time only, without catch-up; every one with it", async () => {
    const make = (name: string, catchup: boolean) =>
      definePipeline({
        name,
        schedule: { cron: "0 * * * *", catchup },
        steps: { a: step({ run: (ctx) => ctx.logicalDate.toISOString() }) },
      });
    for (const [name, catchup, expected] of [
      ["hourly-latest", false, 1],
      ["hourly-catchup", true, 3],
    ] as const) {
      const pipeline = make(name, catchup);
      // An earlier scheduled run at 00:00; the scheduler comes back at 03:30.
      await store
        .createRun({
          pipeline: name,
          logicalDate: new Date("2026-01-01T00:00:00Z"),
          params: {},
          paramsHash: "",
          trigger: "schedule",
          executor: "local",
          steps: [],
        })
        .then((r) => store.finishRun(r.runId, "succeeded"));
      let now = Date.parse("2026-01-01T03:30:00Z");
      const controller = new AbortController();
      const clock: Clock = {
        now: () => now,
        sleep: async (ms) => {
          now += ms;
          controller.abort();
        },
      };
      await runScheduler([pipeline], { store, root, clock, signal: controller.signal });
      const runs = await store.listRuns({ pipeline: name });
      expect(runs.filter((r) => r.trigger === "schedule")).toHaveLength(expected + 1);
      expect(runs[0]?.logicalDate.toISOString()).toBe("2026-01-01T03:00:00.000Z");
    }
  });

  it("carries params into scheduled runs and backfills: the schedule's, then runScheduler's, each checked", async () => {
    const weekly = definePipeline({
      name: "weekly-params",
      params: { trials: 50, folds: 5 },
      schedule: { cron: "0 3 * * 1", params: { trials: 20 } },
      steps: {
        a: step({
          run: (ctx) => ({ trials: Number(ctx.params.trials), folds: Number(ctx.params.folds) }),
        }),
      },
    });
    const once = async (params?: Record<string, Record<string, unknown>>) => {
      // Sleeps until the next Monday 03:00, runs it, and stops at the following sleep.
      let now = Date.parse("2026-01-04T00:00:00Z");
      let sleeps = 0;
      const controller = new AbortController();
      const clock: Clock = {
        now: () => now,
        sleep: async (ms) => {
          now += ms;
          if (++sleeps === 2) controller.abort();
        },
      };
      const ran: unknown[] = [];
      await runScheduler([weekly], {
        store,
        root,
        clock,
        signal: controller.signal,
        ...(params === undefined ? {} : { params }),
        onRun: (_, r) => ran.push(JSON.parse(r.steps[0]?.outputs ?? "null")),
      });
      return ran;
    };
    expect(await once()).toEqual([{ trials: 20, folds: 5 }]);
    expect(await once({ "weekly-params": { folds: 3 } })).toEqual([{ trials: 20, folds: 3 }]);
    // A backfill replays the scheduled runs with the schedule's params.
    const replayed = await backfill(weekly, {
      store,
      root,
      from: new Date("2025-12-01T00:00:00Z"),
      to: new Date("2025-12-08T12:00:00Z"),
    });
    expect(replayed.ran.map((r) => r.params)).toEqual([
      { trials: 20, folds: 5 },
      { trials: 20, folds: 5 },
    ]);

    // Undeclared params and unscheduled pipelines are refused before anything runs.
    await expect(once({ "weekly-params": { trails: 10 } })).rejects.toThrow(
      "pipeline 'weekly-params' has no param 'trails'; its params are trials (default 50), folds (default 5). 'trails': did you mean 'trials'?",
    );
    await expect(once({ "weekly-parms": { trials: 10 } })).rejects.toThrow(
      "runScheduler params: 'weekly-parms' is not a scheduled pipeline; scheduled: weekly-params",
    );
    await expect(once({ "weekly-params": { trials: "ten" } })).rejects.toThrow(
      "param 'trials' of pipeline 'weekly-params' is a number (default 50), got \"ten\"",
    );
    expect(() =>
      definePipeline({
        name: "bad-schedule-params",
        params: { trials: 50 },
        schedule: { cron: "0 3 * * 1", params: { trails: 20 } },
        steps: { a: step({ run: () => 1 }) },
      }),
    ).toThrow("pipeline 'bad-schedule-params' has no param 'trails'");
  });

  it("starts a run from a trigger with the reason as a param", async () => {
    const retrain = definePipeline({
      name: "on-drift",
      steps: { a: step({ run: (ctx) => ({ why: String(ctx.params.reason) }) }) },
    });
    const { run, steps } = await triggerPipeline(retrain, {
      store,
      root,
      source: "drift",
      reason: "PSI 0.31 on tenure",
    });
    expect(run.trigger).toBe("trigger:drift");
    expect(JSON.parse(steps[0]?.outputs ?? "")).toEqual({ why: "PSI 0.31 on tenure" });
  });
});
