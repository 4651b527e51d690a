import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  Frame,
  isKeelError,
  type KeelError,
  numericColumn,
  timestampColumn,
} from "../core/index.js";
import { defineEntity, defineFeatureView } from "./definitions.js";
import { duckDbOfflineStore } from "./duckdb-offline-store.js";
import { FeatureRepo } from "./feature-repo.js";
import { fileSource } from "./sources.js";

// Bad entity rows and feature references: one KeelError naming the view, the column and the
// row; mixed time zones normalised to UTC.
const customer = defineEntity({ name: "customer", joinKeys: ["customer_id"] });
const stats = defineFeatureView({
  name: "stats",
  entities: [customer],
  ttl: "1h",
  source: fileSource({ path: "stats.csv" }),
  timestampField: "ts",
  schema: { spend: "numeric" },
});

async function failure(promise: Promise<unknown>): Promise<KeelError> {
  try {
    await promise;
  } catch (error) {
    if (isKeelError(error)) return error;
    throw error;
  }
  throw new Error("expected a KeelError");
}

describe("historical retrieval on bad input", () => {
  const dir = mkdtempSync(join(tmpdir(), "keel-bad-input-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "stats.csv"), "customer_id,ts,spend\n1,2026-03-01T10:00:00Z,5\n");
  const repo = FeatureRepo.from({ entities: [customer], featureViews: [stats] }, dir);
  const store = duckDbOfflineStore();
  const features = [["stats", "spend"]] as const;

  it("normalises event times written in different time zones to UTC", async () => {
    const file = join(dir, "mixed.csv");
    // 11:30+02:00 is 09:30Z (before the feature row); 12:30+02:00 is 10:30Z (inside the 1h TTL).
    writeFileSync(
      file,
      "customer_id,event_timestamp\n1,2026-03-01T11:30:00+02:00\n1,2026-03-01T12:30:00+02:00\n1,2026-03-01T10:00:00Z\n",
    );
    const frame = await store.historical(repo, {
      entityRows: file,
      features,
      fullFeatureNames: false,
    });
    expect(frame?.toRecords().map((r) => r.spend)).toEqual([null, 5, 5]);
  });

  it("names the view and the join key the entity rows lack", async () => {
    const rows = Frame.fromColumns({
      id: numericColumn([1]),
      event_timestamp: timestampColumn([0]),
    });
    const error = await failure(
      store.historical(repo, { entityRows: rows, features, fullFeatureNames: false }),
    );
    expect(error.code).toBe("KEEL_ERR_ENTITY_ROWS");
    expect(error.message).toContain("join key 'customer_id' of feature view 'stats'");
    expect(error.details).toMatchObject({ view: "stats", column: "customer_id" });
  });

  it("names the row without an event time (as a file line for CSV input)", async () => {
    const file = join(dir, "gap.csv");
    writeFileSync(file, "customer_id,event_timestamp\n1,2026-03-01T10:00:00Z\n1,\n");
    const error = await failure(
      store.historical(repo, { entityRows: file, features, fullFeatureNames: false }),
    );
    expect(error.code).toBe("KEEL_ERR_ENTITY_ROWS");
    expect(error.message).toContain("entity row 2 (");
    expect(error.message).toContain("gap.csv:3)");
    expect(error.details).toMatchObject({ row: 2, column: "event_timestamp" });
  });

  it("refuses unknown views and features before running anything", () => {
    expect(() => repo.resolveFeatures(["stat:spend"])).toThrow(
      /unknown feature view 'stat'.*did you mean 'stats'/,
    );
    expect(() => repo.resolveFeatures(["spend"])).toThrow(/not of the form 'view:feature'/);
    expect(() => repo.resolveFeatures({ service: "nope" })).toThrow(
      /unknown feature service 'nope'/,
    );
  });

  it("names the view and column a source lacks", async () => {
    const broken = FeatureRepo.from(
      {
        entities: [customer],
        featureViews: [{ ...stats, schema: { spend: "numeric", refunds: "numeric" } }],
      },
      dir,
    );
    const error = await failure(
      store.historical(broken, {
        entityRows: join(dir, "mixed.csv"),
        features: [["stats", "refunds"]],
        fullFeatureNames: false,
      }),
    );
    expect(error.code).toBe("KEEL_ERR_FEATURE_DEFINITION");
    expect(error.message).toContain("feature view 'stats': its source has no column 'refunds'");
  });
});
