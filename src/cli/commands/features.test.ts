import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../run.js";
import { captureIo } from "../testing/capture-io.js";

// The example feature repository, end to end through the CLI, in a copy so that .keel/ and
// outputs stay out of the source tree.
const example = join(import.meta.dirname, "..", "..", "..", "examples", "features");

function parseCsv(text: string): Record<string, string>[] {
  const [header = "", ...lines] = text.trim().split("\n");
  const names = header.split(",");
  return lines.map((line) =>
    Object.fromEntries(line.split(",").map((v, i) => [names[i] ?? "", v])),
  );
}

describe("keel apply / features on the example repository", () => {
  const dir = mkdtempSync(join(tmpdir(), "keel-features-cli-"));
  cpSync(example, dir, { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = {}; // no KEEL_REDIS_URL / KEEL_DB_URL: SQLite stores inside the copy
  const run = async (...argv: string[]) => {
    const io = captureIo(dir, env);
    const saved = { redis: process.env.KEEL_REDIS_URL, db: process.env.KEEL_DB_URL };
    delete process.env.KEEL_REDIS_URL;
    delete process.env.KEEL_DB_URL;
    try {
      const code = await runCli(argv, io);
      return { code, out: io.stdout(), err: io.stderr() };
    } finally {
      if (saved.redis !== undefined) process.env.KEEL_REDIS_URL = saved.redis;
      if (saved.db !== undefined) process.env.KEEL_DB_URL = saved.db;
    }
  };

  it("refuses to serve features before keel apply", async () => {
    const r = await run("features", "status");
    expect(r.code).toBe(2);
    expect(r.err).toContain("run 'keel apply'");
  });

  it("applies, shows the diff, and registers nothing new the second time", async () => {
    const dry = await run("apply", "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/added\s+featureView\s+customer_stats/);
    expect(dry.out).toContain("dry run");
    const first = await run("apply");
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/added\s+featureService\s+churn_v1/);
    const again = await run("apply");
    expect(again.out).toContain("no changes");
  }, 60_000);

  it("writes a point-in-time-correct training set for the feature service", async () => {
    const r = await run(
      "features",
      "historical",
      "--entities",
      "data/labels.csv",
      "--service",
      "churn_v1",
      "--out",
      "training.csv",
    );
    expect(r.code, r.err).toBe(0);
    const training = parseCsv(readFileSync(join(dir, "training.csv"), "utf8"));
    const labels = parseCsv(readFileSync(join(dir, "data", "labels.csv"), "utf8"));
    const stats = parseCsv(readFileSync(join(dir, "data", "customer_stats.csv"), "utf8"));
    expect(training.length).toBe(labels.length);
    expect(Object.keys(training[0] ?? {})).toEqual([
      "customer_id",
      "event_timestamp",
      "churned",
      "tenure",
      "recency",
      "frequency",
      "monetary",
      "plan",
      "support_tickets",
      "logins_7d",
    ]);
    // Brute force: the newest stats row not after the label time and at most 2 days older, ties to the later `created`.
    let matched = 0;
    labels.forEach((label, i) => {
      const t = Date.parse(label.event_timestamp ?? "");
      const candidates = stats
        .filter(
          (s) =>
            s.customer_id === label.customer_id &&
            Date.parse(s.event_timestamp ?? "") <= t &&
            Date.parse(s.event_timestamp ?? "") >= t - 2 * 86_400_000,
        )
        .sort(
          (a, b) =>
            Date.parse(b.event_timestamp ?? "") - Date.parse(a.event_timestamp ?? "") ||
            Date.parse(b.created ?? "") - Date.parse(a.created ?? ""),
        );
      const row = training[i];
      expect(row?.customer_id).toBe(label.customer_id);
      const got = row?.monetary === "" || row?.monetary === undefined ? null : Number(row.monetary);
      expect(got, `label ${i}`).toBe(
        candidates[0] === undefined ? null : Number(candidates[0].monetary),
      );
      if (candidates[0] !== undefined) matched++;
    });
    expect(matched).toBeGreaterThan(100);
  }, 60_000);

  it("materialises idempotently and serves online values with freshness statuses", async () => {
    const first = await run(
      "features",
      "materialize",
      "--start",
      "2026-03-01",
      "--end",
      "2026-03-15",
      "--json",
    );
    expect(first.code, first.err).toBe(0);
    const rows = JSON.parse(first.out) as { view: string; rows: number }[];
    expect(rows.map((r) => r.view)).toEqual(["customer_stats", "activity"]);
    expect(rows[0]?.rows).toBe(50);
    const again = await run(
      "features",
      "materialize",
      "--start",
      "2026-03-01",
      "--end",
      "2026-03-15",
      "--json",
    );
    expect(JSON.parse(again.out)).toEqual(rows);
    const online = await run(
      "features",
      "online",
      "--features",
      "customer_stats:tenure,activity:logins_7d",
      "--entity",
      "customer_id=1001",
      "--entity",
      "customer_id=99",
      "--json",
    );
    expect(online.code, online.err).toBe(0);
    const result = JSON.parse(online.out) as {
      metadata: { featureNames: string[] };
      results: { values: unknown[]; statuses: string[] }[];
    };
    expect(result.metadata.featureNames).toEqual(["customer_id", "tenure", "logins_7d"]);
    // The data ends on 2026-03-14 and the TTLs are 2 days and 1 day, so today every value is withheld.
    expect(result.results[1]?.statuses).toEqual(["OUTSIDE_MAX_AGE", "NOT_FOUND"]);
    expect(result.results[1]?.values).toEqual([null, null]);
    const status = await run("features", "status");
    expect(status.out).toMatch(/customer_stats\s+yes\s+2026-03-15T00:00:00Z/);
    expect(status.out).toContain("STALE");
  }, 60_000);

  it("checks freshness against each view's target and alerts to the configured sinks, exit 1 when stale", async () => {
    // The watermark is 2026-03-15; customer_stats' target is 1 day (its freshness), activity's its 1-day TTL.
    // The newest rows are from 2026-03-14T00:00 (customer_stats) and 12:00 (activity).
    const fresh = await run("features", "freshness", "--at", "2026-03-14T20:00:00Z", "--json");
    expect(fresh.code, fresh.err).toBe(0);
    expect(JSON.parse(fresh.out)).toMatchObject({ stale: [], deliveries: [] });
    const stale = await run("features", "freshness", "--at", "2026-03-16T06:00:00Z", "--json");
    expect(stale.code, stale.err).toBe(1);
    const report = JSON.parse(stale.out) as {
      stale: string[];
      deliveries: { view: string; sink: string; status: string }[];
    };
    expect(report.stale).toEqual(["customer_stats", "activity"]);
    expect(report.deliveries.map((d) => [d.view, d.sink.split(":")[0], d.status])).toEqual([
      ["customer_stats", "log", "delivered"],
      ["customer_stats", "file", "delivered"],
      ["activity", "log", "delivered"],
      ["activity", "file", "delivered"],
    ]);
    const lines = readFileSync(join(dir, "alerts.jsonl"), "utf8").trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { monitor: string }).monitor)).toEqual([
      "features:customer_stats",
      "features:activity",
    ]);
    expect(stale.err).toContain(
      "feature view 'customer_stats' is stale (target 1d): last materialised up to 1d6h ago; its newest row is 2d6h old",
    );
    // Within the 360-minute cooldown the same alerts are suppressed; the table says STALE.
    const again = await run("features", "freshness", "--at", "2026-03-16T07:00:00Z");
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/customer_stats\s+1d7h\s+2d7h\s+1d\s+STALE/);
    expect(again.out).toContain("alert features:customer_stats → log: suppressed");
    const alerts = await run("monitor", "alerts", "--monitor", "features:activity", "--json");
    expect((JSON.parse(alerts.out) as { status: string }[]).map((d) => d.status)).toEqual([
      "suppressed",
      "suppressed",
      "delivered",
      "delivered",
    ]);
    const unknown = await run("features", "freshness", "--views", "customer_stat");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("customer_stat");
  }, 60_000);

  it("runs the example's features-daily pipeline: materialised up to now, its rows from March are still stale", async () => {
    const r = await run("run", "features-daily", "--json");
    expect(r.code, r.err + r.out).toBe(0);
    const result = JSON.parse(r.out) as {
      run: { status: string };
      steps: { step: string; outputs: { stale?: string[] } | null }[];
    };
    expect(result.run.status).toBe("succeeded");
    const freshness = result.steps.find((s) => s.step === "freshness")?.outputs ?? {};
    // The watermark is now fresh, but the newest rows are months old: reads would withhold them.
    expect(freshness.stale).toEqual(["customer_stats", "activity"]);
    // The step's file sink wrote into the project (not the process's working directory).
    const lines = readFileSync(join(dir, "alerts.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(4);
    const status = await run("features", "freshness", "--no-alert");
    expect(status.code, status.out).toBe(1);
    // Materialised seconds ago, newest row months old.
    expect(status.out).toMatch(/customer_stats\s+(\d+m)?\d+s\s+\d+d[\dhms]*\s+1d\s+STALE/);
  }, 60_000);

  it("keeps versions, rolls a view back, and reports them in history", async () => {
    const config = join(dir, "keel.config.ts");
    writeFileSync(config, readFileSync(config, "utf8").replace('ttl: "2d"', 'ttl: "3d"'));
    const applied = await run("apply");
    expect(applied.out).toMatch(/changed\s+featureView\s+customer_stats\s+1 -> 2\s+ttl/);
    const rollback = await run("features", "rollback", "customer_stats", "--to", "1");
    expect(rollback.code, rollback.err).toBe(0);
    const history = await run("features", "history", "customer_stats", "--json");
    const versions = JSON.parse(history.out) as {
      version: number;
      spec: { ttl: string };
      comment: string;
    }[];
    expect(versions.map((v) => [v.version, v.spec.ttl])).toEqual([
      [1, "2d"],
      [2, "3d"],
      [3, "2d"],
    ]);
    expect(versions[2]?.comment).toBe("rollback to version 1");
    const missing = await run("features", "rollback", "customer_stats", "--to", "9");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("has no version 9");
  }, 60_000);

  it("rejects entity rows without event_timestamp, naming the file and column", async () => {
    writeFileSync(join(dir, "bad.csv"), "customer_id,ts\n1001,2026-03-02\n");
    const r = await run(
      "features",
      "historical",
      "--entities",
      "bad.csv",
      "--features",
      "customer_stats:tenure",
      "--out",
      "x.csv",
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain("bad.csv");
    expect(r.err).toContain("event_timestamp");
  });
});
