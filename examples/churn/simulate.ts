// A seeded simulator of a subscription business: the churn story's warehouse.
//
// Customers sign up on one of three plans, live in a region and an age band, log in, view
// pages, open support tickets and pay monthly; some churn. Whether a customer churns follows
// from behaviour (falling engagement, tickets, price, short tenure) plus noise. In
// `changeWeek` the business changes: the `pro` plan's price rises and support has an outage
// (tickets pile up and weigh more on churn), which shifts the features and the churn rate.
//
// `simulate(options)` is pure and deterministic for a seed; `writeWarehouse(sim, target)` writes
// the event tables into the schema `churn_warehouse` of a DuckDB database file (the embedded
// default) or, when `target` is a `postgres://` URL, of that PostgreSQL database; with
// `format: "parquet"` it writes one Parquet file per table.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import pg from "pg";

/** What to simulate. */
export interface SimulationOptions {
  /** Seed of every random draw: the same seed gives the same tables. Default 7. */
  readonly seed?: number;
  /** Customers at day 0 (new ones sign up every day). Default 2000. */
  readonly customers?: number;
  /** Weeks simulated from `start`. Default 12. */
  readonly weeks?: number;
  /** The week (0-based) from whose Monday the price increase and support outage hold. Default 8. */
  readonly changeWeek?: number;
  /** Day 0, a Monday (ISO date). Default 2026-01-05. */
  readonly start?: string;
}

/** Plans and their monthly prices before and after the change. */
export const PLANS = {
  basic: { share: 0.55, price: 9.99, priceAfter: 9.99 },
  plus: { share: 0.3, price: 19.99, priceAfter: 19.99 },
  pro: { share: 0.15, price: 39.99, priceAfter: 54.99 },
} as const;
const REGIONS = ["north", "south", "east", "west"] as const;
const AGE_BANDS = ["18-29", "30-44", "45-64", "65+"] as const;
const DAY_MS = 86_400_000;

/** The simulated warehouse: one array per column, per table. */
export interface Simulation {
  readonly options: Required<SimulationOptions>;
  /** Epoch ms of day 0 and of the change. */
  readonly startMs: number;
  readonly changeMs: number;
  readonly customers: {
    customer_id: number[];
    signup_date: string[];
    plan: string[];
    region: string[];
    age_band: string[];
  };
  /** One row per customer and day while subscribed. */
  readonly activity: {
    customer_id: number[];
    day: string[];
    logins: number[];
    page_views: number[];
    support_tickets: number[];
  };
  readonly payments: { customer_id: number[]; paid_at: string[]; amount: number[] };
  readonly churn: { customer_id: number[]; churned_at: string[] };
}

/** A small seeded generator (mulberry32) so the example runs without keel's internals. */
function generator(seed: number): {
  next: () => number;
  normal: () => number;
  poisson: (l: number) => number;
} {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number =>
    Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  // Knuth's method: rates here stay small (under 30).
  const poisson = (lambda: number): number => {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = next();
    while (p > limit) {
      k++;
      p *= next();
    }
    return k;
  };
  return { next, normal, poisson };
}

function pick<T>(u: number, values: readonly T[]): T {
  return values[Math.min(values.length - 1, Math.floor(u * values.length))] as T;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

interface Customer {
  id: number;
  signup: number;
  plan: keyof typeof PLANS;
  engagement: number;
  satisfaction: number;
  tickets: number[];
  /** Decided to leave: disengaging until the cancellation. */
  leaving: boolean;
}

/**
 * Simulates the business day by day. Each day a subscribed customer's engagement drifts
 * (AR(1)); logins, page views and tickets are Poisson draws from it; the bill is paid on the
 * signup day of each month; and the customer decides to leave with a daily hazard
 * `sigmoid(-5.4 − 1.5·engagement + 0.4·tickets in the last 7 days − 0.3·log(1 + tenure/30) + price + noise)`,
 * after which engagement falls each day until they cancel (8% a day) or, rarely, stay (2%).
 * From the change on, `pro` costs more (a higher price term) and support's outage doubles
 * tickets and their weight.
 *
 * @example
 * ```ts
 * const sim = simulate({ seed: 7, customers: 500, weeks: 6, changeWeek: 4 });
 * sim.activity.customer_id.length; // customer-days
 * ```
 */
export function simulate(options: SimulationOptions = {}): Simulation {
  const o: Required<SimulationOptions> = {
    seed: options.seed ?? 7,
    customers: options.customers ?? 2000,
    weeks: options.weeks ?? 12,
    changeWeek: options.changeWeek ?? 8,
    start: options.start ?? "2026-01-05",
  };
  const startMs = Date.parse(`${o.start}T00:00:00Z`);
  if (!Number.isFinite(startMs))
    throw new Error(`simulate: start must be an ISO date, got '${o.start}'`);
  const changeMs = startMs + o.changeWeek * 7 * DAY_MS;
  const rng = generator(o.seed);
  const sim: Simulation = {
    options: o,
    startMs,
    changeMs,
    customers: { customer_id: [], signup_date: [], plan: [], region: [], age_band: [] },
    activity: { customer_id: [], day: [], logins: [], page_views: [], support_tickets: [] },
    payments: { customer_id: [], paid_at: [], amount: [] },
    churn: { customer_id: [], churned_at: [] },
  };
  let nextId = 1001;
  const join = (tenureDays: number, today: number): Customer => {
    const u = rng.next();
    const plan =
      u < PLANS.basic.share ? "basic" : u < PLANS.basic.share + PLANS.plus.share ? "plus" : "pro";
    const c: Customer = {
      id: nextId++,
      signup: today - tenureDays * DAY_MS,
      plan,
      engagement: rng.normal() * 0.8,
      satisfaction: rng.normal(),
      tickets: [],
      leaving: false,
    };
    sim.customers.customer_id.push(c.id);
    sim.customers.signup_date.push(isoDay(c.signup));
    sim.customers.plan.push(plan);
    sim.customers.region.push(pick(rng.next(), REGIONS));
    sim.customers.age_band.push(pick(rng.next(), AGE_BANDS));
    return c;
  };
  let active: Customer[] = [];
  for (let i = 0; i < o.customers; i++) active.push(join(Math.floor(rng.next() * 720), startMs));
  const days = o.weeks * 7;
  for (let d = 0; d < days; d++) {
    const today = startMs + d * DAY_MS;
    const changed = today >= changeMs;
    const day = isoDay(today);
    // About as many sign up as churn, so the base stays near its size.
    const signups = rng.poisson(o.customers * 0.009);
    for (let s = 0; s < signups; s++) active.push(join(0, today));
    const staying: Customer[] = [];
    for (const c of active) {
      c.engagement = 0.97 * c.engagement + 0.2 * rng.normal();
      const logins = rng.poisson(Math.exp(0.2 + 0.7 * c.engagement));
      const pageViews =
        logins === 0 ? rng.poisson(0.3) : rng.poisson(logins * 5 * Math.exp(0.3 * c.engagement));
      const ticketRate =
        0.04 * Math.exp(-0.7 * c.satisfaction - 0.3 * c.engagement) * (changed ? 2.5 : 1);
      const tickets = rng.poisson(ticketRate);
      c.tickets.push(tickets);
      if (c.tickets.length > 7) c.tickets.shift();
      sim.activity.customer_id.push(c.id);
      sim.activity.day.push(day);
      sim.activity.logins.push(logins);
      sim.activity.page_views.push(pageViews);
      sim.activity.support_tickets.push(tickets);
      const tenure = (today - c.signup) / DAY_MS;
      if (Math.round(tenure) % 30 === 0) {
        const plan = PLANS[c.plan];
        sim.payments.customer_id.push(c.id);
        sim.payments.paid_at.push(day);
        sim.payments.amount.push(changed ? plan.priceAfter : plan.price);
      }
      const recentTickets = c.tickets.reduce((a, b) => a + b, 0);
      const priceTerm = c.plan === "pro" ? (changed ? 0.9 : 0.15) : c.plan === "plus" ? 0.05 : 0;
      const logit =
        -5.4 -
        1.5 * c.engagement +
        (changed ? 0.6 : 0.4) * recentTickets -
        0.3 * Math.log1p(tenure / 30) +
        priceTerm +
        0.2 * rng.normal();
      // A customer who decides to leave disengages first (logins fall day by day), then
      // cancels within days; a few change their minds.
      if (c.leaving) {
        c.engagement -= 0.12;
        const u = rng.next();
        if (u < 0.08) {
          sim.churn.customer_id.push(c.id);
          sim.churn.churned_at.push(day);
          continue;
        }
        if (u < 0.1) c.leaving = false;
      } else if (rng.next() < 1 / (1 + Math.exp(-logit))) c.leaving = true;
      staying.push(c);
    }
    active = staying;
  }
  return sim;
}

function csv(columns: Record<string, readonly (string | number)[]>): string {
  const names = Object.keys(columns);
  const cols = names.map((n) => columns[n] as readonly (string | number)[]);
  const n = cols[0]?.length ?? 0;
  const lines = [names.join(",")];
  for (let i = 0; i < n; i++) lines.push(cols.map((c) => String(c[i])).join(","));
  return `${lines.join("\n")}\n`;
}

/** The schema that holds the warehouse's tables, in DuckDB and in PostgreSQL alike. */
export const WAREHOUSE_SCHEMA = "churn_warehouse";

const TABLES = {
  customers: "customer_id BIGINT, signup_date DATE, plan VARCHAR, region VARCHAR, age_band VARCHAR",
  activity:
    "customer_id BIGINT, day DATE, logins INTEGER, page_views INTEGER, support_tickets INTEGER",
  payments: "customer_id BIGINT, paid_at DATE, amount DOUBLE",
  churn: "customer_id BIGINT, churned_at DATE",
} as const;
type Table = keyof typeof TABLES;

/** The columns of a table's schema: `[name, DuckDB type]` pairs. */
function columnsOf(table: Table): [string, string][] {
  return TABLES[table].split(", ").map((c) => c.split(" ") as [string, string]);
}

/** Whether a warehouse target names a PostgreSQL database rather than a file. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//.test(target);
}

/**
 * Writes the simulation's tables (`customers`, `activity`, `payments`, `churn`) into the schema
 * `churn_warehouse` of `target`, replacing what was there: a new DuckDB database file at a path,
 * or a PostgreSQL database at a `postgres://` URL. With `format: "parquet"`, `target` is a
 * directory and each table goes to `<target>/<table>.parquet`.
 *
 * @example
 * ```ts
 * await writeWarehouse(simulate({ seed: 7 }), "data/warehouse.duckdb");
 * await writeWarehouse(simulate({ seed: 7 }), "postgres://keel@db:5432/keel");
 * ```
 */
export async function writeWarehouse(
  sim: Simulation,
  target: string,
  options: { format?: "duckdb" | "parquet" } = {},
): Promise<void> {
  if (isPostgresUrl(target)) {
    if (options.format === "parquet")
      throw new Error("writeWarehouse: Parquet files go to a directory, not a PostgreSQL URL");
    await writePostgres(sim, target);
  } else await writeDuckDb(sim, resolve(target), options.format ?? "duckdb");
}

async function writeDuckDb(
  sim: Simulation,
  target: string,
  format: "duckdb" | "parquet",
): Promise<void> {
  if (format === "duckdb") await rm(target, { force: true });
  const scratch = await mkdtemp(join(tmpdir(), "keel-churn-sim-"));
  const instance = await DuckDBInstance.create(format === "duckdb" ? target : ":memory:");
  const connection = await instance.connect();
  try {
    await connection.run(`CREATE SCHEMA ${WAREHOUSE_SCHEMA}`);
    for (const table of Object.keys(TABLES) as Table[]) {
      const file = join(scratch, `${table}.csv`);
      await writeFile(file, csv(sim[table]));
      const columns = columnsOf(table)
        .map(([name, type]) => `'${name}': '${type}'`)
        .join(", ");
      await connection.run(
        `CREATE TABLE ${WAREHOUSE_SCHEMA}.${table} AS SELECT * FROM read_csv('${file}', header = true, columns = {${columns}})`,
      );
      if (format === "parquet")
        await connection.run(
          `COPY ${WAREHOUSE_SCHEMA}.${table} TO '${join(target, `${table}.parquet`)}' (FORMAT parquet)`,
        );
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(scratch, { recursive: true, force: true });
  }
}

const PG_TYPES: Readonly<Record<string, string>> = {
  BIGINT: "bigint",
  DATE: "date",
  VARCHAR: "text",
  INTEGER: "integer",
  DOUBLE: "double precision",
};

/**
 * The same tables in PostgreSQL, in one transaction: each table is one INSERT of its column
 * arrays through unnest (no row-by-row round trips), then indexed on what the feature views
 * join and partition by, so a point-in-time lookup reads one customer's rows.
 */
async function writePostgres(sim: Simulation, url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query(`DROP SCHEMA IF EXISTS ${WAREHOUSE_SCHEMA} CASCADE`);
    await client.query(`CREATE SCHEMA ${WAREHOUSE_SCHEMA}`);
    for (const table of Object.keys(TABLES) as Table[]) {
      const columns = columnsOf(table);
      const name = `${WAREHOUSE_SCHEMA}.${table}`;
      const types = columns.map(([, type]) => PG_TYPES[type] as string);
      await client.query(
        `CREATE TABLE ${name} (${columns.map(([c], i) => `${c} ${types[i]}`).join(", ")})`,
      );
      const arrays = types.map((type, i) => `$${i + 1}::${type}[]`).join(", ");
      const data = sim[table] as Record<string, readonly (string | number)[]>;
      const values = columns.map(([c]) => data[c] ?? []);
      await client.query(`INSERT INTO ${name} SELECT * FROM unnest(${arrays})`, values);
      // The first two columns: the customer, and the day for the daily tables.
      const key = columns
        .slice(0, table === "customers" ? 1 : 2)
        .map(([c]) => c)
        .join(", ");
      await client.query(`CREATE INDEX ON ${name} (${key})`);
      await client.query(`ANALYZE ${name}`);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
