import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isKeelError } from "../../core/index.js";
import { DEMO_MARKER, prepareDemoHome } from "./demo-home.js";

const top = mkdtempSync(join(tmpdir(), "keel-demo-home-"));
afterAll(() => rmSync(top, { recursive: true, force: true }));

describe("prepareDemoHome", () => {
  it("makes a fresh home from the churn example, and replaces one it made before", async () => {
    const home = join(top, "keel-demo");
    await prepareDemoHome(home);
    expect(readdirSync(home).sort()).toEqual([DEMO_MARKER, "data", "keel.config.ts"]);
    writeFileSync(join(home, "data", "left-over.csv"), "a\n1\n");
    await prepareDemoHome(home);
    expect(existsSync(join(home, "data", "left-over.csv"))).toBe(false);
  });

  it("refuses a directory with files it did not make, and deletes nothing", async () => {
    const home = join(top, "mine");
    mkdirSync(home);
    writeFileSync(join(home, "notes.txt"), "keep me\n");
    const error = await prepareDemoHome(home).catch((e: unknown) => e);
    expect(isKeelError(error, "KEEL_ERR_USAGE")).toBe(true);
    expect((error as Error).message).toContain("was not made by keel demo");
    expect(readdirSync(home)).toEqual(["notes.txt"]);
  });
});
