import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe } from "vitest";
import { openDatabase } from "../store/index.js";
import { dropPgSchemas } from "../store/testing/index.js";
import { openServingStore } from "./index.js";
import { servingStoreSuite } from "./testing/serving-store-suite.js";

const pgUrl = process.env.KEEL_TEST_PG_URL;
if (!pgUrl)
  console.warn("KEEL_TEST_PG_URL is not set: skipping the PostgreSQL serving store suite");
const schemaPrefix = `keel_serve_${process.pid}_`;
let schemas = 0;
const dir = mkdtempSync(join(tmpdir(), "keel-serving-store-"));

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (pgUrl) await dropPgSchemas(pgUrl, `${schemaPrefix}%`);
});

describe("SQLite serving store", () =>
  servingStoreSuite(async () => {
    const database = await openDatabase({ dbUrl: join(dir, `store-${schemas++}.db`) });
    return { store: openServingStore(database), close: () => database.close() };
  }));

describe.skipIf(!pgUrl)("PostgreSQL serving store", () =>
  servingStoreSuite(async () => {
    const database = await openDatabase({ dbUrl: pgUrl, pgSchema: `${schemaPrefix}${schemas++}` });
    return { store: openServingStore(database), close: () => database.close() };
  }),
);
