import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectChurnStory, runFastDemo } from "../src/cli/testing/churn-story-checks.js";
import { chromiumAvailable } from "../src/server/testing/chromium.js";
import { expectDashboardShowsDemo } from "../src/server/testing/demo-dashboard.js";

// `keel demo --fast --no-serve` in a temporary directory, then what it left in ./keel-demo:
// the metadata store read back through the library, not the demo's own words; then keel
// server in the home, every dashboard page browsed in Chromium.
// (test/demo-pg-redis.test.ts runs the same on PostgreSQL and Redis.)
const cwd = mkdtempSync(join(tmpdir(), "keel-demo-e2e-"));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe("keel demo --fast --no-serve", () => {
  let home = "";
  it("tells the churn story end to end and leaves every stage's results in the store", async () => {
    const demo = await runFastDemo(cwd, "timeline");
    home = demo.home;
    await expectChurnStory(home, demo.timeline);
  }, 600_000);

  it.skipIf(!chromiumAvailable("the demo dashboard browser check"))(
    "serves every dashboard page with the story's results (keel server in the demo home)",
    async () => {
      expect(home, "the story ran").not.toBe("");
      await expectDashboardShowsDemo(home, "sqlite");
    },
    180_000,
  );
});
