import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../run.js";
import { captureIo } from "../testing/capture-io.js";

const root = mkdtempSync(join(tmpdir(), "keel-cli-pipelines-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

writeFileSync(
  join(root, "keel.config.ts"),
  `import { existsSync } from "node:fs";
import { join } from "node:path";
import { defineConfig, definePipeline, step } from "keel";

const weekly = definePipeline({
  name: "weekly",
  schedule: { cron: "0 6 * * 1", timezone: "America/New_York" },
  params: { factor: 2 },
  steps: {
    ingest: step({ run: (ctx) => ({ week: ctx.logicalDate.toISOString() }) }),
    score: step({
      after: ["ingest"],
      retries: 1,
      retryDelay: 1,
      run: (ctx) => {
        if (!existsSync(join(ctx.root, "fixed"))) throw new Error("model server unreachable");
        return { factor: ctx.params.factor };
      },
    }),
  },
});

const checks = definePipeline({
  name: "checks",
  steps: {
    validate: step({
      run: async (ctx) => {
        await ctx.rejectRecords([{ customer: "7590-VHVEG", tenure: -1 }], "tenure < 0");
        return { kept: 99 };
      },
    }),
  },
});

const order = definePipeline({
  name: "order",
  steps: {
    zeta: step({ run: () => 1 }),
    alpha: step({ after: ["zeta"], run: () => 2 }),
  },
});

export default defineConfig({ pipelines: [weekly, checks, order] });
`,
);

async function keel(...argv: string[]) {
  const io = captureIo(root);
  const code = await runCli(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe("keel run, dlq, backfill and pipelines", () => {
  it("refuses a --date that is not an ISO date on the calendar instead of guessing", async () => {
    for (const date of ["05/01/2026", "2026-02-30", "Jan 5 2026"]) {
      const r = await keel("run", "weekly", "--date", date);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`--date must be an ISO date or time`);
      expect(r.err).toContain(`got '${date}'`);
    }
  });

  it("runs, files a failing step in the dead-letter table, and replays it after a fix", async () => {
    const failed = await keel("run", "weekly", "--date", "2026-01-05T11:00:00Z", "--json");
    expect(failed.code).toBe(1);
    const run = JSON.parse(failed.out) as {
      run: { runId: string; status: string };
      steps: { step: string; status: string; attempts: number }[];
    };
    expect(run.steps.map((s) => [s.step, s.status, s.attempts])).toEqual([
      ["ingest", "succeeded", 1],
      ["score", "failed", 2],
    ]);

    const list = await keel("dlq", "list", "--json");
    const [letter] = JSON.parse(list.out) as {
      id: number;
      step: string;
      error: string;
      attempts: number;
    }[];
    expect(letter).toMatchObject({ step: "score", error: "model server unreachable", attempts: 2 });
    const shown = await keel("dlq", "show", String(letter?.id));
    expect(shown.out).toContain("error: model server unreachable");

    writeFileSync(join(root, "fixed"), "");
    const replayed = await keel("dlq", "replay", String(letter?.id));
    expect(replayed.code).toBe(0);
    expect(replayed.out).toContain(
      `run ${run.run.runId} of 'weekly' for 2026-01-05T11:00:00.000Z: succeeded`,
    );
    expect(JSON.parse((await keel("dlq", "list", "--json")).out)).toEqual([]);

    const again = await keel("run", "weekly", "--date", "2026-01-05T11:00:00Z", "--json");
    expect((JSON.parse(again.out) as typeof run).steps.map((s) => s.status)).toEqual([
      "cached",
      "cached",
    ]);
    const forced = await keel(
      "run",
      "weekly",
      "--date",
      "2026-01-05T11:00:00Z",
      "--force",
      "--param",
      "factor=3",
      "--json",
    );
    expect((JSON.parse(forced.out) as { steps: { outputs: unknown }[] }).steps[1]?.outputs).toEqual(
      { factor: 3 },
    );
  });

  it("backfills the schedule's dates in its time zone; a second backfill does nothing", async () => {
    const first = await keel(
      "backfill",
      "weekly",
      "--from",
      "2026-02-01",
      "--to",
      "2026-02-28",
      "--json",
    );
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.out) as {
      dates: number;
      ran: number;
      runs: { logicalDate: string }[];
    };
    expect([summary.dates, summary.ran]).toEqual([4, 4]);
    // 06:00 in New York is 11:00Z in winter.
    expect(summary.runs[0]?.logicalDate).toBe("2026-02-02T11:00:00.000Z");
    expect(
      (await keel("backfill", "weekly", "--from", "2026-02-01", "--to", "2026-02-28")).out,
    ).toBe("4 scheduled dates: 0 run, 4 already done\n");
    // A day is the whole day in the schedule's zone: Monday 23 February's 06:00 New York run.
    expect(
      (await keel("backfill", "weekly", "--from", "2026-02-23", "--to", "2026-02-23")).out,
    ).toBe("1 scheduled date: 0 run, 1 already done\n");
    const runs = await keel("pipelines", "runs", "weekly", "--json");
    expect((JSON.parse(runs.out) as unknown[]).length).toBe(7);
  });

  it("reads --date DAY as the schedule's fire time that day, so a manual run shares the backfill's date", async () => {
    const r = await keel("run", "weekly", "--date", "2026-01-05", "--json");
    const { run, steps } = JSON.parse(r.out) as {
      run: { logicalDate: string };
      steps: { status: string }[];
    };
    // 06:00 in New York on that Monday: the date the earlier run used, so nothing reruns.
    expect(run.logicalDate).toBe("2026-01-05T11:00:00.000Z");
    expect(steps.map((s) => s.status)).toEqual(["cached", "cached"]);
    const shown = await keel("pipelines", "show", "weekly");
    expect(shown.out).toContain("of 'weekly' for 2026-01-05T11:00:00.000Z: succeeded");
    const list = await keel("pipelines", "list");
    expect(list.out).toContain("factor=2");
    expect(list.out).toContain("0 6 * * 1 (America/New_York)");
    expect(list.out).toContain("manual only");
  });

  it("names what is wrong: an unknown pipeline, resume of an unknown run, a bad date", async () => {
    const unknown = await keel("run", "weeky");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("no pipeline named 'weeky' in the config; pipelines: weekly");
    const resume = await keel("run", "weekly", "--resume", "feedface");
    expect(resume.err).toContain("no pipeline run with id 'feedface'");
    const range = await keel("backfill", "weekly", "--from", "2026-03-01", "--to", "2026-02-01");
    expect(range.err).toContain("the range must start before it ends");
  });

  it("refuses a --param the pipeline does not declare, listing the declared ones (run and backfill)", async () => {
    const run = await keel("run", "weekly", "--param", "factr=3");
    expect(run.code).toBe(2);
    expect(run.err).toContain(
      "pipeline 'weekly' has no param 'factr'; its params are factor (default 2). 'factr': did you mean 'factor'?",
    );
    const filled = await keel(
      "backfill",
      "weekly",
      "--from",
      "2026-04-01",
      "--to",
      "2026-04-30",
      "--param",
      "nope=1",
    );
    expect(filled.code).toBe(2);
    expect(filled.err).toContain("pipeline 'weekly' has no param 'nope'");
    const none = await keel("run", "checks", "--param", "x=1");
    expect(none.err).toContain("pipeline 'checks' has no param 'x'; it declares no params");
    const executor = await keel("run", "weekly", "--executor", "local");
    expect(executor.code).toBe(2);
    expect(executor.err).toContain(
      "--executor must be 'threads', 'inline' or 'queue', got 'local'",
    );
  });

  it("refuses a scheduler --param a scheduled pipeline does not declare, before anything runs", async () => {
    const typo = await keel("scheduler", "--param", "weekly.factr=3", "--executor", "inline");
    expect(typo.code).toBe(2);
    expect(typo.err).toContain(
      "pipeline 'weekly' has no param 'factr'; its params are factor (default 2). 'factr': did you mean 'factor'?",
    );
    const unscheduled = await keel("scheduler", "--param", "checks.x=1", "--executor", "inline");
    expect(unscheduled.code).toBe(2);
    expect(unscheduled.err).toContain(
      "runScheduler params: 'checks' is not a scheduled pipeline; scheduled: weekly",
    );
    const flat = await keel("scheduler", "--param", "factor=3", "--executor", "inline");
    expect(flat.code).toBe(2);
    expect(flat.err).toContain("keel scheduler --param needs PIPELINE.key=value");
  });

  it("shows a run's steps in the order they ran, not by name", async () => {
    expect((await keel("run", "order", "--date", "2026-01-05")).code).toBe(0);
    const shown = (await keel("pipelines", "show", "order")).out;
    expect(shown.indexOf("zeta")).toBeGreaterThan(0);
    expect(shown.indexOf("zeta")).toBeLessThan(shown.indexOf("alpha"));
    expect((await keel("pipelines", "list")).out).toContain("zeta → alpha");
  });

  it("says a rejected record's letter is evidence, not work: replay names what to do instead", async () => {
    const ran = await keel("run", "checks", "--date", "2026-01-05", "--executor", "inline");
    expect(ran.code).toBe(0);
    const letters = JSON.parse(
      (await keel("dlq", "list", "--pipeline", "checks", "--json")).out,
    ) as {
      id: number;
      kind: string;
      payload: unknown;
    }[];
    expect(letters).toMatchObject([
      { kind: "record", payload: { customer: "7590-VHVEG", tenure: -1 } },
    ]);
    const replay = await keel("dlq", "replay", String(letters[0]?.id));
    expect(replay.code).toBe(2);
    expect(replay.err).toContain("KEEL_ERR_UNSUPPORTED");
    expect(replay.err).toContain("is a record step 'validate' rejected (tenure < 0)");
  });
});
