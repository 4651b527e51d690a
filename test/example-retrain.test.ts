import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli/run.js";
import { captureIo } from "../src/cli/testing/capture-io.js";
import { openTracking } from "../src/track/index.js";

// The example runs in a copy laid out as in the repository (examples/retrain next to data/),
// so that its .keel/ state stays out of the source tree.
const repo = join(import.meta.dirname, "..");
const top = mkdtempSync(join(tmpdir(), "keel-example-retrain-"));
const root = join(top, "examples", "retrain");
mkdirSync(root, { recursive: true });
mkdirSync(join(top, "data"));
copyFileSync(join(repo, "examples", "retrain", "keel.config.ts"), join(root, "keel.config.ts"));
for (const f of ["telco_churn.csv", "telco-checks.json"])
  copyFileSync(join(repo, "data", f), join(top, "data", f));
afterAll(() => rmSync(top, { recursive: true, force: true }));

interface RunJson {
  run: { runId: string; status: string };
  steps: { step: string; status: string; outputs: Record<string, unknown> | null }[];
}

async function keel(...argv: string[]) {
  const io = captureIo(root);
  const code = await runCli(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const MONDAY = "2025-03-03T02:00:00Z"; // 03:00 in Berlin

describe("examples/retrain: ingest → validate → train → evaluate → promote", () => {
  it("runs and promotes the first champion, then serves an identical run from the cache", async () => {
    const first = await keel("run", "churn-retrain", "--date", MONDAY, "--json");
    expect(first.err).toBe("");
    const run = JSON.parse(first.out) as RunJson;
    expect(run.run.status).toBe("succeeded");
    expect(run.steps.map((s) => s.step)).toEqual([
      "ingest",
      "validate",
      "train",
      "evaluate",
      "promote",
    ]);
    const promote = run.steps.find((s) => s.step === "promote")?.outputs;
    expect(promote).toMatchObject({ promoted: true, challenger: 1, champion: null });
    expect(String(promote?.reason)).toContain("no @champion yet and all 1 gates passed");
    expect(
      Number(
        (run.steps.find((s) => s.step === "evaluate")?.outputs as { auc: number } | undefined)?.auc,
      ),
    ).toBeGreaterThan(0.8);
    // The 11 Telco rows without total charges were rejected into the dead-letter table.
    const letters = JSON.parse((await keel("dlq", "list", "--json")).out) as { kind: string }[];
    expect(letters.length).toBeGreaterThan(0);
    expect(letters.every((l) => l.kind === "record")).toBe(true);

    const again = JSON.parse(
      (await keel("run", "churn-retrain", "--date", MONDAY, "--json")).out,
    ) as RunJson;
    expect(again.steps.map((s) => s.status)).toEqual([
      "cached",
      "cached",
      "cached",
      "cached",
      "cached",
    ]);
  }, 300_000);

  it("resumes a failed run after a fix without redoing finished steps", async () => {
    const checks = join(top, "data", "telco-checks.json");
    renameSync(checks, `${checks}.away`);
    const failed = JSON.parse(
      (await keel("run", "churn-retrain", "--date", "2025-03-10T02:00:00Z", "--json")).out,
    ) as RunJson;
    expect(failed.run.status).toBe("failed");
    expect(failed.steps.map((s) => s.status)).toEqual([
      "succeeded",
      "failed",
      "upstream_failed",
      "upstream_failed",
      "upstream_failed",
    ]);
    renameSync(`${checks}.away`, checks);
    const resumed = JSON.parse(
      (await keel("run", "churn-retrain", "--resume", "--json")).out,
    ) as RunJson;
    expect(resumed.run.runId).toBe(failed.run.runId);
    expect(resumed.run.status).toBe("succeeded");
    const tracking = await openTracking({ root });
    try {
      // Two weeks trained, each registered once.
      const versions = await tracking.models.searchVersions({ filter: "name = 'churn'" });
      expect(versions.items).toHaveLength(2);
    } finally {
      await tracking.close();
    }
  }, 300_000);

  it("backfills Mondays in order, promoting only on a real improvement; a second backfill does nothing", async () => {
    const first = await keel(
      "backfill",
      "churn-retrain",
      "--from",
      "2025-03-01",
      "--to",
      "2025-03-20",
      "--json",
    );
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({ dates: 3, ran: 1, skipped: 2, succeeded: true });
    const second = await keel(
      "backfill",
      "churn-retrain",
      "--from",
      "2025-03-01",
      "--to",
      "2025-03-20",
    );
    expect(second.out).toBe("3 scheduled dates: 0 run, 3 already done\n");
    const tracking = await openTracking({ root });
    try {
      const history = await tracking.models.aliasHistory("churn", "champion");
      expect(history.length).toBeGreaterThanOrEqual(1);
      for (const event of history)
        expect(event.reason).toMatch(/promoted: .*\[pipeline churn-retrain run \w+\]$/);
      const versions = (await tracking.models.searchVersions({ filter: "name = 'churn'" })).items;
      expect(versions).toHaveLength(3);
      // Every version carries the promotion decision, promoted or not.
      for (const v of versions)
        expect(v.tags.find((t) => t.key === "keel.promotion")?.value).toMatch(/^(not )?promoted: /);
    } finally {
      await tracking.close();
    }
  }, 300_000);
});
