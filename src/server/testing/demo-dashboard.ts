import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";
import { PipelineStore } from "../../orchestrate/index.js";
import { openServingStore } from "../../serve/index.js";
import { openTracking, TrackingStudyStorage } from "../../track/index.js";
import { launchChromium, openRecorded } from "./chromium.js";

/** The built CLI (`npm run build`), as a user runs it. */
const KEEL_BIN = fileURLToPath(new URL("../../../dist/cli/main.js", import.meta.url));
const SHOTS = resolve("test-output", "demo-dashboard");

/**
 * Starts the built `keel server --port 0 --no-scheduler` in `home` (a child process with this
 * process's environment, so `KEEL_DB_URL` and `KEEL_REDIS_URL` carry over) and resolves with
 * the process and its base URL once it listens. The scheduler stays off: a demo home's
 * schedules would otherwise run real-clock pipelines over the simulated warehouse. Test-only.
 *
 * @example
 * ```ts
 * const { child, base } = await startKeelServer(home);
 * child.kill("SIGTERM");
 * ```
 */
export function startKeelServer(home: string): Promise<{ child: ChildProcess; base: string }> {
  if (!existsSync(KEEL_BIN))
    throw new Error(`${KEEL_BIN} is missing: run npm run build (npm test builds first)`);
  const child = spawn(process.execPath, [KEEL_BIN, "server", "--port", "0", "--no-scheduler"], {
    cwd: home,
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((resolveStart, reject) => {
    let err = "";
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (match) resolveStart({ child, base: match[1] as string });
    });
    child.on("exit", (code) => reject(new Error(`keel server exited with ${code}: ${err}`)));
  });
}

/** Stops a server {@link startKeelServer} started and waits for it to exit. */
async function stopKeelServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  await exited;
}

/** What the dashboard should show, read from the demo home's store through the library. */
interface DemoFacts {
  readonly experiments: readonly string[];
  readonly studies: readonly string[];
  readonly churnExperimentId: string;
  readonly churnRuns: number;
  readonly championRunId: string;
  readonly champion: number;
  readonly versions: number;
  readonly trainRunId: string;
  /** Requests per variant in the deployment page's traffic window (see {@link trafficWindow}). */
  readonly requests: Readonly<Record<"champion" | "challenger", number>>;
}

const HOUR_MS = 3_600_000;

/**
 * The deployment page's traffic window: the last hour, or, when the newest logged prediction
 * is older than that (a replay on a simulated clock), the hour up to it.
 */
function trafficWindow(times: readonly number[], now: number): { from: number; to: number } {
  const newest = times.length === 0 ? now : Math.max(...times);
  const to = newest >= now - HOUR_MS ? now : newest + 1;
  return { from: to - HOUR_MS, to };
}

async function demoFacts(home: string): Promise<DemoFacts> {
  const tracking = await openTracking({ root: home });
  try {
    const experiment = await tracking.experiments.getByName("churn");
    const churnExperimentId = experiment?.experimentId ?? "";
    const runs = await tracking.runs.search({
      experimentIds: [churnExperimentId],
      maxResults: 1000,
    });
    const champion = await tracking.models.getByAlias("churn", "champion");
    const versions = await tracking.models.searchVersions({ filter: "name = 'churn'" });
    const pipelines = new PipelineStore(tracking.database);
    const weekly = await pipelines.listRuns({ pipeline: "train-weekly", limit: 1000 });
    const serving = openServingStore(tracking.database);
    const logged = await serving.readPredictions({ deployment: "churn" });
    const { from, to } = trafficWindow(
      logged.map((p) => p.time),
      Date.now(),
    );
    const requests = { champion: 0, challenger: 0 };
    for (const p of logged)
      if ((p.variant === "champion" || p.variant === "challenger") && p.time >= from && p.time < to)
        requests[p.variant]++;
    const experiments = await tracking.experiments.search({ maxResults: 1000 });
    const studies = await new TrackingStudyStorage(tracking).listStudies();
    return {
      experiments: experiments.items.map((e) => e.name),
      studies: studies.map((s) => s.name),
      churnExperimentId,
      churnRuns: runs.items.length,
      championRunId: champion.runId,
      champion: champion.version,
      versions: versions.items.length,
      trainRunId: weekly[0]?.runId ?? "",
      requests,
    };
  } finally {
    await tracking.close();
  }
}

/**
 * Starts `keel server` in a `keel demo` home and has headless Chromium visit every dashboard
 * page, asserting that each shows the demo's own results (read from the same store through
 * the library): the tuning runs, the studies and their trials, the churn model with its
 * versions, aliases and promotion reasons, the deployment with both variants' traffic and the
 * A/B analysis, the drift monitor with its alerts, the pipeline runs, the feature views; and
 * that no page logged a console error. Screenshots go to `test-output/demo-dashboard/<label>`.
 * Test-only.
 *
 * @example
 * ```ts
 * await expectDashboardShowsDemo(home, "sqlite");
 * ```
 */
export async function expectDashboardShowsDemo(home: string, label: string): Promise<void> {
  const facts = await demoFacts(home);
  const shots = join(SHOTS, label);
  mkdirSync(shots, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), "keel-demo-chromium-"));
  const { child, base } = await startKeelServer(home);
  let context: BrowserContext | undefined;
  const errors: string[] = [];
  try {
    context = await launchChromium(profile);
    const browser = context;
    const visit = async (hash: string, check: (page: Page) => Promise<void>, shot: string) => {
      const page = await openRecorded(browser, `${base}/${hash}`, hash, errors);
      try {
        await check(page);
        expect(await page.getByRole("alert").count(), `${hash} shows an error`).toBe(0);
        await page.screenshot({ path: join(shots, `${shot}.png`), fullPage: true });
      } finally {
        await page.close();
      }
    };
    await checkPages(visit, facts);
  } finally {
    await context?.close();
    await stopKeelServer(child);
    rmSync(profile, { recursive: true, force: true });
  }
  expect(errors).toEqual([]);
}

type Visit = (hash: string, check: (page: Page) => Promise<void>, shot: string) => Promise<void>;

async function checkPages(visit: Visit, facts: DemoFacts): Promise<void> {
  await visit(
    "#/experiments",
    async (page) => {
      expect(facts.experiments).toContain("churn");
      for (const name of facts.experiments)
        await page.getByRole("link", { name, exact: true }).waitFor();
    },
    "01-experiments",
  );
  await visit(
    `#/experiments/${facts.churnExperimentId}`,
    async (page) => {
      await page.getByText(`${facts.churnRuns} runs`, { exact: true }).waitFor();
      await page.getByRole("columnheader", { name: /holdout\.rocAuc/ }).waitFor();
    },
    "02-churn-runs",
  );
  await visit(
    `#/runs/${facts.championRunId}`,
    async (page) => {
      await page.getByRole("heading", { level: 1 }).waitFor();
      await page.getByRole("row", { name: /^holdout\.rocAuc 0\.\d+/ }).waitFor();
      await page.getByRole("button", { name: "model/" }).waitFor();
    },
    "03-champion-run",
  );
  // The TPE searches of the trainings, every one listed.
  expect(facts.studies.length).toBeGreaterThan(0);
  await visit(
    "#/studies",
    async (page) => {
      for (const name of facts.studies)
        await page.getByRole("link", { name, exact: true }).waitFor();
    },
    "04-studies",
  );
  await visit(
    `#/studies/${encodeURIComponent(facts.studies[0] ?? "")}`,
    async (page) => {
      await page.getByRole("heading", { name: "Slice plots" }).waitFor();
      const trials = page.getByRole("table", { name: "Trials" });
      await trials.waitFor();
      expect(await trials.locator("tbody tr").count()).toBeGreaterThan(0);
    },
    "05-study",
  );
  await visit(
    "#/models",
    async (page) => {
      await page.getByRole("link", { name: "churn", exact: true }).waitFor();
      await page.getByText(`@champion → v${facts.champion}`).waitFor();
    },
    "06-models",
  );
  await visit(
    "#/models/churn",
    async (page) => {
      const audit = page.getByRole("table", { name: "Alias audit log" });
      await audit.waitFor();
      expect(await audit.getByRole("cell", { name: /^promoted: / }).count()).toBeGreaterThan(0);
      for (let v = 1; v <= facts.versions; v++)
        await page
          .getByRole("link", { name: `v${v}`, exact: true })
          .first()
          .waitFor();
    },
    "07-model",
  );
  await visit(
    `#/models/churn/${facts.champion}`,
    async (page) => {
      await page.getByRole("heading", { name: `churn v${facts.champion}` }).waitFor();
      await page.getByText("@champion").first().waitFor();
    },
    "08-model-version",
  );
  await visit(
    "#/deployments",
    async (page) => {
      await page.getByRole("link", { name: "churn", exact: true }).waitFor();
    },
    "09-deployments",
  );
  await visit(
    "#/deployments/churn",
    async (page) => {
      const variants = page.getByRole("table", { name: "Variants" });
      await variants.waitFor();
      for (const [variant, weight] of [
        ["champion", "90"],
        ["challenger", "10"],
      ] as const) {
        const cells = await variants
          .getByRole("row", { name: new RegExp(`^${variant}`) })
          .getByRole("cell")
          .allTextContents();
        expect(cells[1]).toBe(weight);
        expect(cells[3]).toBe(String(facts.requests[variant]));
      }
      const ab = page.getByRole("table", { name: "A/B results" });
      await ab.waitFor();
      // The challenger's AUC with its interval, and its difference to the champion with a p-value.
      const challenger = await ab.getByRole("row", { name: /^challenger/ }).textContent();
      expect(challenger).toMatch(/0\.\d+ \[0\.\d+, 0\.\d+\]/);
      expect(challenger).toMatch(/p [\d.e-]+/);
    },
    "10-deployment",
  );
  await visit(
    "#/monitors",
    async (page) => {
      await page.getByRole("link", { name: "churn-drift", exact: true }).waitFor();
    },
    "11-monitors",
  );
  await visit(
    "#/monitors/churn-drift",
    async (page) => {
      const heat = page.getByRole("table", { name: /Drift by feature and window/ });
      await heat.waitFor();
      // One column per daily window, each labelled apart (all of them end at 23:00).
      const columns = (await heat.locator("thead th").allTextContents()).slice(1);
      expect(columns.length).toBeGreaterThan(7);
      expect(new Set(columns).size).toBe(columns.length);
      // Some window flags the support outage's ticket counts.
      expect(
        await heat.locator("tr", { hasText: "tickets_7d" }).locator("td.flagged").count(),
      ).toBeGreaterThan(0);
      const alerts = page.getByRole("table", { name: "Alerts" });
      await alerts.waitFor();
      expect(
        await alerts.getByRole("cell", { name: "dataset-drift", exact: true }).count(),
      ).toBeGreaterThan(0);
      expect(await alerts.getByRole("cell", { name: /^webhook:/ }).count()).toBeGreaterThan(0);
    },
    "12-monitor",
  );
  await visit(
    "#/pipelines",
    async (page) => {
      const runs = page.getByRole("table", { name: "Pipeline runs" });
      await runs.waitFor();
      for (const pipeline of ["features-daily", "train-weekly", "retrain-on-drift"])
        await runs.getByRole("cell", { name: pipeline, exact: true }).first().waitFor();
      expect(await runs.getByRole("cell", { name: "failed", exact: true }).count()).toBe(0);
    },
    "13-pipelines",
  );
  await visit(
    `#/pipeline-runs/${facts.trainRunId}`,
    async (page) => {
      const steps = page.getByRole("table", { name: "Steps" });
      await steps.waitFor();
      for (const step of ["training-set", "data-checks", "tune", "evaluate", "register", "promote"])
        await steps.getByRole("row", { name: new RegExp(`^${step} succeeded`) }).waitFor();
    },
    "14-train-weekly-run",
  );
  await visit(
    "#/features",
    async (page) => {
      const views = page.getByRole("table", { name: "Feature views" });
      await views.waitFor();
      for (const view of ["customer_profile", "behaviour"])
        await views.getByRole("link", { name: view, exact: true }).waitFor();
      await page
        .getByRole("table", { name: "Feature services" })
        .getByRole("rowheader", { name: "churn_model" })
        .waitFor();
    },
    "15-features",
  );
  await visit(
    "#/features/customer_profile",
    async (page) => {
      await page.getByText("Tenure, recency, frequency and monetary value").waitFor();
      await page.getByText("tenure_days (numeric)", { exact: false }).waitFor();
    },
    "16-feature-view",
  );
}
