import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../core/index.js";
import { dropPgSchemas } from "../store/testing/index.js";
import { openTracking, type Tracking } from "../track/index.js";
import { watchAliases } from "./index.js";

const pgUrl = process.env.KEEL_TEST_PG_URL;
if (!pgUrl)
  console.warn("KEEL_TEST_PG_URL is not set: skipping the PostgreSQL alias watcher tests");
const schemaPrefix = `keel_alias_watch_${process.pid}_`;
const root = mkdtempSync(join(tmpdir(), "keel-alias-watch-"));
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  if (pgUrl) await dropPgSchemas(pgUrl, `${schemaPrefix}%`);
});

async function registerVersions(tracking: Tracking, name: string, count: number): Promise<void> {
  await tracking.models.create(name);
  for (let i = 0; i < count; i++)
    await tracking.models.createVersion(name, { source: `models/${name}` });
}

async function waitFor(condition: () => boolean, withinMs: number): Promise<number> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > withinMs) throw new Error(`not seen within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

/** A server (the watcher's Tracking) and an operator in another Tracking instance on one store. */
async function scenario(open: () => Promise<Tracking>, intervalMs: number, withinMs: number) {
  const server = await open();
  const operator = await open();
  try {
    await registerVersions(operator, "churn", 3);
    await registerVersions(operator, "fraud", 1);
    await operator.models.setAlias("churn", "champion", 1);
    await operator.models.setAlias("fraud", "champion", 1);
    const seen: [string, number][] = [];
    const watcher = watchAliases(
      server,
      ["models:/churn@champion", "models:/churn/2", "models:/fraud@champion"],
      (ref, version) => {
        seen.push([ref, version]);
      },
      { intervalMs },
    );
    await watcher.ready;
    expect(seen).toEqual([]);
    await operator.models.setAlias("churn", "champion", 2, { reason: "promote" });
    const first = await waitFor(() => seen.length === 1, withinMs);
    expect(seen).toEqual([["models:/churn@champion", 2]]);
    // Other aliases of the model, and moves to the same version, are not reported.
    await operator.models.setAlias("churn", "challenger", 3);
    await operator.models.rollback("churn", "champion");
    await waitFor(() => seen.length === 2, withinMs);
    expect(seen[1]).toEqual(["models:/churn@champion", 1]);
    await watcher.close();
    await operator.models.setAlias("churn", "champion", 3);
    await new Promise((r) => setTimeout(r, Math.min(intervalMs * 2 + 50, 1000)));
    expect(seen.length).toBe(2);
    return first;
  } finally {
    await operator.close();
    await server.close();
  }
}

describe("watchAliases", () => {
  it("sees a move made through another Tracking instance on SQLite by polling", async () => {
    const dbUrl = join(root, "keel.db");
    const ms = await scenario(() => openTracking({ root, dbUrl }), 200, 3000);
    expect(ms).toBeLessThan(3000);
  });

  it("reports at once when the alias already moved from the version the caller serves", async () => {
    const dbUrl = join(root, "known.db");
    const tracking = await openTracking({ root, dbUrl });
    try {
      await registerVersions(tracking, "churn", 2);
      await tracking.models.setAlias("churn", "champion", 2);
      const seen: [string, number][] = [];
      const watcher = watchAliases(
        tracking,
        ["models:/churn@champion"],
        (ref, v) => {
          seen.push([ref, v]);
        },
        { known: { "models:/churn@champion": 1 } },
      );
      await watcher.ready;
      expect(seen).toEqual([["models:/churn@champion", 2]]);
      await watcher.close();
    } finally {
      await tracking.close();
    }
  });

  it("warns once when a watched alias is deleted, and again when it comes back", async () => {
    const dbUrl = join(root, "deleted.db");
    const tracking = await openTracking({ root, dbUrl });
    try {
      await registerVersions(tracking, "churn", 2);
      await tracking.models.setAlias("churn", "champion", 1);
      const seen: [string, number][] = [];
      const warnings: string[] = [];
      const watcher = watchAliases(
        tracking,
        ["models:/churn@champion"],
        (ref, v) => {
          seen.push([ref, v]);
        },
        {
          intervalMs: 50,
          logger: createLogger({ level: "warn", sink: (r) => warnings.push(r.message) }),
        },
      );
      await watcher.ready;
      await tracking.models.deleteAlias("churn", "champion");
      await waitFor(() => warnings.length === 1, 3000);
      await new Promise((r) => setTimeout(r, 200));
      expect(warnings).toEqual([
        "alias watcher: models:/churn@champion no longer resolves (its alias or version was deleted); still serving version 1",
      ]);
      await tracking.models.setAlias("churn", "champion", 2);
      await waitFor(() => seen.length === 1, 3000);
      expect(seen).toEqual([["models:/churn@champion", 2]]);
      await watcher.close();
    } finally {
      await tracking.close();
    }
  });

  it.skipIf(!pgUrl)(
    "sees a move on PostgreSQL through LISTEN/NOTIFY, long before the next poll",
    async () => {
      const pgSchema = `${schemaPrefix}a`;
      // A minute between polls: only the NOTIFY can deliver the move within seconds.
      const ms = await scenario(() => openTracking({ root, dbUrl: pgUrl, pgSchema }), 60_000, 3000);
      expect(ms).toBeLessThan(3000);
    },
  );

  it.skipIf(!pgUrl)("ignores moves of the same model in another PostgreSQL schema", async () => {
    const mine = await openTracking({ root, dbUrl: pgUrl, pgSchema: `${schemaPrefix}b` });
    const other = await openTracking({ root, dbUrl: pgUrl, pgSchema: `${schemaPrefix}c` });
    try {
      await registerVersions(mine, "churn", 2);
      await registerVersions(other, "churn", 2);
      await mine.models.setAlias("churn", "champion", 1);
      await other.models.setAlias("churn", "champion", 1);
      const seen: number[] = [];
      const watcher = watchAliases(
        mine,
        ["models:/churn@champion"],
        (_, v) => {
          seen.push(v);
        },
        { intervalMs: 60_000 },
      );
      await watcher.ready;
      await other.models.setAlias("churn", "champion", 2);
      await new Promise((r) => setTimeout(r, 500));
      expect(seen).toEqual([]);
      await mine.models.setAlias("churn", "champion", 2);
      await waitFor(() => seen.length === 1, 3000);
      await watcher.close();
    } finally {
      await mine.close();
      await other.close();
    }
  });
});
