import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../store/index.js";
import { openServingStore } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "keel-log-crash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BATCH = 250;
const JITI = join(process.cwd(), "node_modules", "jiti", "lib", "jiti-cli.mjs");
const CHILD = join(import.meta.dirname, "testing", "log-writer-child.ts");

function rowsIn(file: string): number {
  try {
    const db = new Database(file, { readonly: true, timeout: 5000 });
    try {
      return (db.prepare("select count(*) as n from prediction_log").get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created or not migrated yet
  }
}

describe("the prediction log after a SIGKILL mid-write", () => {
  it("opens cleanly and holds whole batches only", { timeout: 120_000 }, async () => {
    const file = join(dir, "keel.db");
    const child = spawn(process.execPath, [JITI, CHILD, file, String(BATCH)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_, signal) => resolve(signal)),
    );
    // Let it write for a while (many batches, one surely in flight), then kill it hard.
    const deadline = Date.now() + 90_000;
    while (rowsIn(file) < 40 * BATCH) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`the writer stopped before writing enough: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    const database = await openDatabase({ dbUrl: file });
    try {
      expect(database.sqlite?.pragma("integrity_check", { simple: true })).toBe("ok");
      const rows = await openServingStore(database).readPredictions({ deployment: "crash" });
      expect(rows.length).toBeGreaterThanOrEqual(40 * BATCH);
      const perChunk = new Map<number, number>();
      for (const row of rows) {
        const chunk = row.input.chunk as number;
        perChunk.set(chunk, (perChunk.get(chunk) ?? 0) + 1);
      }
      // Whole batches, in order, with no gap: chunks 0..k-1 each complete.
      expect([...perChunk.keys()]).toEqual([...perChunk.keys()].map((_, i) => i));
      expect([...perChunk.values()].every((n) => n === BATCH)).toBe(true);
      expect(rows.length % BATCH).toBe(0);
    } finally {
      await database.close();
    }
  });
});
