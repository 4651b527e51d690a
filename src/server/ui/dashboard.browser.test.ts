import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTracking, type Tracking } from "../../track/index.js";
import { createApp } from "../app.js";
import { hashToken } from "../auth.js";
import { chromiumAvailable, launchChromium, openRecorded } from "../testing/chromium.js";
import { type DashboardSeed, SEED_AUC, seedDashboard } from "../testing/dashboard-seed.js";
import { type SeededFeatures, seedFeatures } from "../testing/feature-seed.js";
import { SEED_OPS } from "../testing/ops-seed.js";
import { type SeededPipelines, seedPipelines } from "../testing/pipeline-seed.js";
import { SEED_STUDY } from "../testing/study-seed.js";
import { defaultUiDir } from "./static-routes.js";

const SWEEP_RUNS = 10_000;
const SHOTS = resolve("test-output", "dashboard");
const haveChromium = chromiumAvailable("dashboard browser tests");

/** Figures the tests measure, printed at the end for bench/README.md. */
const figures: Record<string, number | string> = {};

describe.skipIf(!haveChromium)("dashboard in Chromium", () => {
  let root: string;
  let tracking: Tracking;
  let app: FastifyInstance;
  let base: string;
  let context: BrowserContext;
  let seed: DashboardSeed;
  let pipelines: SeededPipelines;
  let features: SeededFeatures;
  const errors: string[] = [];

  beforeAll(async () => {
    const uiDir = defaultUiDir();
    // `npm test` builds the UI first; a lone `vitest run` on a fresh tree builds it here.
    if (!existsSync(join(uiDir, "index.html")))
      execFileSync(
        process.execPath,
        ["node_modules/vite/bin/vite.js", "build", "--config", "ui/vite.config.ts"],
        {
          stdio: "ignore",
        },
      );
    root = mkdtempSync(join(tmpdir(), "keel-dashboard-"));
    tracking = await openTracking({ root });
    const seeding = Date.now();
    seed = await seedDashboard(tracking, SWEEP_RUNS);
    figures.seedSeconds = (Date.now() - seeding) / 1000;
    pipelines = await seedPipelines(tracking, root);
    features = await seedFeatures(tracking, root);
    app = await createApp({
      tracking,
      uiDir,
      project: { definitions: [pipelines.definition], root },
    });
    base = await app.listen({ host: "127.0.0.1", port: 0 });
    mkdirSync(SHOTS, { recursive: true });
    context = await launchChromium(join(root, "chromium-profile"));
    // Long tasks are recorded from the first script on, for every page.
    // (Browser code as strings: this file is typed for Node, without the DOM library.)
    await context.addInitScript({
      content: `window.__longTasks = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
  .observe({ type: "longtask", buffered: true });`,
    });
  }, 600_000);

  afterAll(async () => {
    await context?.close();
    await app?.close();
    await tracking?.close();
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
    console.log(`dashboard figures: ${JSON.stringify(figures)}`);
  });

  function open(hash: string): Promise<Page> {
    return openRecorded(context, `${base}/${hash}`, hash, errors);
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }

  it("loads the experiments page within a second and lists both experiments", async () => {
    const page = await open("#/experiments");
    // Polled every animation frame: the time since navigation start when the list is on screen.
    // A function, not a string: a string predicate is eval'd in the page, which its CSP forbids.
    const shown = await page.waitForFunction((selector) => {
      const page = globalThis as unknown as {
        document: { querySelector(s: string): unknown };
        performance: { now(): number };
      };
      return page.document.querySelector(selector) !== null && page.performance.now();
    }, `a[href="#/experiments/${seed.sweepExperimentId}"]`);
    const contentMs = Number(await shown.jsonValue());
    const loadMs = Number(
      await page.evaluate(`performance.getEntriesByType("navigation")[0].loadEventEnd`),
    );
    await expect(page.getByRole("link", { name: "churn" }).isVisible()).resolves.toBe(true);
    figures.loadEventMs = Math.round(loadMs);
    figures.firstLoadWithDataMs = Math.round(contentMs);
    expect(loadMs).toBeGreaterThan(0);
    // The goal is 1 s. On a machine whose cores are already oversubscribed (the whole suite runs
    // test files in parallel on 2 shared cores) wall-clock time says more about the neighbours
    // than about the page, so there the bound is 3 s; the figure is printed either way.
    const busy = loadavg()[0]! / availableParallelism() > 2;
    figures.loadPerCore = +(loadavg()[0]! / availableParallelism()).toFixed(1);
    expect(contentMs).toBeLessThan(busy ? 3000 : 1000);
    // Keyboard: the first Tab lands on the skip link, which moves focus to the content.
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement?.textContent")).toBe("Skip to content");
    await shot(page, "01-experiments");
    await page.close();
  });

  it("shows the runs table with latest metrics, filters with the search grammar and sorts", async () => {
    const page = await open(`#/experiments/${seed.churnExperimentId}`);
    await page.getByText("3 runs").waitFor();
    for (const name of ["baseline", "deeper", "tuned"])
      await expect(page.getByRole("link", { name, exact: true }).isVisible()).resolves.toBe(true);
    await expect(
      page.getByRole("cell", { name: String(SEED_AUC.tuned) }).isVisible(),
    ).resolves.toBe(true);
    await shot(page, "02-runs");

    await page.getByLabel("Filter").fill("metrics.auc > 0.84 OR params.max_depth = '4'");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByText("3 runs").waitFor();
    await page.getByLabel("Filter").fill("metrics.auc > 0.84");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByText("2 runs").waitFor();
    expect(await page.getByRole("link", { name: "baseline", exact: true }).count()).toBe(0);
    await shot(page, "03-runs-filtered");

    // Sort by auc ascending: deeper (0.8456) comes before tuned (0.8791).
    await page.getByRole("button", { name: /^auc/ }).click();
    await page.getByRole("button", { name: /^auc/ }).click();
    const names = await page.locator("table.runs tbody td:nth-child(2) a").allTextContents();
    expect(names).toEqual(["deeper", "tuned"]);

    // Column chooser: the `model` param shows by default (the first 4 params do); hide it, show it again.
    await page.getByText("Columns", { exact: true }).click();
    await page.getByRole("checkbox", { name: "params.model" }).uncheck();
    expect(await page.getByRole("columnheader", { name: "model" }).count()).toBe(0);
    await page.getByRole("checkbox", { name: "params.model" }).check();
    expect(await page.getByRole("columnheader", { name: "model" }).count()).toBe(1);
    await page.close();
  });

  it("shows the server's message for a filter outside the search grammar", async () => {
    // Its own page: the 400 is expected here, and Chromium logs every failed fetch as an error.
    const page = await context.newPage();
    const logged: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") logged.push(m.text());
    });
    try {
      await page.goto(
        `${base}/#/experiments/${seed.churnExperimentId}?filter=${encodeURIComponent("metrics.auc >>> 1")}`,
      );
      const alert = page.getByRole("alert");
      await alert.waitFor();
      expect(await alert.textContent()).toContain("INVALID_PARAMETER_VALUE");
      await expect(page.getByLabel("Filter").inputValue()).resolves.toBe("metrics.auc >>> 1");
      expect(logged.every((t) => t.includes("400"))).toBe(true);
      await shot(page, "03b-runs-bad-filter");
    } finally {
      await page.close();
    }
  });

  it("compares two runs with overlaid curves", async () => {
    const page = await open(`#/experiments/${seed.churnExperimentId}`);
    await page.getByText("3 runs").waitFor();
    await page.getByRole("checkbox", { name: "select baseline" }).check();
    await page.getByRole("checkbox", { name: "select tuned" }).check();
    await page.getByRole("link", { name: "Compare 2 runs" }).click();
    await page.getByRole("heading", { name: "Curves" }).waitFor();
    await page.locator("figure.chart canvas").first().waitFor();
    expect(await page.locator("figure.chart").count()).toBe(2);
    // Each chart's legend names both runs.
    const legend = await page.locator("figure.chart").first().locator(".u-legend").textContent();
    expect(legend).toContain("baseline");
    expect(legend).toContain("tuned");
    await expect(page.locator("tr.differs", { hasText: "max_depth" }).count()).resolves.toBe(1);
    await shot(page, "04-compare");
    await page.close();
  });

  it("shows a run with params, metric charts, lineage and inline artifacts", async () => {
    const page = await open(`#/runs/${seed.runs.deeper}`);
    await page.getByRole("heading", { name: "deeper", level: 1 }).waitFor();
    await page.locator("figure.chart canvas").first().waitFor();
    expect(await page.locator("figure.chart").count()).toBe(2);
    await expect(
      page.getByRole("cell", { name: String(SEED_AUC.deeper) }).isVisible(),
    ).resolves.toBe(true);
    await expect(page.getByRole("row", { name: /max_depth 6/ }).isVisible()).resolves.toBe(true);
    await expect(page.getByText("d1g3st1").isVisible()).resolves.toBe(true);
    await expect(
      page
        .getByRole("navigation", { name: "Breadcrumb" })
        .getByRole("link", { name: "churn" })
        .isVisible(),
    ).resolves.toBe(true);
    await expect(page.getByRole("link", { name: seed.runs.baseline }).isVisible()).resolves.toBe(
      true,
    );
    await page.getByRole("button", { name: "notes.txt" }).click();
    await page.getByText(`run deeper: auc ${SEED_AUC.deeper}`).waitFor();
    await page.getByRole("button", { name: "plots/" }).click();
    await page.getByRole("button", { name: "dot.png" }).click();
    const image = page.getByRole("img", { name: "dot.png" });
    await image.waitFor();
    expect(
      await image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    ).toBe(1);
    await page.getByRole("button", { name: "../" }).click();
    await page.getByRole("button", { name: "report/" }).click();
    await page.getByRole("button", { name: "index.html" }).click();
    const frame = page.frameLocator("iframe.artifact-html");
    await frame.getByRole("heading", { name: "Evaluation of deeper" }).waitFor();
    await shot(page, "05-run");
    await page.close();
  });

  it("renders and scrolls 10,000 runs without a long task over 200 ms", async () => {
    const page = await open(`#/experiments/${seed.sweepExperimentId}`);
    await page.getByText(`${SWEEP_RUNS} runs`, { exact: true }).waitFor({ timeout: 60_000 });
    figures.tenThousandRunsVisibleMs = Math.round(Number(await page.evaluate("performance.now()")));
    expect(await page.locator("table.runs tbody tr").count()).toBeLessThan(120);
    const box = page.locator(".table-box");
    for (let i = 1; i <= 20; i++) {
      await box.evaluate((el, top) => el.scrollTo(0, top), i * 16_000);
      await page.waitForTimeout(30);
    }
    await page.getByRole("link", { name: "trial-0", exact: true }).waitFor();
    // Keyboard: ArrowDown walks the rows, rendering and scrolling to the ones out of view.
    await box.evaluate((el) => el.scrollTo(0, 0));
    await page.getByRole("link", { name: `trial-${SWEEP_RUNS - 1}`, exact: true }).focus();
    for (let i = 0; i < 40; i++) await page.keyboard.press("ArrowDown");
    expect(await page.evaluate("document.activeElement?.textContent")).toBe(
      `trial-${SWEEP_RUNS - 41}`,
    );
    await expect(
      page.getByRole("link", { name: `trial-${SWEEP_RUNS - 41}`, exact: true }).isVisible(),
    ).resolves.toBe(true);
    await page.getByRole("button", { name: /^rmse/ }).click();
    await page.waitForTimeout(200);
    const longTasks = (await page.evaluate("window.__longTasks")) as number[];
    // No long tasks must mean none happened, not that nobody was listening.
    expect(Array.isArray(longTasks)).toBe(true);
    expect(
      await page.evaluate(`PerformanceObserver.supportedEntryTypes.includes("longtask")`),
    ).toBe(true);
    figures.longTasks = longTasks.length;
    figures.longestTaskMs = Math.round(Math.max(0, ...longTasks));
    await shot(page, "06-runs-10000");
    expect(Math.max(0, ...longTasks)).toBeLessThan(200);
    await page.close();
  }, 120_000);

  it("shows a model's versions, aliases and audit log, and rolls @champion back after confirmation", async () => {
    const list = await open("#/models");
    await list.getByRole("link", { name: "churn" }).waitFor();
    await expect(list.getByText("@champion → v2").isVisible()).resolves.toBe(true);
    await shot(list, "07-models");
    await list.close();

    const page = await open("#/models/churn");
    await page.getByRole("table", { name: "Alias audit log" }).waitFor();
    await expect(page.getByRole("cell", { name: "AUC +3.4% over v1" }).isVisible()).resolves.toBe(
      true,
    );
    await page.getByRole("button", { name: "Roll back @champion to v1" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    await shot(page, "08-rollback-confirm");
    // Cancel first: nothing moves.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect((await tracking.models.getByAlias("churn", "champion")).version).toBe(2);
    await page.getByRole("button", { name: "Roll back @champion to v1" }).click();
    await dialog.getByLabel("Reason").fill("precision dropped on v2");
    await dialog.getByRole("button", { name: "Roll back" }).click();
    await page.getByText("@champion now points at version 1").waitFor();
    await page.getByRole("cell", { name: "precision dropped on v2" }).waitFor();
    expect((await tracking.models.getByAlias("churn", "champion")).version).toBe(1);
    await shot(page, "09-model-after-rollback");
    await page.close();
  });

  it("shows a tuning study: history with pruned trials, importances, parallel coordinates, slices", async () => {
    const list = await open("#/studies");
    await list.getByRole("link", { name: SEED_STUDY.name }).waitFor();
    const row = list.getByRole("row", { name: new RegExp(SEED_STUDY.name) });
    expect(await row.getByRole("cell").allTextContents()).toEqual(
      expect.arrayContaining([String(SEED_STUDY.trials), String(seed.prunedTrials)]),
    );
    await shot(list, "12-studies");
    await list.close();

    // The median pruner really stopped some trials, and the page shows each where it stopped.
    expect(seed.prunedTrials).toBeGreaterThan(0);
    const complete = SEED_STUDY.trials - seed.prunedTrials;
    const page = await open(`#/studies/${SEED_STUDY.name}`);
    await page.getByRole("heading", { name: "Slice plots" }).waitFor();
    const history = page.locator("figure.chart", { hasText: "Optimisation history" });
    expect(await history.locator('[data-series="complete"] circle').count()).toBe(complete);
    expect(
      await history.locator('[data-series="pruned (last reported value)"] circle').count(),
    ).toBe(seed.prunedTrials);
    expect(await history.locator('path[data-series="best so far"]').count()).toBe(1);
    const curves = page.locator("figure.chart", { hasText: "Intermediate values" });
    expect(await curves.locator("path.series").count()).toBe(SEED_STUDY.trials);
    expect(await page.locator("polyline.pc-line").count()).toBe(complete);
    const importance = page.locator("figure.chart", { hasText: "Parameter importance" });
    expect(await importance.getByRole("rowheader").allTextContents()).toEqual(
      expect.arrayContaining(["learning_rate", "max_depth", "booster"]),
    );
    for (const p of ["learning_rate", "max_depth", "booster"])
      expect(
        await page
          .locator("figure.chart", { hasText: `objective by ${p}` })
          .locator("circle")
          .count(),
      ).toBe(complete);
    const trials = page.getByRole("table", { name: "Trials" });
    expect(await trials.getByRole("cell", { name: "PRUNED", exact: true }).count()).toBe(
      seed.prunedTrials,
    );
    await shot(page, "13-study");
    await page.close();
  });

  it("shows the evaluation report on a model version's page: gates, ROC, PR, calibration, segments", async () => {
    const page = await open("#/models/churn");
    await page.getByRole("link", { name: "v2", exact: true }).click();
    await page.getByRole("heading", { name: "churn v2" }).waitFor();
    await page.getByRole("table", { name: "Gates" }).waitFor();
    const auc = String(Number(seed.evaluationAuc.toFixed(4)));
    await page.getByText(`ROC (AUC ${auc})`).waitFor();
    for (const title of ["ROC", "Precision–recall", "Calibration"]) {
      const chart = page.locator("figure.chart", { hasText: title });
      const d = await chart.locator('path[data-series="model"]').getAttribute("d");
      // A real curve: many points, not a placeholder line.
      expect((d ?? "").split("L").length).toBeGreaterThan(5);
    }
    const gates = page.getByRole("table", { name: "Gates" });
    await expect(gates.getByRole("row", { name: /rocAuc/ }).textContent()).resolves.toContain(
      "pass",
    );
    const segments = page.getByRole("table", { name: "Metrics by senior_citizen" });
    expect(await segments.getByRole("rowheader").allTextContents()).toEqual([
      "senior_citizen=0",
      "senior_citizen=1",
    ]);
    await shot(page, "14-model-version-evaluation");
    await page.close();

    // A version whose run logged no report says so.
    const v1 = await open("#/models/churn/1");
    await v1.getByText(/no evaluation report in run/).waitFor();
    await v1.close();
  });

  it("shows a deployment: weights, traffic and latency per variant, canary, A/B with CIs, shadow", async () => {
    const list = await open("#/deployments");
    await list.getByRole("link", { name: SEED_OPS.deployment, exact: true }).waitFor();
    await list.getByText("challenger at 25% (running)").waitFor();
    await shot(list, "15-deployments");
    await list.close();

    const page = await open(`#/deployments/${SEED_OPS.deployment}`);
    const variants = page.getByRole("table", { name: "Variants" });
    await variants.waitFor();
    // Requests per variant as logged; the weight in force is the canary's 25% and the rest.
    for (const [variant, inForce] of [
      ["champion", "75"],
      ["challenger", "25"],
    ] as const) {
      const cells = await variants
        .getByRole("row", { name: new RegExp(`^${variant}`) })
        .getByRole("cell")
        .allTextContents();
      expect(cells[2]).toBe(inForce);
      expect(cells[3]).toBe(String(seed.traffic.requests[variant]));
      expect(Number(cells[6])).toBeGreaterThan(0); // p95 latency in ms
    }
    for (const title of ["Requests/s per variant", "p95 latency per variant"]) {
      const chart = page.locator("figure.chart", { hasText: title });
      for (const variant of ["champion", "challenger"])
        expect(await chart.locator(`path[data-series="${variant}"]`).count()).toBe(1);
    }
    const steps = page.getByRole("list", { name: "Canary steps" });
    await expect(steps.locator('[aria-current="step"]').textContent()).resolves.toBe("25%");
    const ab = page.getByRole("table", { name: "A/B results" });
    const challenger = await ab.getByRole("row", { name: /^challenger/ }).textContent();
    // AUC with its interval, and the difference to the control with a p-value.
    expect(challenger).toMatch(/0\.\d+ \[0\.\d+, 0\.\d+\]/);
    expect(challenger).toMatch(/p [\d.e-]+/);
    expect(await page.locator("g.interval").count()).toBe(3);
    const shadow = await page
      .getByRole("table", { name: "Shadow comparison" })
      .getByRole("row", { name: /^candidate/ })
      .getByRole("cell")
      .allTextContents();
    expect(shadow[1]).toBe("3000");
    expect(shadow[2]).toBe("0");
    const history = page.getByRole("table", { name: "Deployment history" });
    expect(await history.getByRole("cell", { name: "canary_advance" }).count()).toBe(1);
    await shot(page, "16-deployment");
    await page.close();
  });

  it("shows a monitor: drift heat map, histogram overlay of a picked feature, predictions, alerts", async () => {
    const list = await open("#/monitors");
    await list.getByRole("link", { name: SEED_OPS.monitor, exact: true }).waitFor();
    await shot(list, "17-monitors");
    await list.close();

    const page = await open(`#/monitors/${SEED_OPS.monitor}`);
    const heat = page.getByRole("table", { name: /Drift by feature and window/ });
    await heat.waitFor();
    expect(await heat.getByRole("button").count()).toBe(3 * SEED_OPS.windows);
    // The drifting windows are flagged, the early ones are not.
    expect(
      await heat.locator("tr", { hasText: "monthly_charges" }).locator("td.flagged").count(),
    ).toBeGreaterThan(0);
    await expect(
      heat
        .locator("tr", { hasText: "monthly_charges" })
        .locator("td")
        .first()
        .getAttribute("class"),
    ).resolves.toBeNull();
    await page.getByLabel("Feature", { exact: true }).selectOption("contract");
    const overlay = page.locator("figure.chart", { hasText: "contract: reference vs window" });
    for (const side of ["reference", "window"])
      expect(await overlay.locator(`path[data-series="${side}"]`).count()).toBe(1);
    // A heat map cell picks its feature and window.
    await heat
      .getByRole("button", { name: /^tenure at / })
      .first()
      .click();
    await page.locator("figure.chart", { hasText: "tenure: reference vs window" }).waitFor();
    const predictions = page.locator("figure.chart", { hasText: "Prediction distribution" });
    expect(await predictions.locator('path[data-series="window"]').count()).toBe(1);
    expect(seed.alerts.length).toBeGreaterThan(0);
    const alerts = page.getByRole("table", { name: "Alerts" });
    expect(await alerts.locator("tbody tr").count()).toBe(seed.alerts.length);
    await expect(
      alerts.getByRole("cell", { name: "dataset-drift" }).count(),
    ).resolves.toBeGreaterThan(0);
    await heat
      .getByRole("button", { name: /^monthly_charges at / })
      .last()
      .click();
    await shot(page, "18-monitor");
    await page.close();
  });

  it("shows pipeline runs with step states as a DAG, durations, logs, retries, and replays a dead letter", async () => {
    const list = await open("#/pipelines");
    const runs = list.getByRole("table", { name: "Pipeline runs" });
    await runs.waitFor();
    expect(await runs.locator("tbody tr").count()).toBe(2);
    const letters = list.getByRole("table", { name: "Dead letters" });
    await letters.getByRole("cell", { name: "train", exact: true }).waitFor();
    await shot(list, "19-pipelines");
    await list.close();

    const page = await open(`#/pipeline-runs/${pipelines.failedRunId}`);
    const steps = page.getByRole("table", { name: "Steps" });
    await steps.waitFor();
    const state = async (step: string) =>
      await steps
        .getByRole("row", { name: new RegExp(`^${step} `) })
        .getByRole("cell")
        .allTextContents();
    const train = await state("train");
    expect(train.slice(0, 3)).toEqual(["failed", "2", "1"]); // state, tries, retries
    expect(train[5]).toContain("out of memory");
    expect((await state("evaluate"))[0]).toBe("upstream_failed");
    expect((await state("report"))[0]).toBe("succeeded");
    expect(Number((await state("extract"))[4])).toBeGreaterThanOrEqual(0); // duration in ms
    // The DAG: five boxes coloured by state and the four edges of the definition.
    expect(await page.locator("g.dag-node").count()).toBe(5);
    expect(await page.locator("g.dag-node.state-failed").getAttribute("data-step")).toBe("train");
    expect(await page.locator("path.dag-edge").count()).toBe(4);
    expect(await page.locator('path[data-edge="validate->report"]').count()).toBe(1);
    await page.getByLabel("Step", { exact: true }).selectOption("extract");
    await expect(page.getByRole("log", { name: "Logs" }).textContent()).resolves.toContain(
      "read 7043 rows",
    );
    await shot(page, "20-pipeline-run-failed");

    // Replay, confirmed: train runs again and the run succeeds.
    await page.getByRole("button", { name: `Replay #${pipelines.deadLetterId}` }).click();
    await page.getByRole("button", { name: "Confirm replay" }).click();
    await page
      .getByText(new RegExp(`Dead letter ${pipelines.deadLetterId} replayed: run \\w+ succeeded`))
      .waitFor();
    await page
      .getByRole("table", { name: "Steps" })
      .getByRole("cell", { name: "upstream_failed" })
      .waitFor({ state: "detached" });
    expect((await state("evaluate"))[0]).toBe("succeeded");
    await shot(page, "21-pipeline-run-replayed");
    await page.close();
  });

  it("shows the feature store: views, entities, TTL, freshness, last materialisation and statistics", async () => {
    const page = await open("#/features");
    const views = page.getByRole("table", { name: "Feature views" });
    await views.waitFor();
    const row = async (name: string) =>
      views
        .getByRole("row", { name: new RegExp(`^${name} `) })
        .getByRole("cell")
        .allTextContents();
    const stats = await row("customer_stats");
    // entities, features, TTL, freshness, status
    expect(stats.slice(0, 5)).toEqual(["customer", "3", "1d", "2h", "fresh"]);
    expect(stats[6]).not.toBe("never");
    expect((await row("customer_profile")).slice(2, 5)).toEqual([
      "30d",
      "30d",
      "stale (never materialised)",
    ]);
    await page
      .getByRole("table", { name: "Entities" })
      .getByRole("cell", { name: "customer_id" })
      .waitFor();
    await page
      .getByRole("table", { name: "Feature services" })
      .getByRole("rowheader", { name: "churn_v1" })
      .waitFor();
    await shot(page, "22-features");
    await page.getByRole("link", { name: "customer_stats" }).click();
    const table = page.getByRole("table", { name: "Feature statistics" });
    await table.waitFor();
    await page.getByText(`${features.sourceRows} rows in`).waitFor();
    expect(await table.getByRole("rowheader").allTextContents()).toEqual([
      "orders_7d",
      "spend_7d",
      "plan",
    ]);
    const plan = await table
      .getByRole("row", { name: /^plan/ })
      .getByRole("cell")
      .allTextContents();
    expect(plan[2]).toBe("3"); // distinct plans
    expect(features.rows).toBeGreaterThan(0);
    await shot(page, "23-feature-view");
    await page.close();
  });

  it("follows the dark colour scheme", async () => {
    const page = await open(`#/runs/${seed.runs.tuned}`);
    await page.emulateMedia({ colorScheme: "dark" });
    await page.locator("figure.chart canvas").first().waitFor();
    const background = await page.evaluate("getComputedStyle(document.body).backgroundColor");
    expect(background).toBe("rgb(21, 24, 28)");
    await shot(page, "10-run-dark");
    await page.close();
    // The SVG charts take their ink and grid from the theme too.
    const monitor = await open(`#/monitors/${SEED_OPS.monitor}`);
    await monitor.emulateMedia({ colorScheme: "dark" });
    await monitor.getByRole("table", { name: /Drift by feature and window/ }).waitFor();
    expect(
      await monitor.evaluate(
        `getComputedStyle(document.querySelector("svg.xy-plot text.tick")).fill`,
      ),
    ).toBe("rgb(154, 164, 174)");
    await shot(monitor, "24-monitor-dark");
    await monitor.close();
  });

  it("asks for a token when the server has them, then sends it on every call", async () => {
    const locked = await createApp({
      tracking,
      uiDir: defaultUiDir(),
      tokens: [{ name: "viewer", scope: "read", sha256: hashToken("read-secret") }],
    });
    const lockedBase = await locked.listen({ host: "127.0.0.1", port: 0 });
    const page = await context.newPage();
    try {
      await page.goto(`${lockedBase}/#/experiments`);
      await page.getByRole("alert").getByText("UNAUTHENTICATED").waitFor();
      await page.getByRole("link", { name: "Enter a token" }).click();
      await page.getByLabel("Bearer token").fill("read-secret");
      await page.getByRole("button", { name: "Use token" }).click();
      await page.getByRole("link", { name: "churn" }).waitFor();
      await shot(page, "11-with-token");
    } finally {
      await page.close();
      await locked.close();
    }
  });

  it("logged no browser console errors on any page", () => {
    expect(errors).toEqual([]);
  });
});
