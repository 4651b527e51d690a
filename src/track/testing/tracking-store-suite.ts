import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { sql } from "kysely";
import { isKeelError } from "../../core/index.js";
import { FILTER_LIMITS } from "../filter-parser.js";
import type { Tracking } from "../tracking.js";
import { mlflowSemanticsChecks } from "./mlflow-semantics-checks.js";
import { metric, rejectsWith, unique } from "./suite-helpers.js";

/**
 * A tracking backend under test. `spawnWriter` runs a child process that logs to the same
 * store (another process, another connection), for the concurrency checks.
 */
export interface TrackingFixture {
  readonly tracking: Tracking;
  /** Opens a second, independent instance on the same store (its own connections). */
  openAnother(): Promise<Tracking>;
  /** Starts `processes` child processes, each running `batches` log-batch calls (see the worker). */
  spawnWriters(options: {
    processes: number;
    batches: number;
    sharedRunId: string;
    experimentId: string;
  }): Promise<void>;
  dispose(): Promise<void>;
}

/** One conformance check. */
export interface TrackingCheck {
  readonly name: string;
  run(fixture: TrackingFixture): Promise<void>;
}

/**
 * The conformance suite every tracking backend passes (SQLite and PostgreSQL): experiments,
 * run lifecycle, parameter immutability and batch atomicity, MLflow's latest-metric rule with
 * NaN/±Inf, pagination, the filter grammar (with OR and parentheses), SQL-injection attempts,
 * registry versions and aliases under concurrency, four concurrent writer processes, search
 * size limits, and the statement time limit.
 */
export function trackingStoreSuite(): TrackingCheck[] {
  return [
    {
      name: "search limits: oversized filters and orderings are KEEL_ERR_LIMIT_EXCEEDED; prototype names are rejected, not crashes",
      async run({ tracking }) {
        const experimentId = await tracking.experiments.create({ name: unique("limits") });
        const search = (filter: string, orderBy: string[] = []) =>
          tracking.runs.search({ experimentIds: [experimentId], filter, orderBy });
        const terms = (n: number) =>
          Array.from({ length: n }, (_, i) => `params.lr = 'x${i}'`).join(" OR ");
        strictEqual((await search(terms(FILTER_LIMITS.maxComparisons))).items.length, 0);
        const limitOf = async (promise: Promise<unknown>): Promise<unknown> => {
          try {
            await promise;
          } catch (error) {
            ok(isKeelError(error, "KEEL_ERR_LIMIT_EXCEEDED"), `got ${String(error)}`);
            return (error as { details?: { limit?: unknown } }).details?.limit;
          }
          throw new Error("expected KEEL_ERR_LIMIT_EXCEEDED, but the search succeeded");
        };
        strictEqual(await limitOf(search(terms(2_000))), "maxLength");
        strictEqual(
          await limitOf(search(terms(FILTER_LIMITS.maxComparisons + 1).replaceAll("x", ""))),
          "maxComparisons",
        );
        strictEqual(
          await limitOf(search(`${"(".repeat(100_000)}params.a = 'b'${")".repeat(100_000)}`)),
          "maxLength",
        );
        strictEqual(
          await limitOf(search(`${"(".repeat(21)}params.a = 'b'${")".repeat(21)}`)),
          "maxDepth",
        );
        const values = Array.from({ length: 1_001 }, () => "'a'").join(",");
        strictEqual(await limitOf(search(`params.a IN (${values})`)), "maxInValues");
        strictEqual(
          await limitOf(
            search(
              "",
              Array.from({ length: 5_000 }, () => "attributes.start_time"),
            ),
          ),
          "maxOrderByTerms",
        );
        for (const name of [
          "attributes.toString",
          "__proto__",
          "constructor",
          "valueOf",
          "datasets.constructor",
        ])
          await rejectsWith(search(`${name} = 'x'`), "KEEL_ERR_INVALID_PARAMETER_VALUE");
        await rejectsWith(search("constructor.x = 'y'"), "KEEL_ERR_FILTER_SYNTAX");
        await rejectsWith(
          search("", ["attributes.hasOwnProperty"]),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        await rejectsWith(
          tracking.experiments.search({ filter: "attributes.toString = 'x'" }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        await rejectsWith(
          tracking.models.search({ filter: "__proto__ = 'x'" }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
      },
    },
    {
      name: "statement time limit: a runaway read stops with KEEL_ERR_QUERY_TIMEOUT, the event loop keeps ticking, the store stays usable",
      async run({ tracking }) {
        const { database } = tracking;
        database.setStatementTimeout(300);
        let ticks = 0;
        let worstGapMs = 0;
        let last = performance.now();
        const ticker = setInterval(() => {
          const now = performance.now();
          worstGapMs = Math.max(worstGapMs, now - last);
          last = now;
          ticks++;
        }, 10);
        const started = performance.now();
        try {
          await rejectsWith(
            database.db
              .selectFrom(
                sql<{
                  n: number;
                }>`(with recursive c(x) as (select 1 union all select x + 1 from c where x < 2000000000) select count(*) as n from c)`.as(
                  "t",
                ),
              )
              .selectAll()
              .execute(),
            "KEEL_ERR_QUERY_TIMEOUT",
          );
        } finally {
          clearInterval(ticker);
        }
        const elapsed = performance.now() - started;
        ok(elapsed < 5_000, `the limit of 300 ms stopped the query only after ${elapsed} ms`);
        ok(
          ticks > 5 && worstGapMs < 250,
          `the event loop stalled: ${ticks} ticks, worst gap ${worstGapMs} ms`,
        );
        const experimentId = await tracking.experiments.create({ name: unique("after-timeout") });
        strictEqual(
          (await tracking.experiments.get(experimentId)).name.startsWith("after-timeout"),
          true,
        );
        database.setStatementTimeout(0);
        strictEqual(
          (await tracking.runs.search({ experimentIds: [experimentId] })).items.length,
          0,
        );
      },
    },
    {
      name: "experiments: create, get, get by name, rename, tag, delete, restore, search",
      async run({ tracking }) {
        const name = unique("exp");
        const id = await tracking.experiments.create({
          name,
          tags: [{ key: "team", value: "growth" }],
        });
        await rejectsWith(
          tracking.experiments.create({ name }),
          "KEEL_ERR_RESOURCE_ALREADY_EXISTS",
        );
        await rejectsWith(
          tracking.experiments.get("987654321"),
          "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
        );
        const got = await tracking.experiments.get(id);
        strictEqual(got.name, name);
        strictEqual(got.lifecycleStage, "active");
        strictEqual(got.artifactLocation, `mlflow-artifacts:/${id}`);
        deepStrictEqual(got.tags, [{ key: "team", value: "growth" }]);
        strictEqual((await tracking.experiments.getByName(name))?.experimentId, id);
        await tracking.experiments.rename(id, `${name}-renamed`);
        await tracking.experiments.setTag(id, { key: "team", value: "risk" });
        const found = await tracking.experiments.search({
          filter: `name = '${name}-renamed' and tags.team = 'risk'`,
        });
        deepStrictEqual(
          found.items.map((e) => e.experimentId),
          [id],
        );
        await tracking.experiments.delete(id);
        strictEqual(
          (await tracking.experiments.search({ filter: `name LIKE '${name}%'` })).items.length,
          0,
        );
        strictEqual(
          (
            await tracking.experiments.search({
              filter: `name LIKE '${name}%'`,
              viewType: "DELETED_ONLY",
            })
          ).items.length,
          1,
        );
        // MLflow: writes into a deleted experiment are INVALID_PARAMETER_VALUE, renaming it is
        // INVALID_STATE, deleting it again (or restoring an active one) RESOURCE_DOES_NOT_EXIST.
        await rejectsWith(
          tracking.runs.create({ experimentId: id }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        await rejectsWith(
          tracking.experiments.setTag(id, { key: "a", value: "b" }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        await rejectsWith(tracking.experiments.rename(id, `${name}-x`), "KEEL_ERR_INVALID_STATE");
        await rejectsWith(tracking.experiments.delete(id), "KEEL_ERR_RESOURCE_DOES_NOT_EXIST");
        await tracking.experiments.restore(id);
        strictEqual((await tracking.experiments.get(id)).lifecycleStage, "active");
        await rejectsWith(tracking.experiments.restore(id), "KEEL_ERR_RESOURCE_DOES_NOT_EXIST");
      },
    },
    {
      name: "runs: lifecycle, nested runs, names and tags",
      async run({ tracking }) {
        const experimentId = await tracking.experiments.create({ name: unique("runs") });
        const parent = await tracking.runs.create({ experimentId, runName: "parent" });
        const child = await tracking.runs.create({ experimentId, parentRunId: parent.info.runId });
        strictEqual(child.info.parentRunId, parent.info.runId);
        ok(
          child.data.tags.some(
            (t) => t.key === "mlflow.parentRunId" && t.value === parent.info.runId,
          ),
        );
        strictEqual(parent.info.status, "RUNNING");
        strictEqual(parent.info.endTime, null);
        const ended = await tracking.runs.update(parent.info.runId, { status: "FINISHED" });
        strictEqual(ended.status, "FINISHED");
        ok(ended.endTime !== null);
        await tracking.runs.update(parent.info.runId, { runName: "renamed" });
        const renamed = await tracking.runs.get(parent.info.runId);
        strictEqual(renamed.info.runName, "renamed");
        ok(renamed.data.tags.some((t) => t.key === "mlflow.runName" && t.value === "renamed"));
        await tracking.runs.setTag(child.info.runId, { key: "team", value: "growth" });
        await tracking.runs.deleteTag(child.info.runId, "team");
        await rejectsWith(
          tracking.runs.deleteTag(child.info.runId, "team"),
          "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
        );
        await tracking.runs.delete(child.info.runId);
        await rejectsWith(
          tracking.runs.logMetric(child.info.runId, metric("x", 1, 0, 0)),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        const nested = await tracking.runs.search({
          experimentIds: [experimentId],
          filter: `attributes.parent_run_id = '${parent.info.runId}'`,
          viewType: "ALL",
        });
        deepStrictEqual(
          nested.items.map((r) => r.info.runId),
          [child.info.runId],
        );
        await tracking.runs.restore(child.info.runId);
        await rejectsWith(tracking.runs.get("nope"), "KEEL_ERR_RESOURCE_DOES_NOT_EXIST");
      },
    },
    {
      name: "params are immutable and a rejected batch writes nothing",
      async run({ tracking }) {
        const run = await tracking.runs.create({ experimentId: "0" });
        const id = run.info.runId;
        await tracking.runs.logBatch(id, { params: [{ key: "lr", value: "0.1" }] });
        await tracking.runs.logBatch(id, { params: [{ key: "lr", value: "0.1" }] });
        await rejectsWith(
          tracking.runs.logBatch(id, {
            params: [
              { key: "lr", value: "0.2" },
              { key: "depth", value: "6" },
            ],
            metrics: [metric("auc", 0.9, 0, 1)],
            tags: [{ key: "t", value: "v" }],
          }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        await rejectsWith(
          tracking.runs.logBatch(id, {
            params: [
              { key: "a", value: "1" },
              { key: "a", value: "2" },
            ],
          }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        const after = await tracking.runs.get(id);
        deepStrictEqual(after.data.params, [{ key: "lr", value: "0.1" }]);
        deepStrictEqual(after.data.metrics, []);
        ok(!after.data.tags.some((t) => t.key === "t"));
        await rejectsWith(
          tracking.runs.logBatch(id, { params: [{ key: "long", value: "x".repeat(6001) }] }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        await rejectsWith(
          tracking.runs.logBatch(id, { tags: [{ key: "long", value: "x".repeat(5001) }] }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        await rejectsWith(
          tracking.runs.logBatch(id, { tags: [{ key: "k".repeat(251), value: "x" }] }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        await rejectsWith(
          tracking.runs.logBatch(id, {
            metrics: Array.from({ length: 1001 }, (_, i) => metric("m", i, i, 0)),
          }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        await rejectsWith(
          tracking.runs.logBatch(id, {
            params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: "1" })),
          }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
      },
    },
    {
      name: "text with an unpaired UTF-16 surrogate is refused wherever it enters, never stored as U+FFFD; real pairs round-trip",
      async run({ tracking }) {
        const lone = "churn \ud800 model";
        const run = await tracking.runs.create({ experimentId: "0" });
        const id = run.info.runId;
        await rejectsWith(
          tracking.runs.logBatch(id, { params: [{ key: "note", value: lone }] }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        await rejectsWith(
          tracking.runs.setTag(id, { key: "note", value: "\udc00" }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        // Names validated by no MLflow rule still cannot reach the database malformed.
        await rejectsWith(tracking.experiments.create({ name: lone }), "KEEL_ERR_INVALID_TEXT");
        await rejectsWith(tracking.models.create(lone), "KEEL_ERR_INVALID_TEXT");
        const emoji = "churn 😀 model";
        await tracking.runs.logBatch(id, { params: [{ key: "note", value: emoji }] });
        const experimentId = await tracking.experiments.create({ name: unique(emoji) });
        strictEqual((await tracking.experiments.get(experimentId)).name.startsWith(emoji), true);
        deepStrictEqual((await tracking.runs.get(id)).data.params, [{ key: "note", value: emoji }]);
      },
    },
    {
      name: "latest metric follows (step, timestamp, value), whatever the arrival order; NaN and ±Inf kept",
      async run({ tracking }) {
        const id = (await tracking.runs.create({ experimentId: "0" })).info.runId;
        const latest = async (key: string) =>
          (await tracking.runs.get(id)).data.metrics.find((m) => m.key === key);
        await tracking.runs.logBatch(id, { metrics: [metric("a", 5, 2, 100)] });
        await tracking.runs.logBatch(id, { metrics: [metric("a", 9, 1, 999)] }); // older step: ignored
        strictEqual((await latest("a"))?.value, 5);
        await tracking.runs.logBatch(id, { metrics: [metric("a", 1, 2, 101)] }); // same step, later timestamp
        strictEqual((await latest("a"))?.value, 1);
        await tracking.runs.logBatch(id, { metrics: [metric("a", 0.5, 2, 101)] }); // same step+ts, smaller value
        strictEqual((await latest("a"))?.value, 1);
        await tracking.runs.logBatch(id, { metrics: [metric("a", 3, 2, 101)] }); // same step+ts, larger value
        strictEqual((await latest("a"))?.value, 3);
        // Within one batch too.
        await tracking.runs.logBatch(id, { metrics: [metric("b", 7, 9, 1), metric("b", 8, 3, 5)] });
        strictEqual((await latest("b"))?.value, 7);
        await tracking.runs.logBatch(id, {
          metrics: [
            metric("n", Number.NaN, 0, 1),
            metric("p", Number.POSITIVE_INFINITY, 0, 1),
            metric("q", Number.NEGATIVE_INFINITY, 0, 1),
          ],
        });
        ok(Number.isNaN((await latest("n"))?.value));
        strictEqual((await latest("p"))?.value, Number.POSITIVE_INFINITY);
        strictEqual((await latest("q"))?.value, Number.NEGATIVE_INFINITY);
        const history = await tracking.runs.getMetricHistory(id, "a");
        deepStrictEqual(
          history.items.map((m) => [m.step, m.timestamp, m.value]),
          [
            [1, 999, 9],
            [2, 100, 5],
            [2, 101, 1],
            [2, 101, 0.5],
            [2, 101, 3],
          ].sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!),
        );
      },
    },
    {
      name: "pagination: runs and metric history come back complete, ordered and without duplicates",
      async run({ tracking }) {
        const experimentId = await tracking.experiments.create({ name: unique("paging") });
        const ids: string[] = [];
        for (let i = 0; i < 23; i++) {
          const run = await tracking.runs.create({ experimentId, startTime: 1_000 + i });
          await tracking.runs.logBatch(run.info.runId, { metrics: [metric("score", i % 5, 0, 1)] });
          ids.push(run.info.runId);
        }
        const seen: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page = await tracking.runs.search({
            experimentIds: [experimentId],
            maxResults: 10,
            ...(token ? { pageToken: token } : {}),
          });
          seen.push(...page.items.map((r) => r.info.runId));
          token = page.nextPageToken;
          pages++;
        } while (token !== undefined);
        strictEqual(pages, 3);
        deepStrictEqual(seen, [...ids].reverse()); // newest start_time first
        const ordered = await tracking.runs.search({
          experimentIds: [experimentId],
          orderBy: ["metrics.score DESC", "attributes.start_time ASC"],
          maxResults: 5,
        });
        deepStrictEqual(
          ordered.items.map((r) => r.data.metrics[0]?.value),
          [4, 4, 4, 4, 3],
        );
        // Metric-first ordering pages across the boundary to the runs without the metric.
        const bare: string[] = [];
        for (let i = 0; i < 3; i++)
          bare.push(
            (await tracking.runs.create({ experimentId, startTime: 5_000 + i })).info.runId,
          );
        const walked: string[] = [];
        let next: string | undefined;
        do {
          const page = await tracking.runs.search({
            experimentIds: [experimentId],
            orderBy: ["metrics.score ASC", "attributes.start_time ASC"],
            maxResults: 4,
            ...(next ? { pageToken: next } : {}),
          });
          walked.push(...page.items.map((r) => r.info.runId));
          next = page.nextPageToken;
        } while (next !== undefined);
        const expected = ids
          .map((id, i) => ({ id, score: i % 5, start: i }))
          .sort((x, y) => x.score - y.score || x.start - y.start)
          .map((x) => x.id);
        deepStrictEqual(walked, [...expected, ...bare]);
        const run = ids[0]!;
        const metrics = Array.from({ length: 30 }, (_, i) => metric("loss", 1 / (i + 1), i, 10));
        await tracking.runs.logBatch(run, { metrics });
        const first = await tracking.runs.getMetricHistory(run, "loss", { maxResults: 20 });
        const second = await tracking.runs.getMetricHistory(run, "loss", {
          maxResults: 20,
          pageToken: first.nextPageToken!,
        });
        strictEqual(second.nextPageToken, undefined);
        deepStrictEqual(
          [...first.items, ...second.items].map((m) => m.step),
          metrics.map((m) => m.step),
        );
        await rejectsWith(
          tracking.runs.search({ pageToken: "garbage!" }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
      },
    },
    {
      name: "search grammar: AND, OR, parentheses, LIKE (case-sensitive), ILIKE, IN, !=, datasets",
      async run({ tracking }) {
        const experimentId = await tracking.experiments.create({ name: unique("grammar") });
        const make = async (name: string, auc: number, model: string, team: string) => {
          const run = await tracking.runs.create({ experimentId, runName: name });
          await tracking.runs.logBatch(run.info.runId, {
            metrics: [metric("auc", auc, 0, 1)],
            params: [{ key: "model", value: model }],
            tags: [{ key: "team", value: team }],
          });
          return run.info.runId;
        };
        const a = await make("alpha", 0.9, "gbdt", "Growth");
        const b = await make("beta", 0.7, "linear", "growth");
        const c = await make("gamma", 0.85, "linear", "risk");
        await tracking.runs.update(c, { status: "FINISHED" });
        await tracking.runs.logInputs(a, [
          { name: "telco", digest: "d1", source: "s3://x", context: "training" },
        ]);
        const q = async (filter: string) =>
          (
            await tracking.runs.search({
              experimentIds: [experimentId],
              filter,
              orderBy: ["attributes.run_name ASC"],
            })
          ).items.map((r) => r.info.runId);
        deepStrictEqual(await q("metrics.auc > 0.8"), [a, c]);
        deepStrictEqual(await q("metrics.auc > 0.8 and params.model = 'linear'"), [c]);
        deepStrictEqual(await q("params.model = 'gbdt' OR attributes.status = 'FINISHED'"), [a, c]);
        deepStrictEqual(
          await q("(params.model = 'gbdt' or metrics.auc < 0.75) and tags.team LIKE 'g%'"),
          [b],
        );
        deepStrictEqual(await q("tags.team ILIKE 'g%'"), [a, b]);
        deepStrictEqual(await q("params.model != 'gbdt'"), [b, c]);
        deepStrictEqual(await q(`attributes.run_id IN ('${a}', '${c}')`), [a, c]);
        deepStrictEqual(await q("attributes.run_name NOT IN ('alpha')"), [b, c]);
        deepStrictEqual(await q("datasets.name = 'telco' and datasets.context = 'training'"), [a]);
        deepStrictEqual(await q('metrics."auc" >= 0.85'), [a, c]);
        await rejectsWith(
          tracking.runs.search({ filter: "metrics.auc LIKE 'x'" }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        await rejectsWith(
          tracking.runs.search({ filter: "metrics.auc > 'x'" }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        await rejectsWith(
          tracking.runs.search({ filter: "bogus.auc > 1" }),
          "KEEL_ERR_FILTER_SYNTAX",
        );
        await rejectsWith(
          tracking.runs.search({ filter: "(metrics.auc > 1" }),
          "KEEL_ERR_FILTER_SYNTAX",
        );
      },
    },
    {
      name: "filters carrying SQL are rejected or treated as literals; nothing changes",
      async run({ tracking }) {
        const experimentId = await tracking.experiments.create({ name: unique("inject") });
        const run = await tracking.runs.create({ experimentId });
        await tracking.runs.logBatch(run.info.runId, {
          metrics: [metric("auc", 0.5, 0, 1)],
          params: [{ key: "x", value: "a" }],
        });
        for (const filter of [
          "metrics.auc > 0 ; DROP TABLE runs",
          "metrics.auc > 0 -- comment",
          "metrics.auc > 0 /* c */",
          "params.x = 'a' ; DELETE FROM params",
          "params.x = 'a' OR 1=1",
          "attributes.run_id = 'x' UNION SELECT * FROM runs",
        ])
          await rejectsWith(
            tracking.runs.search({ experimentIds: [experimentId], filter }),
            "KEEL_ERR_FILTER_SYNTAX",
          );
        const literal = await tracking.runs.search({
          experimentIds: [experimentId],
          filter: "params.x = 'a'' OR ''1''=''1'",
        });
        strictEqual(literal.items.length, 0);
        const orderInjection = tracking.runs.search({
          experimentIds: [experimentId],
          orderBy: ["metrics.auc; DROP TABLE runs"],
        });
        await rejectsWith(orderInjection, "KEEL_ERR_FILTER_SYNTAX");
        const still = await tracking.runs.get(run.info.runId);
        deepStrictEqual(still.data.params, [{ key: "x", value: "a" }]);
        strictEqual(still.data.metrics.length, 1);
      },
    },
    {
      name: "registry: versions auto-increment under concurrency, aliases validated, audited and rolled back",
      async run({ tracking }) {
        const name = unique("model");
        const run = await tracking.runs.create({ experimentId: "0" });
        await tracking.models.create(name, { description: "d" });
        await rejectsWith(tracking.models.create(name), "KEEL_ERR_RESOURCE_ALREADY_EXISTS");
        const versions = await Promise.all(
          Array.from({ length: 5 }, () =>
            tracking.models.createVersion(name, {
              source: `runs:/${run.info.runId}/model`,
              runId: run.info.runId,
            }),
          ),
        );
        deepStrictEqual(versions.map((v) => v.version).sort(), [1, 2, 3, 4, 5]);
        await rejectsWith(
          tracking.models.createVersion(name, { source: "x", runId: "missing" }),
          "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
        );
        for (const bad of ["latest", "LATEST", "v1", "V12", "has space", ""])
          await rejectsWith(
            tracking.models.setAlias(name, bad, 1),
            "KEEL_ERR_INVALID_PARAMETER_VALUE",
          );
        await rejectsWith(
          tracking.models.setAlias(name, "champion", 99),
          "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
        );
        await tracking.models.setAlias(name, "champion", 2, { actor: "ana", reason: "first" });
        await tracking.models.setAlias(name, "champion", 5, { actor: "bo", reason: "auc +2%" });
        strictEqual((await tracking.models.getByAlias(name, "champion")).version, 5);
        deepStrictEqual((await tracking.models.getVersion(name, 5)).aliases, ["champion"]);
        deepStrictEqual((await tracking.models.get(name)).aliases, [
          { alias: "champion", version: 5 },
        ]);
        strictEqual(
          (await tracking.models.rollback(name, "champion", { actor: "cy", reason: "regression" }))
            .version,
          2,
        );
        const log = await tracking.models.aliasHistory(name, "champion");
        deepStrictEqual(
          log.map((e) => [e.fromVersion, e.toVersion, e.actor, e.reason]),
          [
            [5, 2, "cy", "regression"],
            [2, 5, "bo", "auc +2%"],
            [null, 2, "ana", "first"],
          ],
        );
        await tracking.models.deleteVersion(name, 2);
        // MLflow: a missing alias of an existing model is INVALID_PARAMETER_VALUE.
        await rejectsWith(
          tracking.models.getByAlias(name, "champion"),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        const renamed = `${name}-r`;
        await tracking.models.rename(name, renamed);
        strictEqual((await tracking.models.get(renamed)).latestVersion?.version, 5);
        const found = await tracking.models.searchVersions({
          filter: `name = '${renamed}' and version >= 4`,
        });
        deepStrictEqual(
          found.items.map((v) => v.version),
          [5, 4],
        );
      },
    },
    {
      name: "four processes writing at once: no lock errors, no lost or half-written batches",
      async run(fixture) {
        const { tracking } = fixture;
        const experimentId = await tracking.experiments.create({ name: unique("concurrent") });
        const shared = await tracking.runs.create({ experimentId });
        const processes = 4;
        const batches = 15;
        await fixture.spawnWriters({
          processes,
          batches,
          sharedRunId: shared.info.runId,
          experimentId,
        });
        // Each batch logs 50 metrics to the shared run plus one param and 50 metrics to the writer's own run.
        const history = await tracking.runs.getMetricHistory(shared.info.runId, "m");
        strictEqual(history.items.length, processes * batches * 50);
        const own = await tracking.runs.search({
          experimentIds: [experimentId],
          filter: "tags.writer ILIKE 'w%'",
        });
        strictEqual(own.items.length, processes);
        for (const run of own.items) {
          strictEqual(run.data.params.length, batches);
          const count = await tracking.runs.getMetricHistory(run.info.runId, "loss");
          strictEqual(count.items.length, batches * 50);
          strictEqual(run.data.metrics.find((m) => m.key === "loss")?.step, batches * 50 - 1);
        }
      },
    },
    ...mlflowSemanticsChecks(),
  ];
}

/**
 * The body of a writer child process (plain JavaScript, written to a `.mjs` file).
 * It opens tracking with the options in argv[2] (JSON), starts its own run, and for each batch
 * logs 50 metrics to the shared run and 50 metrics plus one param to its own run.
 */
export function writerScript(trackIndex: string): string {
  return `import { openTracking } from ${JSON.stringify(trackIndex)};
const { options, sharedRunId, experimentId, batches, writer } = JSON.parse(process.argv[2]);
const tracking = await openTracking(options);
const own = await tracking.runs.create({ experimentId, tags: [{ key: "writer", value: "w" + writer }] });
for (let b = 0; b < batches; b++) {
  const shared = Array.from({ length: 50 }, (_, i) => ({ key: "m", value: writer * 1e6 + b * 50 + i, step: b * 50 + i, timestamp: Date.now() }));
  await tracking.runs.logBatch(sharedRunId, { metrics: shared });
  const mine = Array.from({ length: 50 }, (_, i) => ({ key: "loss", value: 1 / (b * 50 + i + 1), step: b * 50 + i, timestamp: Date.now() }));
  await tracking.runs.logBatch(own.info.runId, { metrics: mine, params: [{ key: "p" + b, value: String(b) }] });
}
await tracking.runs.update(own.info.runId, { status: "FINISHED" });
await tracking.close();
`;
}
