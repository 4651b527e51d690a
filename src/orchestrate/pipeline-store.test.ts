import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { openDatabase } from "../store/index.js";
import { dropPgSchemas } from "../store/testing/index.js";
import { pipelineStoreSuite } from "./testing/index.js";

const pgUrl = process.env.KEEL_TEST_PG_URL;

const dir = mkdtempSync(join(tmpdir(), "keel-orch-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
pipelineStoreSuite("SQLite", () => openDatabase({ root: dir }));

if (pgUrl === undefined) {
  console.warn("KEEL_TEST_PG_URL is not set: skipping the PostgreSQL half of pipelineStoreSuite");
} else {
  afterAll(() => dropPgSchemas(pgUrl, `keel_orch_${process.pid}_%`));
  pipelineStoreSuite("PostgreSQL", () =>
    openDatabase({ dbUrl: pgUrl, pgSchema: `keel_orch_${process.pid}_store` }),
  );
}
