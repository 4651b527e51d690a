import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { ErrorCode } from "../core/index.js";
import { isKeelError } from "../core/index.js";
import { categoricalDistribution, floatDistribution, intDistribution } from "./distributions.js";
import type { StudyStorage } from "./storage.js";

/**
 * A storage under test, and optionally a second handle onto the same backend.
 *
 * @example
 * ```ts
 * const fixture: StorageFixture = { storage: new InMemoryStorage(), dispose: async () => {} };
 * ```
 */
export interface StorageFixture {
  readonly storage: StudyStorage;
  /** Opens another handle (another connection, another file descriptor) on the same data. */
  readonly openAnother?: () => Promise<StudyStorage>;
  /** Closes handles and removes files or schemas the fixture created. */
  dispose(): Promise<void>;
}

/**
 * One conformance check: a name for the test runner and a function that throws on failure.
 *
 * @example
 * ```ts
 * for (const check of studyStorageSuite()) await check.run(fixture);
 * ```
 */
export interface StorageCheck {
  readonly name: string;
  run(fixture: StorageFixture): Promise<void>;
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  try {
    await promise;
  } catch (error) {
    ok(isKeelError(error, code), `expected ${code}, got ${String(error)}`);
    return;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

let counter = 0;
const uniqueName = (label: string) => `suite-${label}-${Date.now().toString(36)}-${counter++}`;
const x = floatDistribution("x", 0, 1);

/**
 * The conformance suite every {@link StudyStorage} runs (Optuna keeps one storage test suite
 * for every backend; so does keel). Framework-free: each check throws on failure, so any test
 * runner can host it. Study names are unique per check, so a shared database works.
 *
 * @example
 * ```ts
 * describe("JournalFileStorage", () => {
 *   for (const check of studyStorageSuite()) {
 *     it(check.name, async () => {
 *       const fixture = await openFixture();
 *       try { await check.run(fixture); } finally { await fixture.dispose(); }
 *     });
 *   }
 * });
 * ```
 */
export function studyStorageSuite(): readonly StorageCheck[] {
  return [
    {
      name: "creates, finds and lists studies; refuses a taken name",
      async run({ storage }) {
        const name = uniqueName("study");
        const created = await storage.createStudy(name, "maximize");
        deepStrictEqual(await storage.getStudy(name), created);
        strictEqual(created.direction, "maximize");
        ok((await storage.listStudies()).some((s) => s.name === name));
        strictEqual(await storage.getStudy(uniqueName("missing")), undefined);
        await rejectsWith(storage.createStudy(name, "minimize"), "KEEL_ERR_ALREADY_EXISTS");
      },
    },
    {
      name: "allocates trial numbers 0..n-1 without gaps or duplicates under concurrency",
      async run({ storage, openAnother }) {
        const study = await storage.createStudy(uniqueName("numbers"), "minimize");
        const other = openAnother === undefined ? storage : await openAnother();
        try {
          const created = await Promise.all(
            Array.from({ length: 24 }, (_, i) =>
              (i % 2 === 0 ? storage : other).createTrial(study.studyId),
            ),
          );
          deepStrictEqual(
            created.map((t) => t.number).sort((a, b) => a - b),
            [...Array(24).keys()],
          );
          ok(created.every((t) => t.state === "RUNNING" && typeof t.datetimeStart === "number"));
          deepStrictEqual(
            (await storage.getAllTrials(study.studyId)).map((t) => t.number),
            [...Array(24).keys()],
          );
          strictEqual(new Set(created.map((t) => t.trialId)).size, 24);
        } finally {
          if (other !== storage) await other.close();
        }
      },
    },
    {
      name: "writes params, intermediate values and attributes to a running trial",
      async run({ storage }) {
        const study = await storage.createStudy(uniqueName("writes"), "minimize");
        const trial = await storage.createTrial(study.studyId, { systemAttrs: { born: 1 } });
        strictEqual(trial.systemAttrs.born, 1);
        await storage.writeTrial(trial.trialId, {
          params: { x: { distribution: x, value: 0.25 } },
          intermediateValues: [
            [0, 3],
            [1, 2],
          ],
          userAttrs: { note: { a: [1, 2] } },
          systemAttrs: { owner: "me" },
        });
        await storage.writeTrial(trial.trialId, {
          params: { x: { distribution: x, value: 0.25 } },
          intermediateValues: [[1, 1.5]],
          userAttrs: { other: true },
        });
        const read = await storage.getTrial(trial.trialId);
        deepStrictEqual(read.params, { x: 0.25 });
        deepStrictEqual(read.distributions, { x });
        deepStrictEqual(
          [...read.intermediateValues].sort((a, b) => a[0] - b[0]),
          [
            [0, 3],
            [1, 1.5],
          ],
        );
        deepStrictEqual(read.userAttrs, { note: { a: [1, 2] }, other: true });
        strictEqual(read.systemAttrs.owner, "me");
      },
    },
    {
      name: "keeps a parameter's value and applies a bad patch not at all",
      async run({ storage }) {
        const study = await storage.createStudy(uniqueName("immutable"), "minimize");
        const trial = await storage.createTrial(study.studyId);
        await storage.writeTrial(trial.trialId, { params: { x: { distribution: x, value: 0.5 } } });
        await rejectsWith(
          storage.writeTrial(trial.trialId, {
            params: { x: { distribution: x, value: 0.6 } },
            userAttrs: { leaked: true },
          }),
          "KEEL_ERR_CONFLICT",
        );
        await rejectsWith(
          storage.writeTrial(trial.trialId, {
            params: { y: { distribution: x, value: 7 } },
            userAttrs: { leaked: true },
          }),
          "KEEL_ERR_SEARCH_SPACE",
        );
        const read = await storage.getTrial(trial.trialId);
        deepStrictEqual(read.params, { x: 0.5 });
        deepStrictEqual(read.userAttrs, {});
      },
    },
    {
      name: "finishes a trial once (compare-and-set) and refuses later writes",
      async run({ storage, openAnother }) {
        const study = await storage.createStudy(uniqueName("finish"), "minimize");
        const trial = await storage.createTrial(study.studyId);
        const other = openAnother === undefined ? storage : await openAnother();
        try {
          const results = await Promise.all([
            storage.finishTrial(trial.trialId, "COMPLETE", 1.5, { userAttrs: { by: "a" } }),
            other.finishTrial(trial.trialId, "FAIL", undefined, { userAttrs: { by: "b" } }),
          ]);
          strictEqual(results.filter(Boolean).length, 1);
          const read = await storage.getTrial(trial.trialId);
          ok(read.state === (results[0] ? "COMPLETE" : "FAIL"));
          strictEqual(read.value, results[0] ? 1.5 : undefined);
          strictEqual(read.userAttrs.by, results[0] ? "a" : "b");
          ok(typeof read.datetimeComplete === "number");
          strictEqual(await storage.finishTrial(trial.trialId, "PRUNED"), false);
          await rejectsWith(
            storage.writeTrial(trial.trialId, { userAttrs: { late: 1 } }),
            "KEEL_ERR_CONFLICT",
          );
        } finally {
          if (other !== storage) await other.close();
        }
        const another = await storage.createTrial(study.studyId);
        await rejectsWith(
          storage.finishTrial(another.trialId, "COMPLETE", Number.NaN),
          "KEEL_ERR_INVALID_ARGUMENT",
        );
        strictEqual((await storage.getTrial(another.trialId)).state, "RUNNING");
      },
    },
    {
      name: "returns snapshots that later writes do not change",
      async run({ storage }) {
        const study = await storage.createStudy(uniqueName("snapshot"), "minimize");
        const trial = await storage.createTrial(study.studyId);
        const before = await storage.getTrial(trial.trialId);
        await storage.writeTrial(trial.trialId, {
          intermediateValues: [[0, 1]],
          userAttrs: { a: 1 },
        });
        strictEqual(before.intermediateValues.size, 0);
        deepStrictEqual(before.userAttrs, {});
        const all = await storage.getAllTrials(study.studyId);
        await storage.finishTrial(trial.trialId, "PRUNED");
        strictEqual(all[0]?.state, "RUNNING");
      },
    },
    {
      name: "returns every parameter value with its type: categorical 1 and '1', true and 'true', null and 'null' stay apart",
      async run({ storage, openAnother }) {
        const study = await storage.createStudy(uniqueName("typed"), "minimize");
        const pairs = [
          [1, "1"],
          [true, "true"],
          [null, "null"],
          [false, 0],
          [1.5, "1.5"],
        ] as const;
        const expected: Record<string, unknown>[] = [];
        for (const pick of [0, 1]) {
          const trial = await storage.createTrial(study.studyId);
          const params: Record<
            string,
            {
              distribution: ReturnType<typeof categoricalDistribution>;
              value: string | number | boolean | null;
            }
          > = {};
          const values: Record<string, unknown> = {};
          pairs.forEach((pair, i) => {
            const value = pair[pick] as string | number | boolean | null;
            params[`c${i}`] = { distribution: categoricalDistribution(`c${i}`, pair), value };
            values[`c${i}`] = value;
          });
          const f = floatDistribution("f", 0, 1);
          const k = intDistribution("k", -5, 5);
          await storage.finishTrial(trial.trialId, "COMPLETE", 1, {
            params: {
              ...params,
              f: { distribution: f, value: 0.1 + 0.2 },
              k: { distribution: k, value: -3 },
            },
          });
          expected.push({ ...values, f: 0.1 + 0.2, k: -3 });
        }
        for (const reader of [
          storage,
          ...(openAnother === undefined ? [] : [await openAnother()]),
        ]) {
          const read = await reader.getAllTrials(study.studyId);
          deepStrictEqual(
            read.map((t) => t.params),
            expected,
          );
          if (reader !== storage) await reader.close();
        }
      },
    },
    {
      name: "hands each enqueued WAITING trial to exactly one claimer, lowest number first",
      async run({ storage, openAnother }) {
        const study = await storage.createStudy(uniqueName("waiting"), "minimize");
        const other = openAnother === undefined ? storage : await openAnother();
        try {
          const running = await storage.createTrial(study.studyId);
          const waiting = [];
          for (let i = 0; i < 4; i++)
            waiting.push(
              await storage.createTrial(study.studyId, { systemAttrs: { fixed: i } }, "WAITING"),
            );
          deepStrictEqual(
            waiting.map((t) => [t.number, t.state, t.datetimeStart, t.systemAttrs.fixed]),
            [1, 2, 3, 4].map((n) => [n, "WAITING", undefined, n - 1]),
          );
          await rejectsWith(
            storage.writeTrial(waiting[0]?.trialId as string, { userAttrs: { a: 1 } }),
            "KEEL_ERR_CONFLICT",
          );
          strictEqual(await storage.finishTrial(waiting[0]?.trialId as string, "FAIL"), false);
          const claims = await Promise.all(
            Array.from({ length: 6 }, (_, i) =>
              (i % 2 === 0 ? storage : other).claimWaitingTrial(study.studyId, {
                systemAttrs: { claimedBy: i },
              }),
            ),
          );
          const got = claims.filter((c) => c !== undefined);
          deepStrictEqual(
            got.map((t) => t.number).sort((a, b) => a - b),
            [1, 2, 3, 4],
          );
          ok(got.every((t) => t.state === "RUNNING" && typeof t.datetimeStart === "number"));
          ok(got.every((t) => typeof t.systemAttrs.claimedBy === "number"));
          strictEqual(await storage.claimWaitingTrial(study.studyId), undefined);
          const first = await storage.claimWaitingTrial(study.studyId);
          strictEqual(first, undefined);
          strictEqual((await storage.getTrial(running.trialId)).state, "RUNNING");
          // A claimed trial is an ordinary running one.
          ok(await storage.finishTrial(waiting[0]?.trialId as string, "COMPLETE", 1));
        } finally {
          if (other !== storage) await other.close();
        }
      },
    },
    {
      name: "keeps NaN and infinite intermediate values",
      async run({ storage }) {
        const study = await storage.createStudy(uniqueName("nan"), "minimize");
        const trial = await storage.createTrial(study.studyId);
        await storage.writeTrial(trial.trialId, {
          intermediateValues: [
            [0, Number.NaN],
            [1, Number.POSITIVE_INFINITY],
          ],
        });
        const read = await storage.getTrial(trial.trialId);
        ok(Number.isNaN(read.intermediateValues.get(0)));
        strictEqual(read.intermediateValues.get(1), Number.POSITIVE_INFINITY);
      },
    },
    {
      name: "makes one handle's writes visible to another handle",
      async run({ storage, openAnother }) {
        if (openAnother === undefined) return;
        const other = await openAnother();
        try {
          const name = uniqueName("visible");
          const study = await storage.createStudy(name, "minimize");
          deepStrictEqual(await other.getStudy(name), study);
          const trial = await other.createTrial(study.studyId);
          await other.finishTrial(trial.trialId, "COMPLETE", 0.5, {
            params: { x: { distribution: x, value: 0.1 } },
          });
          const read = await storage.getTrial(trial.trialId);
          strictEqual(read.state, "COMPLETE");
          deepStrictEqual(read.params, { x: 0.1 });
        } finally {
          await other.close();
        }
      },
    },
    {
      name: "keeps a multi-objective study's directions and every value of its trials, in order",
      async run({ storage, openAnother }) {
        const name = uniqueName("multi");
        const study = await storage.createStudy(name, ["minimize", "maximize", "minimize"]);
        deepStrictEqual(study.directions, ["minimize", "maximize", "minimize"]);
        strictEqual(study.direction, "minimize");
        const single = await storage.createStudy(uniqueName("single"), "maximize");
        deepStrictEqual(single.directions, ["maximize"]);
        const done = await storage.createTrial(study.studyId);
        // Values that text or float32 round-trips would change.
        const values = [0.1 + 0.2, -1e-300, 123456789.12345679];
        ok(await storage.finishTrial(done.trialId, "COMPLETE", values));
        const failed = await storage.createTrial(study.studyId);
        await rejectsWith(
          storage.finishTrial(failed.trialId, "COMPLETE", [1, Number.NaN, 2]),
          "KEEL_ERR_INVALID_ARGUMENT",
        );
        await rejectsWith(
          storage.finishTrial(failed.trialId, "COMPLETE", []),
          "KEEL_ERR_INVALID_ARGUMENT",
        );
        strictEqual((await storage.getTrial(failed.trialId)).state, "RUNNING");
        ok(await storage.finishTrial(failed.trialId, "FAIL"));
        const singleTrial = await storage.createTrial(single.studyId);
        ok(await storage.finishTrial(singleTrial.trialId, "COMPLETE", 0.25));
        const other = openAnother === undefined ? storage : await openAnother();
        try {
          deepStrictEqual((await other.getStudy(name))?.directions, study.directions);
          ok((await other.listStudies()).some((s) => s.name === name && s.directions.length === 3));
          const [a, b] = await other.getAllTrials(study.studyId);
          deepStrictEqual(a?.values, values);
          // One objective's `value` only exists for single-objective studies, as in Optuna.
          strictEqual(a?.value, undefined);
          strictEqual(b?.state, "FAIL");
          strictEqual(b?.values, undefined);
          const s = await other.getTrial(singleTrial.trialId);
          strictEqual(s.value, 0.25);
          deepStrictEqual(s.values, [0.25]);
        } finally {
          if (other !== storage) await other.close();
        }
      },
    },
    {
      name: "reports unknown studies and trials",
      async run({ storage }) {
        await rejectsWith(storage.getAllTrials("no-such-study"), "KEEL_ERR_STUDY_NOT_FOUND");
        await rejectsWith(storage.createTrial("no-such-study"), "KEEL_ERR_STUDY_NOT_FOUND");
        await rejectsWith(storage.getTrial("no-such-trial"), "KEEL_ERR_NOT_FOUND");
      },
    },
  ];
}
