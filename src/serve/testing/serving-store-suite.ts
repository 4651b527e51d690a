import { expect, it } from "vitest";
import { isKeelError } from "../../core/index.js";
import type { DeploymentSpec } from "../deployment-spec.js";
import type { PredictionLogEntry } from "../prediction-entry.js";
import type { ReadPredictionsQuery, ServingStore } from "../serving-store.js";

/**
 * A fresh, empty serving store and how to dispose of it, for {@link servingStoreSuite}.
 *
 * @example
 * ```ts
 * const fixture: ServingStoreFixture = { store, close: () => database.close() };
 * ```
 */
export interface ServingStoreFixture {
  readonly store: ServingStore;
  close(): Promise<void>;
}

/**
 * Builds a log entry for tests, overriding any field.
 *
 * @example
 * ```ts
 * const entry = logEntry({ requestId: "r1", variant: "challenger" });
 * ```
 */
export function logEntry(overrides: Partial<PredictionLogEntry> = {}): PredictionLogEntry {
  return {
    requestId: "r",
    time: Date.UTC(2026, 0, 1),
    deployment: "churn",
    variant: "champion",
    modelVersion: "3",
    input: { tenure: 12, contract: "Month-to-month", charges: 70.35, senior: null },
    output: { prediction: 0.25, probabilities: { No: 0.75, Yes: 0.25 } },
    latencyMs: 0.5,
    ...overrides,
  };
}

const SPEC: DeploymentSpec = {
  name: "churn",
  variants: [
    { name: "champion", model: "models:/churn@champion", weight: 90 },
    { name: "challenger", model: "models:/churn/7", weight: 10 },
  ],
  stickyKey: "customer_id",
};

/**
 * The conformance suite every {@link ServingStore} passes (SQLite and PostgreSQL): call it in
 * a `describe` with a factory that opens a fresh, empty store. It checks the contract written
 * on the interface.
 *
 * @example
 * ```ts
 * describe("SQLite serving store", () => servingStoreSuite(async () => { ... }));
 * ```
 */
export function servingStoreSuite(open: () => Promise<ServingStoreFixture>): void {
  async function using(work: (store: ServingStore) => Promise<void>): Promise<void> {
    const fixture = await open();
    try {
      await work(fixture.store);
    } finally {
      await fixture.close();
    }
  }

  it("creates, reads and lists deployments; a second create of a name is refused", () =>
    using(async (store) => {
      const created = await store.createDeployment(SPEC, { actor: "ana", reason: "first" });
      expect(created).toMatchObject({ name: "churn", spec: SPEC, state: {}, revision: 1 });
      expect(await store.getDeployment("churn")).toEqual(created);
      await store.createDeployment({ ...SPEC, name: "another" });
      expect((await store.listDeployments()).map((d) => d.name)).toEqual(["another", "churn"]);
      await expect(store.createDeployment(SPEC)).rejects.toMatchObject({
        code: "KEEL_ERR_ALREADY_EXISTS",
      });
      expect(await store.findDeployment("nope")).toBeUndefined();
      const missing = await store.getDeployment("chrun").catch((e: unknown) => e);
      expect(isKeelError(missing, "KEEL_ERR_DEPLOYMENT_NOT_FOUND")).toBe(true);
      expect((missing as Error).message).toBe("no deployment named 'chrun'; known: another, churn");
    }));

  it("refuses an invalid spec before storing anything", () =>
    using(async (store) => {
      const bad = { ...SPEC, variants: [] } as DeploymentSpec;
      await expect(store.createDeployment(bad)).rejects.toMatchObject({
        code: "KEEL_ERR_DEPLOYMENT_INVALID",
      });
      expect(await store.listDeployments()).toEqual([]);
    }));

  it("records every change as an event, bumps the revision, and rolls back spec changes", () =>
    using(async (store) => {
      await store.createDeployment(SPEC, { reason: "first" });
      const promoted: DeploymentSpec = {
        ...SPEC,
        variants: SPEC.variants.map((v) => ({ ...v, weight: v.name === "challenger" ? 100 : 0 })),
      };
      const after = await store.updateDeployment("churn", {
        kind: "promote",
        spec: promoted,
        reason: "challenger AUC +2%",
        actor: "ana",
      });
      expect(after.revision).toBe(2);
      expect(after.spec).toEqual(promoted);
      const stateOnly = await store.updateDeployment("churn", {
        kind: "canary_advance",
        state: { canary: { stepIndex: 1, stepStartedAt: 5, outcome: "running" } },
        reason: "guardrails held",
      });
      expect(stateOnly.spec).toEqual(promoted);
      expect(stateOnly.state.canary?.stepIndex).toBe(1);
      await expect(
        store.updateDeployment("churn", { kind: "update", reason: "stale", expectedRevision: 2 }),
      ).rejects.toMatchObject({ code: "KEEL_ERR_CONFLICT" });

      const rolled = await store.rollbackDeployment("churn", { reason: "precision dropped" });
      expect(rolled.spec).toEqual(SPEC);
      expect(rolled.state).toEqual({});
      expect(rolled.revision).toBe(4);
      const events = await store.deploymentEvents("churn");
      expect(events.map((e) => [e.kind, e.revision, e.reason])).toEqual([
        ["rollback", 4, "precision dropped"],
        ["canary_advance", 3, "guardrails held"],
        ["promote", 2, "challenger AUC +2%"],
        ["create", 1, "first"],
      ]);
      expect(events[2]).toMatchObject({ actor: "ana", fromSpec: SPEC, toSpec: promoted });
      expect(events[3]?.fromSpec).toBeNull();
      // A second rollback undoes the first.
      expect((await store.rollbackDeployment("churn")).spec).toEqual(promoted);
    }));

  it("refuses a rollback with nothing to roll back to, and a rename", () =>
    using(async (store) => {
      await store.createDeployment(SPEC);
      await expect(store.rollbackDeployment("churn")).rejects.toMatchObject({
        code: "KEEL_ERR_INVALID_STATE",
      });
      await expect(
        store.updateDeployment("churn", {
          kind: "update",
          spec: { ...SPEC, name: "x" },
          reason: "",
        }),
      ).rejects.toMatchObject({ code: "KEEL_ERR_INVALID_ARGUMENT" });
      await expect(store.deploymentEvents("nope")).rejects.toMatchObject({
        code: "KEEL_ERR_DEPLOYMENT_NOT_FOUND",
      });
    }));

  it("reads predictions back as written, oldest first, filtered by deployment, window and variant", () =>
    using(async (store) => {
      const T = Date.UTC(2026, 0, 1);
      const entries = [
        logEntry({ requestId: "a", time: T + 2 }),
        logEntry({
          requestId: "b",
          time: T,
          variant: "challenger",
          output: { prediction: "Yes" },
          shadow: { next: { prediction: 0.9 }, broken: { error: "timeout" } },
        }),
        logEntry({ requestId: "c", time: T + 1, input: { text: 'quote " and ünïcode' } }),
        logEntry({ requestId: "d", time: T + 1, deployment: "other" }),
      ];
      await store.appendPredictions(entries);
      await store.appendPredictions([]);
      const rows = await store.readPredictions({ deployment: "churn" });
      expect(rows.map((r) => r.requestId)).toEqual(["b", "c", "a"]);
      const { id, ...b } = rows[0]!;
      expect(typeof id).toBe("number");
      // No receipt time given: the entry was received at its event time.
      expect(b).toEqual({ ...entries[1], receivedAt: T });
      expect(rows[1]?.input).toEqual({ text: 'quote " and ünïcode' });
      expect(rows[2]).toMatchObject({ output: entries[0]!.output, input: entries[0]!.input });
      expect(
        (await store.readPredictions({ deployment: "churn", from: T + 1, to: T + 2 })).map(
          (r) => r.requestId,
        ),
      ).toEqual(["c"]);
      expect(
        (await store.readPredictions({ deployment: "churn", variant: "champion", limit: 1 })).map(
          (r) => r.requestId,
        ),
      ).toEqual(["c"]);
      await expect(store.readPredictions({ deployment: "churn", limit: 0 })).rejects.toMatchObject({
        code: "KEEL_ERR_INVALID_ARGUMENT",
      });
    }));

  it("keeps a replayed entry's event time apart from when it was served, and filters by either and by version", () =>
    using(async (store) => {
      const T = Date.UTC(2026, 0, 1);
      const served = Date.UTC(2026, 5, 1);
      await store.appendPredictions([
        // Simulated March traffic replayed in June, by two versions of the champion.
        logEntry({ requestId: "old", time: T, receivedAt: served, modelVersion: "3" }),
        logEntry({ requestId: "new", time: T + 10, receivedAt: served + 5, modelVersion: "4" }),
        // Live traffic: served when it happened.
        logEntry({ requestId: "live", time: served + 9 }),
      ]);
      const rows = await store.readPredictions({ deployment: "churn" });
      expect(rows.map((r) => [r.requestId, r.time, r.receivedAt])).toEqual([
        ["old", T, served],
        ["new", T + 10, served + 5],
        ["live", served + 9, served + 9],
      ]);
      const ids = async (q: Omit<ReadPredictionsQuery, "deployment">) =>
        (await store.readPredictions({ deployment: "churn", ...q })).map((r) => r.requestId);
      // Windows are event time: the replayed day, not the day it was replayed.
      expect(await ids({ from: T, to: T + 86_400_000 })).toEqual(["old", "new"]);
      expect(await ids({ from: served, to: served + 86_400_000 })).toEqual(["live"]);
      expect(await ids({ receivedFrom: served + 5 })).toEqual(["new", "live"]);
      expect(await ids({ modelVersion: "4" })).toEqual(["new"]);
    }));

  it("joins feedback by request id, whenever it arrives, keeping the latest label", () =>
    using(async (store) => {
      await store.appendPredictions([logEntry({ requestId: "a" }), logEntry({ requestId: "b" })]);
      expect(
        await store.recordFeedback({ deployment: "churn", requestId: "a", label: 1, time: 10 }),
      ).toBe(true);
      expect(
        await store.recordFeedback({ deployment: "churn", requestId: "a", label: 0, time: 11 }),
      ).toBe(true);
      // Feedback may overtake its prediction (the log writes asynchronously).
      expect(
        await store.recordFeedback({ deployment: "churn", requestId: "c", label: "Yes", time: 12 }),
      ).toBe(false);
      expect(
        await store.recordFeedback({ deployment: "other", requestId: "b", label: true, time: 13 }),
      ).toBe(false);
      await store.appendPredictions([logEntry({ requestId: "c" })]);
      const rows = await store.readPredictions({ deployment: "churn" });
      expect(rows.map((r) => [r.requestId, r.label, r.feedbackTime])).toEqual([
        ["a", 0, 11],
        ["b", undefined, undefined],
        ["c", "Yes", 12],
      ]);
      expect("label" in rows[1]!).toBe(false);
      await expect(
        store.recordFeedback({
          deployment: "churn",
          requestId: "a",
          label: { x: 1 } as never,
          time: 1,
        }),
      ).rejects.toMatchObject({ code: "KEEL_ERR_INVALID_ARGUMENT" });
    }));

  it("writes a batch in one transaction: a failing batch leaves nothing", () =>
    using(async (store) => {
      const rows = Array.from({ length: 1000 }, (_, i) =>
        logEntry({ requestId: `r${i}`, time: i }),
      );
      // A row the table refuses (NOT NULL) in the last statement of the batch.
      const poisoned = [...rows, logEntry({ requestId: null as unknown as string })];
      await expect(store.appendPredictions(poisoned)).rejects.toBeDefined();
      expect(await store.readPredictions({ deployment: "churn" })).toEqual([]);
      await store.appendPredictions(rows);
      expect((await store.readPredictions({ deployment: "churn" })).length).toBe(1000);
    }));
}
