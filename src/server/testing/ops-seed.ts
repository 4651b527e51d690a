import { createLogger, Frame, type FrameRecord, Rng } from "../../core/index.js";
import { type Alert, type MonitorDefinition, runMonitor } from "../../monitor/index.js";
import { alertLogOf } from "../../orchestrate/index.js";
import { openServingStore, type PredictionLogEntry } from "../../serve/index.js";
import { MonitoringStore } from "../../store/index.js";
import type { Tracking } from "../../track/index.js";

/** The seeded deployment and monitor (both named after the model). @example `SEED_OPS.deployment; // "churn"` */
export const SEED_OPS = { deployment: "churn", monitor: "churn", windows: 12 } as const;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** What {@link seedDeployment} logged, for the test's assertions. @example `seeded.requests.challenger` */
export interface SeededTraffic {
  readonly requests: Readonly<Record<string, number>>;
  readonly labelled: number;
}

/**
 * Seeds the serving store as a live canary would leave it: deployment `churn` (champion v1,
 * challenger v2 under a 5 → 25 → 50 → 100% canary now at 25%, a shadow `candidate`), created
 * 55 minutes ago and advanced to 25% 45 minutes ago (the two events are backdated, since the
 * store stamps changes with the clock), then 45 minutes of logged predictions with latencies,
 * shadow answers and feedback labels for 70% of them. Test-only.
 *
 * @example
 * ```ts
 * const traffic = await seedDeployment(tracking);
 * ```
 */
export async function seedDeployment(tracking: Tracking): Promise<SeededTraffic> {
  const store = openServingStore(tracking.database);
  const now = Date.now();
  await store.createDeployment(
    {
      name: SEED_OPS.deployment,
      variants: [
        { name: "champion", model: "models:/churn/1", weight: 75 },
        { name: "challenger", model: "models:/churn/2", weight: 25 },
      ],
      shadow: [{ name: "candidate", model: "models:/churn/2" }],
      canary: {
        variant: "challenger",
        steps: [5, 25, 50, 100],
        intervalMs: 10 * MINUTE,
        guardrails: { maxP99Ms: 50, maxErrorRate: 0.01 },
      },
    },
    { actor: "ana", reason: "canary of v2" },
  );
  const advancedAt = now - 45 * MINUTE;
  await store.updateDeployment(SEED_OPS.deployment, {
    kind: "canary_advance",
    reason: "guardrails held at 5%",
    actor: "canary",
    state: { canary: { stepIndex: 1, stepStartedAt: advancedAt, outcome: "running" } },
  });
  const db = tracking.database.db;
  await db
    .updateTable("deployment_events")
    .set({ created_at: now - 55 * MINUTE })
    .where("kind", "=", "create")
    .execute();
  await db
    .updateTable("deployment_events")
    .set({ created_at: advancedAt })
    .where("kind", "=", "canary_advance")
    .execute();

  const rng = new Rng(5);
  const n = 3000;
  const entries: PredictionLogEntry[] = [];
  const labels: { requestId: string; label: number }[] = [];
  const requests: Record<string, number> = { champion: 0, challenger: 0 };
  for (let i = 0; i < n; i++) {
    const variant = rng.next() < 0.25 ? "challenger" : "champion";
    requests[variant] = (requests[variant] ?? 0) + 1;
    const churn = rng.next() < 0.27;
    // The challenger separates the classes better, and is a little slower.
    const strength = variant === "challenger" ? 1.6 : 1.1;
    const p = 1 / (1 + Math.exp(-((churn ? 1 : -1) * strength + rng.normal())));
    const shadowP = Math.min(1, Math.max(0, p + 0.06 * rng.normal()));
    const requestId = `req-${i}`;
    entries.push({
      requestId,
      time: advancedAt + 30_000 + Math.floor((i * (44 * MINUTE)) / n),
      deployment: SEED_OPS.deployment,
      variant,
      modelVersion: variant === "challenger" ? "2" : "1",
      input: { tenure: Math.round(rng.uniform(0, 72)), monthly_charges: rng.uniform(20, 110) },
      output: { prediction: p },
      latencyMs: (variant === "challenger" ? 5 : 3) + Math.abs(rng.normal()) * 2,
      shadow: { candidate: { prediction: shadowP } },
    });
    if (rng.next() < 0.7) labels.push({ requestId, label: churn ? 1 : 0 });
  }
  await store.appendPredictions(entries);
  for (const l of labels)
    await store.recordFeedback({
      deployment: SEED_OPS.deployment,
      requestId: l.requestId,
      label: l.label,
      time: now,
    });
  return { requests, labelled: labels.length };
}

function churnRows(rng: Rng, n: number, shift: number): FrameRecord[] {
  const contracts = ["Month-to-month", "One year", "Two year"];
  return Array.from({ length: n }, () => {
    const monthly = 65 + 25 * rng.normal() + 30 * shift;
    const contract = contracts[rng.next() < 0.5 + 0.3 * shift ? 0 : 1 + rng.int(2)]!;
    return {
      tenure: Math.max(0, Math.round(32 + 20 * rng.normal() - 10 * shift)),
      monthly_charges: monthly,
      contract,
      prediction: 1 / (1 + Math.exp(-(monthly - 70) / 20 - shift)),
    };
  });
}

/**
 * Runs monitor `churn` (hourly windows of 600 rows, above the default `minRows` of 500, log sink) over the last 12 hours the way `keel monitor
 * run` does, once per window with the clock set to the window's end: the first windows match
 * the reference, the last four drift more and more (higher monthly charges, more monthly
 * contracts), so the heat map has both and the later runs raise alerts. Results and alert
 * deliveries go to the metadata store. Returns the alerts raised. Test-only.
 *
 * @example
 * ```ts
 * const alerts = await seedMonitor(tracking);
 * ```
 */
export async function seedMonitor(tracking: Tracking): Promise<Alert[]> {
  const store = new MonitoringStore(tracking.database);
  const rng = new Rng(9);
  const reference = Frame.fromRecords(churnRows(rng, 1500, 0));
  const definition: MonitorDefinition = {
    name: SEED_OPS.monitor,
    deployment: SEED_OPS.deployment,
    reference: "models:/churn@champion",
    window: "hourly",
    prediction: { maxShift: 0.1 },
    performance: false,
    alerts: { sinks: [{ type: "log" }], cooldownMinutes: 60 },
  };
  const silent = createLogger({ sink: () => {} });
  const end = Math.floor(Date.now() / HOUR) * HOUR;
  const raised: Alert[] = [];
  for (let w = 0; w < SEED_OPS.windows; w++) {
    const shift = Math.max(0, w - (SEED_OPS.windows - 5)) / 4;
    const run = await runMonitor(definition, {
      reference,
      readWindow: async () => Frame.fromRecords(churnRows(rng, 600, shift)),
      results: store,
      alertLog: alertLogOf(store),
      now: () => end - (SEED_OPS.windows - 1 - w) * HOUR,
      logger: silent,
    });
    raised.push(...run.alerts);
  }
  return raised;
}
