import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { isKeelError } from "../../core/index.js";
import type { Tracking } from "../tracking.js";
import { metric, rejectsWith, unique } from "./suite-helpers.js";
import type { TrackingCheck } from "./tracking-store-suite.js";

/** Every page of a run search, concatenated (run ids). */
async function searchIds(
  tracking: Tracking,
  request: Parameters<Tracking["runs"]["search"]>[0],
  pageSize: number,
): Promise<string[]> {
  const ids: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await tracking.runs.search({
      ...request,
      maxResults: pageSize,
      ...(pageToken ? { pageToken } : {}),
    });
    ids.push(...page.items.map((r) => r.info.runId));
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
  return ids;
}

/**
 * The MLflow 2.x semantics MLflow's clients rely on (keel follows MLflow 2.14), checked on every
 * backend: metric de-duplication, NaN ordering, empty experiment lists, client tags kept, full
 * metric history, never-reused version numbers, stages, registry ordering and error codes, key
 * validation, the grammar's backticked names, and concurrent writers on two store instances
 * that lose nothing and never fail with a driver error.
 */
export function mlflowSemanticsChecks(): TrackingCheck[] {
  return [
    {
      name: "a metric point (key, value, step, timestamp) is stored once, however often it is logged",
      async run({ tracking }) {
        const id = (await tracking.runs.create({ experimentId: "0" })).info.runId;
        const point = metric("loss", 0.5, 3, 1000);
        await tracking.runs.logBatch(id, { metrics: [point, point, metric("loss", 0.4, 4, 1001)] });
        await tracking.runs.logBatch(id, { metrics: [point] }); // a retried request
        await tracking.runs.logBatch(id, { metrics: [metric("loss", 0.5, 3, 1001)] }); // new timestamp
        await tracking.runs.logBatch(id, {
          metrics: [
            metric("n", Number.NaN, 0, 1),
            metric("n", Number.NaN, 0, 1),
            metric("n", 0, 0, 1),
          ],
        });
        const history = await tracking.runs.getMetricHistory(id, "loss");
        deepStrictEqual(
          history.items.map((m) => [m.step, m.timestamp, m.value]),
          [
            [3, 1000, 0.5],
            [3, 1001, 0.5],
            [4, 1001, 0.4],
          ],
        );
        const nan = await tracking.runs.getMetricHistory(id, "n");
        strictEqual(nan.items.length, 2); // NaN and 0 are different values
      },
    },
    {
      name: "order by a metric: numbers, then NaN, then runs without it, in both directions",
      async run({ tracking }) {
        const experimentId = await tracking.experiments.create({ name: unique("nan-order") });
        const make = async (label: string, value: number | undefined, start: number) => {
          const run = await tracking.runs.create({
            experimentId,
            runName: label,
            startTime: start,
          });
          if (value !== undefined)
            await tracking.runs.logMetric(run.info.runId, metric("m", value, 0, 1));
          return run.info.runId;
        };
        const one = await make("one", 1, 1);
        const nan = await make("nan", Number.NaN, 2);
        const minus = await make("minus", -5, 3);
        const none = await make("none", undefined, 4);
        const zero = await make("zero", 0, 5);
        const inf = await make("inf", Number.POSITIVE_INFINITY, 6);
        for (const pageSize of [100, 2, 1]) {
          deepStrictEqual(
            await searchIds(
              tracking,
              { experimentIds: [experimentId], orderBy: ["metrics.m ASC"] },
              pageSize,
            ),
            [minus, zero, one, inf, nan, none],
          );
          deepStrictEqual(
            await searchIds(
              tracking,
              { experimentIds: [experimentId], orderBy: ["metrics.m DESC"] },
              pageSize,
            ),
            [inf, one, zero, minus, nan, none],
          );
        }
        // The same order when the metric is not the first term.
        const second = await tracking.runs.search({
          experimentIds: [experimentId],
          orderBy: ["attributes.status ASC", "metrics.m DESC"],
        });
        deepStrictEqual(
          second.items.map((r) => r.info.runId),
          [inf, one, zero, minus, nan, none],
        );
        await rejectsWith(
          tracking.runs.search({ orderBy: ["metrics.m DESC", "metrics.m ASC"] }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
      },
    },
    {
      name: "experimentIds: [] finds no runs; absent searches every experiment",
      async run({ tracking }) {
        const experimentId = await tracking.experiments.create({ name: unique("empty-ids") });
        const run = await tracking.runs.create({ experimentId });
        strictEqual((await tracking.runs.search({ experimentIds: [] })).items.length, 0);
        const all = await tracking.runs.search({
          filter: `attributes.run_id = '${run.info.runId}'`,
        });
        deepStrictEqual(
          all.items.map((r) => r.info.runId),
          [run.info.runId],
        );
      },
    },
    {
      name: "runs.create stores the client's tags as sent (mlflow.user, any mlflow.parentRunId)",
      async run({ tracking }) {
        const run = await tracking.runs.create({
          experimentId: "0",
          tags: [
            { key: "mlflow.user", value: "ana" },
            { key: "mlflow.parentRunId", value: "0123456789abcdef0123456789abcdef" },
          ],
        });
        const tag = (key: string) => run.data.tags.find((t) => t.key === key)?.value;
        strictEqual(tag("mlflow.user"), "ana");
        strictEqual(run.info.userId, "ana");
        strictEqual(tag("mlflow.parentRunId"), "0123456789abcdef0123456789abcdef");
        strictEqual(run.info.parentRunId, "0123456789abcdef0123456789abcdef");
        const named = await tracking.runs.create({
          experimentId: "0",
          tags: [{ key: "mlflow.runName", value: "from-tag" }],
        });
        strictEqual(named.info.runName, "from-tag");
        await rejectsWith(
          tracking.runs.create({
            experimentId: "0",
            runName: "a",
            tags: [{ key: "mlflow.runName", value: "b" }],
          }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
      },
    },
    {
      name: "metric history comes back whole (30,000 points) unless pages are asked for",
      async run({ tracking }) {
        const id = (await tracking.runs.create({ experimentId: "0" })).info.runId;
        for (let b = 0; b < 30; b++)
          await tracking.runs.logBatch(id, {
            metrics: Array.from({ length: 1000 }, (_, i) => metric("x", i, b * 1000 + i, 7)),
          });
        const whole = await tracking.runs.getMetricHistory(id, "x");
        strictEqual(whole.items.length, 30_000);
        strictEqual(whole.nextPageToken, undefined);
        strictEqual(whole.items[29_999]?.step, 29_999);
        const page = await tracking.runs.getMetricHistory(id, "x", { maxResults: 29_000 });
        strictEqual(page.items.length, 29_000);
        ok(page.nextPageToken !== undefined);
      },
    },
    {
      name: "model version numbers are never reused; stages transition, archive and resolve",
      async run({ tracking }) {
        const name = unique("stages");
        const run = await tracking.runs.create({ experimentId: "0" });
        await tracking.models.create(name);
        const create = () =>
          tracking.models.createVersion(name, { source: `runs:/${run.info.runId}/model` });
        for (let i = 0; i < 3; i++) await create();
        await tracking.models.deleteVersion(name, 3);
        strictEqual((await create()).version, 4);
        await tracking.models.deleteVersion(name, 4);
        await tracking.models.deleteVersion(name, 2);
        strictEqual((await create()).version, 5);
        strictEqual((await tracking.models.get(name)).latestVersion?.version, 5);
        // Stages: None → Staging → Production (archiving the previous Production).
        strictEqual((await tracking.models.getVersion(name, 1)).currentStage, "None");
        await tracking.models.transitionStage(name, 1, "production");
        const moved = await tracking.models.transitionStage(name, 5, "Production", {
          archiveExistingVersions: true,
        });
        strictEqual(moved.currentStage, "Production");
        strictEqual((await tracking.models.getVersion(name, 1)).currentStage, "Archived");
        await rejectsWith(
          tracking.models.transitionStage(name, 1, "None", { archiveExistingVersions: true }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        await rejectsWith(
          tracking.models.transitionStage(name, 1, "Shipping"),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        deepStrictEqual(
          (await tracking.models.getLatestVersions(name)).map((v) => [v.version, v.currentStage]),
          [
            [1, "Archived"],
            [5, "Production"],
          ],
        );
        deepStrictEqual(
          (await tracking.models.getLatestVersions(name, ["production", "Staging"])).map(
            (v) => v.version,
          ),
          [5],
        );
        strictEqual((await tracking.models.resolve(`models:/${name}/Production`)).version, 5);
        strictEqual((await tracking.models.resolve(`models:/${name}/latest`)).version, 5);
        await rejectsWith(
          tracking.models.resolve(`models:/${name}/Staging`),
          "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
        );
        await rejectsWith(
          tracking.models.getLatestVersions("no-such-model"),
          "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
        );
      },
    },
    {
      name: "registry: MLflow's orderings, duplicate order_by refused, missing tags and aliases",
      async run({ tracking }) {
        const prefix = unique("order");
        const run = await tracking.runs.create({ experimentId: "0" });
        for (const suffix of ["b", "a", "c"]) {
          await tracking.models.create(`${prefix}-${suffix}`);
          await new Promise((resolve) => setTimeout(resolve, 3));
        }
        await tracking.models.setTag(`${prefix}-b`, { key: "touched", value: "1" });
        await tracking.models.update(`${prefix}-b`, { description: "newest update" });
        const byTime = await tracking.models.search({
          filter: `name LIKE '${prefix}%'`,
          orderBy: ["timestamp DESC"],
        });
        deepStrictEqual(
          byTime.items.map((m) => m.name.slice(-1)),
          ["b", "c", "a"],
        );
        await rejectsWith(
          tracking.models.search({ orderBy: ["timestamp DESC", "last_updated_timestamp ASC"] }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        const source = `runs:/${run.info.runId}/model`;
        for (const suffix of ["a", "b"])
          for (let i = 0; i < 2; i++) {
            await tracking.models.createVersion(`${prefix}-${suffix}`, { source });
            await new Promise((resolve) => setTimeout(resolve, 3));
          }
        await tracking.models.updateVersion(`${prefix}-a`, 1, { description: "touched last" });
        const versions = await tracking.models.searchVersions({ filter: `name LIKE '${prefix}%'` });
        deepStrictEqual(
          versions.items.map((v) => `${v.name.slice(-1)}${v.version}`),
          ["a1", "b2", "b1", "a2"],
        );
        const byUpdate = await tracking.models.searchVersions({
          filter: `name LIKE '${prefix}%'`,
          orderBy: ["last_updated_timestamp ASC"],
        });
        deepStrictEqual(
          byUpdate.items.map((v) => `${v.name.slice(-1)}${v.version}`),
          ["a2", "b1", "b2", "a1"],
        );
        await rejectsWith(
          tracking.models.searchVersions({ orderBy: ["name ASC", "name DESC"] }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
        // Deleting what is not there is a no-op on an existing model (MLflow).
        await tracking.models.deleteTag(`${prefix}-a`, "absent");
        await tracking.models.deleteVersionTag(`${prefix}-a`, 1, "absent");
        await tracking.models.deleteAlias(`${prefix}-a`, "absent");
        await rejectsWith(
          tracking.models.deleteAlias("no-such-model", "absent"),
          "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
        );
        await rejectsWith(
          tracking.models.getByAlias(`${prefix}-a`, "absent"),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
      },
    },
    {
      name: "keys must name unique paths; a param key twice in one batch is refused (MLflow 2.14)",
      async run({ tracking }) {
        const id = (await tracking.runs.create({ experimentId: "0" })).info.runId;
        for (const key of ["a//b", "a/", ".", "./a", "a/./b", "a/../b", "/a", "..", "a:b", ""])
          for (const batch of [
            { metrics: [metric(key, 1, 0, 0)] },
            { params: [{ key, value: "1" }] },
            { tags: [{ key, value: "1" }] },
          ])
            await rejectsWith(
              tracking.runs.logBatch(id, batch),
              "KEEL_ERR_INVALID_PARAMETER_VALUE",
            );
        await tracking.runs.logBatch(id, {
          metrics: [metric("train/loss", 1, 0, 0), metric("a.b c-d_e", 1, 0, 0)],
          tags: [{ key: "v", value: "x".repeat(5000) }],
          params: [{ key: "p", value: "x".repeat(6000) }],
        });
        // MLflow's key pattern is Python's Unicode-aware \w: letters and digits of any script.
        await tracking.runs.logBatch(id, {
          metrics: [metric("précision/été", 1, 0, 0)],
          params: [{ key: "скорость", value: "1" }],
          tags: [{ key: "標籤 2", value: "x" }],
        });
        const found = await tracking.runs.search({
          experimentIds: ["0"],
          filter: `params.\`скорость\` = '1' and attributes.run_id = '${id}'`,
        });
        if (found.items.length !== 1)
          throw new Error("a Unicode param key is not found by its filter");
        for (const key of ["a\u0301", "tab\tkey", "emoji😀"])
          await rejectsWith(
            tracking.runs.logBatch(id, { params: [{ key, value: "1" }] }),
            "KEEL_ERR_INVALID_PARAMETER_VALUE",
          );
        await rejectsWith(
          tracking.runs.logBatch(id, {
            params: [
              { key: "same", value: "1" },
              { key: "same", value: "1" },
            ],
          }),
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
        );
      },
    },
    {
      name: "a tag key given twice on create keeps its last value (experiments, models, versions)",
      async run({ tracking }) {
        const twice = [
          { key: "team", value: "a" },
          { key: "team", value: "b" },
        ];
        const experimentId = await tracking.experiments.create({
          name: unique("tags"),
          tags: twice,
        });
        deepStrictEqual((await tracking.experiments.get(experimentId)).tags, [
          { key: "team", value: "b" },
        ]);
        const name = unique("tags-model");
        deepStrictEqual((await tracking.models.create(name, { tags: twice })).tags, [
          { key: "team", value: "b" },
        ]);
        const version = await tracking.models.createVersion(name, {
          source: "models/m",
          tags: twice,
        });
        deepStrictEqual(version.tags, [{ key: "team", value: "b" }]);
      },
    },
    {
      name: "filter grammar: backticked entities, attributes.Created, attributes.`Run name`",
      async run({ tracking }) {
        const experimentId = await tracking.experiments.create({ name: unique("backticks") });
        const run = await tracking.runs.create({
          experimentId,
          runName: "my run",
          startTime: 5000,
        });
        await tracking.runs.logBatch(run.info.runId, {
          params: [{ key: "lr", value: "0.1" }],
          metrics: [metric("auc", 0.9, 0, 1)],
        });
        const q = async (filter: string, orderBy: string[] = []) =>
          (
            await tracking.runs.search({ experimentIds: [experimentId], filter, orderBy })
          ).items.map((r) => r.info.runId);
        for (const filter of [
          "`params`.`lr` = '0.1'",
          "`metrics`.auc > 0.5",
          "\"tags\".`mlflow.runName` = 'my run'",
          "attributes.Created >= 5000",
          "attributes.created = 5000",
          "attributes.`Run name` = 'my run'",
          "attributes.`Run Name` LIKE 'my%'",
        ])
          deepStrictEqual(await q(filter), [run.info.runId], filter);
        deepStrictEqual(await q("attributes.Created > 5000"), []);
        deepStrictEqual(await q("", ["attributes.`Run name` DESC"]), [run.info.runId]);
        await rejectsWith(q("`bogus`.x = '1'"), "KEEL_ERR_FILTER_SYNTAX");
      },
    },
    {
      name: "16 clients on two store instances: opposite key orders and racing creates, nothing lost or failed",
      async run(fixture) {
        const { tracking } = fixture;
        // On SQLite a second instance in this process would share the event loop with the
        // first: better-sqlite3 waits for the file lock synchronously, so the two would stall
        // each other. Other processes writing to one SQLite file are the four-process check.
        const postgres = tracking.database.dialect === "postgres";
        const other = postgres ? await fixture.openAnother() : tracking;
        try {
          const instances = [tracking, other];
          const experimentId = await tracking.experiments.create({ name: unique("storm") });
          const shared = (await tracking.runs.create({ experimentId })).info.runId;
          const clients = 16;
          const batches = 8;
          const failures: string[] = [];
          const record = (error: unknown) => {
            failures.push(String(error));
          };
          await Promise.all(
            Array.from({ length: clients }, async (_, c) => {
              const t = instances[c % 2] as Tracking;
              const keys = c % 2 === 0 ? ["loss", "acc", "f1"] : ["f1", "acc", "loss"];
              for (let b = 0; b < batches; b++) {
                const step = c * 1000 + b;
                await t.runs
                  .logBatch(shared, {
                    metrics: keys.map((key) => metric(key, step / 7, step, 1_000 + b)),
                    tags: keys.map((key) => ({ key: `t.${key}`, value: `${c}-${b}` })),
                    params: [{ key: `p${c}-${b}`, value: String(b) }],
                  })
                  .catch(record);
              }
            }),
          );
          deepStrictEqual(failures, []);
          for (const key of ["loss", "acc", "f1"]) {
            const history = await tracking.runs.getMetricHistory(shared, key);
            strictEqual(history.items.length, clients * batches, key);
            strictEqual(new Set(history.items.map((m) => m.step)).size, clients * batches, key);
          }
          strictEqual((await tracking.runs.get(shared)).data.params.length, clients * batches);

          // Racing creates: one winner, every other caller RESOURCE_ALREADY_EXISTS, no driver error.
          const race = async (create: (t: Tracking) => Promise<unknown>) => {
            const outcomes = await Promise.all(
              Array.from({ length: 8 }, (_, i) =>
                create(instances[i % 2] as Tracking).then(
                  () => "ok",
                  (error: unknown) =>
                    isKeelError(error, "KEEL_ERR_RESOURCE_ALREADY_EXISTS")
                      ? "exists"
                      : String(error),
                ),
              ),
            );
            deepStrictEqual(outcomes.sort(), [
              "exists",
              "exists",
              "exists",
              "exists",
              "exists",
              "exists",
              "exists",
              "ok",
            ]);
          };
          const experimentName = unique("race-exp");
          await race((t) => t.experiments.create({ name: experimentName }));
          const modelName = unique("race-model");
          await race((t) => t.models.create(modelName));
          const versions = await Promise.all(
            Array.from({ length: 8 }, (_, i) =>
              (instances[i % 2] as Tracking).models.createVersion(modelName, {
                source: `runs:/${shared}/model`,
              }),
            ),
          );
          deepStrictEqual(
            versions.map((v) => v.version).sort((a, b) => a - b),
            [1, 2, 3, 4, 5, 6, 7, 8],
          );
        } finally {
          if (postgres) await other.close();
        }
      },
    },
  ];
}
