import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { modulesReachableFrom, transpileModules } from "../core/testing/index.js";
import { dropPgSchemas } from "../store/testing/index.js";
import {
  type TrackingFixture,
  trackingStoreSuite,
  writerScript,
} from "./testing/tracking-store-suite.js";
import { type OpenTrackingOptions, openTracking } from "./tracking.js";

const pgUrl = process.env.KEEL_TEST_PG_URL;
if (!pgUrl)
  console.warn("KEEL_TEST_PG_URL is not set: skipping the PostgreSQL half of trackingStoreSuite");

// Child processes need JavaScript; the transpiled copy must live inside the project so that
// kysely / better-sqlite3 / pg resolve from its node_modules.
const jsDir = join(process.cwd(), ".tmp", `track-js-${process.pid}`);
const tempRoot = mkdtempSync(join(tmpdir(), "keel-suite-"));
let scriptPath = "";
beforeAll(() => {
  mkdirSync(jsDir, { recursive: true });
  scriptPath = join(jsDir, "writer.mjs");
  transpileModules(jsDir, modulesReachableFrom("track"));
  writeFileSync(scriptPath, writerScript(join(jsDir, "track", "index.js")));
});
afterAll(() => {
  rmSync(jsDir, { recursive: true, force: true });
  rmSync(tempRoot, { recursive: true, force: true });
});

function runWriter(args: object): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [scriptPath, JSON.stringify(args)], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`writer exited ${code}: ${stderr}`)),
    );
  });
}

function fixtureFor(
  options: OpenTrackingOptions,
  cleanup: () => Promise<void>,
  statementTimeoutMs = 0,
): () => Promise<TrackingFixture> {
  return async () => {
    const tracking = await openTracking(options);
    tracking.database.setStatementTimeout(statementTimeoutMs);
    return {
      tracking,
      openAnother: () => openTracking(options),
      async spawnWriters({ processes, batches, sharedRunId, experimentId }) {
        await Promise.all(
          Array.from({ length: processes }, (_, writer) =>
            runWriter({ options, sharedRunId, experimentId, batches, writer }),
          ),
        );
      },
      async dispose() {
        await tracking.close();
        await cleanup();
      },
    };
  };
}

const backends: [string, (() => Promise<TrackingFixture>) | undefined][] = [
  ["SQLite", fixtureFor({ root: join(tempRoot, "sqlite") }, async () => {})],
  // As a server runs it: reads in the off-thread reader process, under a time limit.
  [
    "SQLite with a statement time limit",
    fixtureFor({ root: join(tempRoot, "sqlite-limited") }, async () => {}, 10_000),
  ],
  [
    "PostgreSQL",
    pgUrl === undefined
      ? undefined
      : fixtureFor(
          {
            root: join(tempRoot, "pg"),
            dbUrl: pgUrl,
            pgSchema: `keel_track_${process.pid}_${Date.now() % 1e8}`,
          },
          async () => {},
        ),
  ],
];

for (const [name, open] of backends) {
  describe.skipIf(open === undefined)(`trackingStoreSuite on ${name}`, () => {
    afterAll(async () => {
      if (name !== "PostgreSQL" || pgUrl === undefined) return;
      await dropPgSchemas(pgUrl, `keel_track_${process.pid}_%`);
    });
    for (const check of trackingStoreSuite()) {
      it(check.name, async () => {
        const fixture = await open!();
        try {
          await check.run(fixture);
        } finally {
          await fixture.dispose();
        }
      });
    }
  });
}
