import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Simulation, simulate, writeWarehouse } from "../examples/churn/simulate.js";
import { readFrame } from "../src/data/index.js";
import { createPgDatabase, dropPgDatabase } from "../src/store/testing/index.js";

const dir = mkdtempSync(join(tmpdir(), "keel-churn-sim-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pgUrl = process.env.KEEL_TEST_PG_URL;

const OPTIONS = { seed: 11, customers: 400, weeks: 8, changeWeek: 5 } as const;

/** Mean of a per-customer-day column and churns per subscribed customer-day, before and after the change. */
function split(sim: Simulation) {
  const change = new Date(sim.changeMs).toISOString().slice(0, 10);
  const acc = { before: { days: 0, tickets: 0 }, after: { days: 0, tickets: 0 } };
  sim.activity.day.forEach((day, i) => {
    const side = day >= change ? acc.after : acc.before;
    side.days++;
    side.tickets += sim.activity.support_tickets[i] as number;
  });
  const plans = new Map(sim.customers.customer_id.map((id, i) => [id, sim.customers.plan[i]]));
  const proDays = { before: 0, after: 0 };
  sim.activity.day.forEach((day, i) => {
    if (plans.get(sim.activity.customer_id[i] as number) === "pro")
      proDays[day >= change ? "after" : "before"]++;
  });
  const proChurn = { before: 0, after: 0 };
  sim.churn.churned_at.forEach((day, i) => {
    if (plans.get(sim.churn.customer_id[i] as number) === "pro")
      proChurn[day >= change ? "after" : "before"]++;
  });
  const churns = { before: 0, after: 0 };
  for (const day of sim.churn.churned_at) churns[day >= change ? "after" : "before"]++;
  return {
    ticketsBefore: acc.before.tickets / acc.before.days,
    ticketsAfter: acc.after.tickets / acc.after.days,
    churnBefore: churns.before / acc.before.days,
    churnAfter: churns.after / acc.after.days,
    proChurnBefore: proChurn.before / proDays.before,
    proChurnAfter: proChurn.after / proDays.after,
  };
}

describe("examples/churn/simulate", () => {
  it("gives the same tables for the same seed and different ones for another", () => {
    const a = simulate(OPTIONS);
    const b = simulate(OPTIONS);
    expect(b.activity).toEqual(a.activity);
    expect(b.churn).toEqual(a.churn);
    expect(b.customers).toEqual(a.customers);
    const c = simulate({ ...OPTIONS, seed: 12 });
    expect(c.activity.logins).not.toEqual(a.activity.logins);
  });

  it("has churn that follows behaviour: churners logged in less in their last week", () => {
    const sim = simulate(OPTIONS);
    expect(sim.churn.customer_id.length).toBeGreaterThan(50);
    const churnDay = new Map(
      sim.churn.customer_id.map((id, i) => [id, sim.churn.churned_at[i] as string]),
    );
    const week = 7 * 86_400_000;
    const logins = { churners: [0, 0], others: [0, 0] };
    sim.activity.day.forEach((day, i) => {
      const id = sim.activity.customer_id[i] as number;
      const end = churnDay.get(id);
      const last = end !== undefined && Date.parse(end) - Date.parse(day) < week;
      const side = last ? logins.churners : logins.others;
      side[0] = (side[0] as number) + (sim.activity.logins[i] as number);
      side[1] = (side[1] as number) + 1;
    });
    const rate = (x: number[]) => (x[0] as number) / (x[1] as number);
    expect(rate(logins.churners)).toBeLessThan(0.8 * rate(logins.others));
  });

  it("shifts tickets and churn after the business change, most for the pro plan", () => {
    const s = split(simulate(OPTIONS));
    expect(s.ticketsAfter).toBeGreaterThan(1.8 * s.ticketsBefore);
    expect(s.churnAfter).toBeGreaterThan(1.2 * s.churnBefore);
    expect(s.proChurnAfter).toBeGreaterThan(1.5 * s.proChurnBefore);
  });

  it("writes the event tables into DuckDB and as Parquet, row for row", async () => {
    const sim = simulate({ ...OPTIONS, customers: 100, weeks: 2 });
    const file = join(dir, "warehouse.duckdb");
    await writeWarehouse(sim, file);
    const activity = await readFrame({
      duckdb: file,
      sql: "SELECT * FROM churn_warehouse.activity ORDER BY customer_id, day",
    });
    expect(activity.nRows).toBe(sim.activity.customer_id.length);
    const payments = await readFrame({
      duckdb: file,
      sql: "SELECT sum(amount) AS total FROM churn_warehouse.payments",
    });
    const total = sim.payments.amount.reduce((a, b) => a + b, 0);
    expect(payments.numeric("total")[0]).toBeCloseTo(total, 6);
    const parquet = join(dir, "parquet");
    await import("node:fs/promises").then((fs) => fs.mkdir(parquet));
    await writeWarehouse(sim, parquet, { format: "parquet" });
    const churn = await readFrame(join(parquet, "churn.parquet"));
    expect(churn.nRows).toBe(sim.churn.customer_id.length);
  });

  it.skipIf(!pgUrl)(
    "writes the event tables into PostgreSQL at a postgres:// URL, replacing them",
    async () => {
      const database = `keel_churn_sim_${process.pid}`;
      const url = await createPgDatabase(pgUrl ?? "", database);
      try {
        const sim = simulate({ ...OPTIONS, customers: 100, weeks: 2 });
        // Twice: a fresh story replaces the schema rather than adding to it.
        await writeWarehouse(sim, url);
        await writeWarehouse(sim, url);
        const counts = await readFrame({
          postgres: url,
          sql: `SELECT (SELECT count(*) FROM churn_warehouse.activity) AS activity,
                       (SELECT count(*) FROM churn_warehouse.customers) AS customers,
                       (SELECT count(*) FROM churn_warehouse.churn) AS churn,
                       (SELECT sum(amount) FROM churn_warehouse.payments) AS total,
                       (SELECT max(day) FROM churn_warehouse.activity) AS last_day`,
        });
        const row = counts.toRecords()[0] ?? {};
        expect(Number(row.activity)).toBe(sim.activity.customer_id.length);
        expect(Number(row.customers)).toBe(sim.customers.customer_id.length);
        expect(Number(row.churn)).toBe(sim.churn.customer_id.length);
        expect(Number(row.total)).toBeCloseTo(
          sim.payments.amount.reduce((a, b) => a + b, 0),
          6,
        );
        // Dates come back as epoch ms (UTC midnight).
        expect(row.last_day).toBe(Date.parse(sim.activity.day.at(-1) ?? ""));
      } finally {
        await dropPgDatabase(pgUrl ?? "", database);
      }
    },
    60_000,
  );
});
