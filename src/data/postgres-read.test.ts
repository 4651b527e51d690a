import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFrame } from "./index.js";

const url = process.env.KEEL_TEST_PG_URL;
if (!url) console.log("Skipping PostgreSQL source tests: set KEEL_TEST_PG_URL to run them.");

describe.skipIf(!url)("readFrame from PostgreSQL", () => {
  const table = `keel_data_test_${process.pid}`;
  const connection = url ?? "";

  beforeAll(async () => {
    const client = new pg.Client({ connectionString: connection });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query(
      `CREATE TABLE ${table} (id text, tenure integer, big bigint, charges numeric(8,2), churned boolean, plan text, signup date, seen timestamptz)`,
    );
    await client.query(
      `INSERT INTO ${table} VALUES
        ('c-1', 1, 9007199254740991, 29.85, false, 'basic', '2026-01-02', '2026-01-02 03:04:05+02'),
        ('c-2', 34, 2, 56.95, true, 'pro', '2026-02-03', NULL),
        ('c-3', NULL, 3, NULL, NULL, 'basic', NULL, '2026-03-04 00:00:00+00'),
        ('c-4', 2, 4, 53.85, false, 'basic', '2026-04-05', '2026-04-05 12:00:00+00')`,
    );
    await client.end();
  });

  afterAll(async () => {
    const client = new pg.Client({ connectionString: connection });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.end();
  });

  it("maps PostgreSQL types to column kinds", async () => {
    const frame = await readFrame({
      postgres: connection,
      sql: `SELECT * FROM ${table} ORDER BY id`,
    });
    expect(Object.fromEntries(frame.entries().map(([n, c]) => [n, c.kind]))).toEqual({
      id: "string",
      tenure: "numeric",
      big: "numeric",
      charges: "numeric",
      churned: "boolean",
      plan: "categorical",
      signup: "timestamp",
      seen: "timestamp",
    });
    expect(frame.row(0)).toEqual({
      id: "c-1",
      tenure: 1,
      big: 9007199254740991,
      charges: 29.85,
      churned: false,
      plan: "basic",
      signup: Date.UTC(2026, 0, 2),
      seen: Date.UTC(2026, 0, 2, 1, 4, 5),
    });
    expect(frame.row(2)).toMatchObject({
      tenure: null,
      charges: null,
      churned: null,
      signup: null,
    });
  });

  it("applies a declared schema", async () => {
    const frame = await readFrame(
      { postgres: connection, sql: `SELECT id, tenure FROM ${table} ORDER BY id` },
      { schema: { id: "categorical", tenure: "string" } },
    );
    expect(frame.column("id").kind).toBe("categorical");
    expect(frame.row(1)).toEqual({ id: "c-2", tenure: "34" });
  });

  it("reads infinity, BC timestamps and bigints beyond 2^53 without changing them", async () => {
    const frame = await readFrame({
      postgres: connection,
      sql: `SELECT * FROM (VALUES
        ('infinity'::timestamp, '0044-03-15 12:00:00 BC'::timestamp, 9007199254740993::bigint),
        ('-infinity'::timestamp, '2026-01-02 03:04:05'::timestamp, 9007199254740992::bigint)
      ) AS t(edge, ides, id) -- two rows`,
    });
    expect(frame.column("edge").kind).toBe("timestamp");
    expect(frame.row(0).edge).toBe(Number.POSITIVE_INFINITY);
    expect(frame.row(1).edge).toBe(Number.NEGATIVE_INFINITY);
    const ides = new Date(0);
    ides.setUTCFullYear(-43, 2, 15);
    ides.setUTCHours(12, 0, 0, 0);
    expect(frame.row(0).ides).toBe(ides.getTime());
    expect(frame.column("id").kind).not.toBe("numeric");
    expect([frame.row(0).id, frame.row(1).id]).toEqual(["9007199254740993", "9007199254740992"]);
  });

  it("refuses two statements with KEEL_ERR_SQL, not a TypeError", async () => {
    await expect(
      readFrame({ postgres: connection, sql: "SELECT 1 AS a; SELECT 2 AS b" }),
    ).rejects.toMatchObject({ code: "KEEL_ERR_SQL" });
  });

  it("reports a failing query as KEEL_ERR_SQL", async () => {
    await expect(
      readFrame({ postgres: connection, sql: "SELECT nope FROM nowhere_at_all" }),
    ).rejects.toMatchObject({ code: "KEEL_ERR_SQL" });
  });
});

describe("readFrame from an unreachable PostgreSQL", () => {
  it("reports KEEL_ERR_DB_CONNECTION without the password", async () => {
    const error = await readFrame({
      postgres: "postgres://keel:secret@127.0.0.1:1/none",
      sql: "SELECT 1",
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "KEEL_ERR_DB_CONNECTION" });
    expect(String((error as Error).message)).not.toContain("secret");
  });
});
