import { userInfo } from "node:os";
import { describeValue, KeelError } from "../core/index.js";
import type { MetadataDatabase } from "../store/index.js";
import {
  completeValues,
  contains,
  type Distribution,
  type FinishedState,
  type FrozenTrial,
  type JsonValue,
  type ParamValue,
  type StudyDirection,
  type StudyStorage,
  type StudySummary,
  type TrialPatch,
  type TrialState,
  toDirections,
} from "../tune/index.js";
import { writeBatch } from "./log-batch.js";
import { newRunId } from "./names.js";
import type { Tracking } from "./tracking.js";

type Tx = MetadataDatabase["db"];

const STUDY_NAME = "keel.study.name";
const STUDY_DIRECTION = "keel.study.direction";
const TRIAL_NUMBER = "keel.trial.number";
const TRIAL_STATE = "keel.trial.state";
const TRIAL_VALUE = "keel.trial.value";
const DISTRIBUTION = "keel.distribution.";
/** A categorical value as JSON, so `1` and `"1"`, `true` and `"true"`, `null` and `"null"` stay apart. */
const CHOICE = "keel.choice.";
const USER_ATTR = "keel.user.";
const SYSTEM_ATTR = "keel.system.";
const INTERMEDIATE = "intermediate_value";
/** MLflow stores ±Infinity as ±DBL_MAX; read those back as infinities. */
const DBL_MAX = 1.7976931348623157e308;

const RUN_STATUS: Record<TrialState, string> = {
  WAITING: "SCHEDULED",
  RUNNING: "RUNNING",
  COMPLETE: "FINISHED",
  PRUNED: "KILLED",
  FAIL: "FAILED",
};

/**
 * Options of {@link TrackingStudyStorage}.
 *
 * @example
 * ```ts
 * const options: TrackingStudyStorageOptions = { studyRunId: (await ctx.trackedRun()).id };
 * ```
 */
export interface TrackingStudyStorageOptions {
  /** The experiment new study runs go into. Default `keel-studies`. */
  readonly experiment?: string;
  /**
   * Record the study on this existing run (tags `keel.study.name`, `keel.study.direction`)
   * instead of a new one, so every trial is a nested run of it: a pipeline step's tracked run
   * or `keel tune`'s run, and the tracking UI shows one tree. Such a storage holds one study.
   */
  readonly studyRunId?: string;
}

/**
 * A {@link StudyStorage} on the tracking store (SQLite by default, PostgreSQL with
 * `KEEL_DB_URL`): a study is a run of an experiment, and every trial a nested run with its
 * parameters (as MLflow params), intermediate values (metric `intermediate_value` by step),
 * final value (metric `value`) and state (run status; an enqueued WAITING trial is a SCHEDULED
 * run). Categorical values also go into a `keel.choice.<name>` tag as JSON, since MLflow params
 * are text and `1`, `"1"` and `true`, `"true"` would otherwise read back alike. So tuning shows
 * up in `keel runs` and any MLflow client, survives crashes, and several processes or machines
 * can share a study.
 *
 * Atomicity: trial numbers are allocated inside one write transaction that also inserts the
 * trial's run (SQLite `BEGIN IMMEDIATE`; PostgreSQL locks the study's run row), so concurrent
 * creators get 0, 1, 2, … without gaps; `finishTrial` locks the trial and checks its state in
 * the same transaction.
 *
 * @example
 * ```ts
 * const tracking = await openTracking();
 * const storage = new TrackingStudyStorage(tracking, { experiment: "churn-tuning" });
 * const study = await createStudy({ name: "gbdt", direction: "maximize", storage, loadIfExists: true });
 * // In a pipeline step: the trials nested under the step's run.
 * const nested = new TrackingStudyStorage(ctx.tracking, { studyRunId: (await ctx.trackedRun()).id });
 * ```
 */
export class TrackingStudyStorage implements StudyStorage {
  readonly #tracking: Tracking;
  readonly #database: MetadataDatabase;
  readonly #experiment: string;
  readonly #studyRunId: string | undefined;

  constructor(tracking: Tracking, options: TrackingStudyStorageOptions = {}) {
    this.#tracking = tracking;
    this.#database = tracking.database;
    this.#experiment = options.experiment ?? "keel-studies";
    this.#studyRunId = options.studyRunId;
  }

  async createStudy(
    name: string,
    direction: StudyDirection | readonly StudyDirection[],
  ): Promise<StudySummary> {
    const directions = toDirections(direction);
    if (this.#studyRunId !== undefined)
      return this.#recordStudyOn(this.#studyRunId, name, directions);
    const experimentId = Number(await this.#tracking.experiments.ensure(this.#experiment));
    const studyId = newRunId();
    await this.#database.write(async (tx) => {
      if (this.#database.dialect === "postgres") {
        // Serialise study creation so two processes cannot both create one name.
        await tx
          .selectFrom("experiments")
          .select("experiment_id")
          .where("experiment_id", "=", experimentId)
          .forUpdate()
          .execute();
      }
      if ((await this.#findStudy(tx, name)) !== undefined) {
        throw new KeelError("KEEL_ERR_ALREADY_EXISTS", `A study named '${name}' already exists.`, {
          details: { study: name },
        });
      }
      await this.#insertRun(tx, experimentId, studyId, `study-${name}`, null, {
        [STUDY_NAME]: name,
        [STUDY_DIRECTION]: encodeDirections(directions),
      });
    });
    return summaryOf(studyId, name, encodeDirections(directions));
  }

  /** Tags an existing run as the study (its trials become its nested runs). */
  async #recordStudyOn(
    runId: string,
    name: string,
    directions: readonly StudyDirection[],
  ): Promise<StudySummary> {
    await this.#database.write(async (tx) => {
      if ((await this.#lockRun(tx, runId)) === undefined)
        throw new KeelError(
          "KEEL_ERR_NOT_FOUND",
          `Cannot record study '${name}' on run '${runId}': there is no such run.`,
          { details: { study: name, runId } },
        );
      if ((await this.#findStudy(tx, name)) !== undefined) {
        throw new KeelError("KEEL_ERR_ALREADY_EXISTS", `A study named '${name}' already exists.`, {
          details: { study: name },
        });
      }
      const held = await tx
        .selectFrom("tags")
        .select("value")
        .where("run_uuid", "=", runId)
        .where("key", "=", STUDY_NAME)
        .executeTakeFirst();
      if (held !== undefined)
        throw new KeelError(
          "KEEL_ERR_ALREADY_EXISTS",
          `Run '${runId}' already holds study '${held.value}'; one run records one study (cannot add '${name}').`,
          { details: { study: name, runId, holds: held.value } },
        );
      await writeBatch(tx, this.#database, runId, {
        tags: [
          { key: STUDY_NAME, value: name },
          { key: STUDY_DIRECTION, value: encodeDirections(directions) },
        ],
      });
    });
    return summaryOf(runId, name, encodeDirections(directions));
  }

  async getStudy(name: string): Promise<StudySummary | undefined> {
    return this.#findStudy(this.#database.db, name);
  }

  async listStudies(): Promise<StudySummary[]> {
    const rows = await this.#database.db
      .selectFrom("tags as n")
      .innerJoin("tags as d", (join) =>
        join.onRef("d.run_uuid", "=", "n.run_uuid").on("d.key", "=", STUDY_DIRECTION),
      )
      .innerJoin("runs", "runs.run_uuid", "n.run_uuid")
      .select(["n.run_uuid as id", "n.value as name", "d.value as direction"])
      .where("n.key", "=", STUDY_NAME)
      .where("runs.lifecycle_stage", "=", "active")
      .execute();
    return rows.map((r) => summaryOf(r.id, r.name, r.direction));
  }

  async createTrial(
    studyId: string,
    initial?: TrialPatch,
    state: "RUNNING" | "WAITING" = "RUNNING",
  ): Promise<FrozenTrial> {
    const trialId = newRunId();
    await this.#database.write(async (tx) => {
      const study = await this.#lockRun(tx, studyId);
      if (study === undefined || !(await this.#isStudy(tx, studyId))) throw studyNotFound(studyId);
      // Only trials count: a study recorded on a step's run may have other nested runs.
      const count = await tx
        .selectFrom("runs")
        .innerJoin("tags as n", (join) =>
          join.onRef("n.run_uuid", "=", "runs.run_uuid").on("n.key", "=", TRIAL_NUMBER),
        )
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("runs.parent_run_id", "=", studyId)
        .executeTakeFirstOrThrow();
      const number = Number(count.n);
      await this.#insertRun(
        tx,
        study.experiment_id,
        trialId,
        `trial-${number}`,
        studyId,
        { [TRIAL_NUMBER]: String(number), [TRIAL_STATE]: state },
        RUN_STATUS[state],
      );
      if (initial !== undefined) await this.#applyPatch(tx, trialId, number, initial, {});
    });
    return this.getTrial(trialId);
  }

  async claimWaitingTrial(studyId: string, patch?: TrialPatch): Promise<FrozenTrial | undefined> {
    const claimed = await this.#database.write(async (tx) => {
      // The study's row lock (PostgreSQL) or the write lock (SQLite) serialises claimers.
      const study = await this.#lockRun(tx, studyId);
      if (study === undefined || !(await this.#isStudy(tx, studyId))) throw studyNotFound(studyId);
      const waiting = await tx
        .selectFrom("runs")
        .innerJoin("tags as s", (join) =>
          join.onRef("s.run_uuid", "=", "runs.run_uuid").on("s.key", "=", TRIAL_STATE),
        )
        .innerJoin("tags as n", (join) =>
          join.onRef("n.run_uuid", "=", "runs.run_uuid").on("n.key", "=", TRIAL_NUMBER),
        )
        .select(["runs.run_uuid as id", "n.value as number"])
        .where("runs.parent_run_id", "=", studyId)
        .where("s.value", "=", "WAITING")
        .execute();
      const first = waiting.sort((a, b) => Number(a.number) - Number(b.number))[0];
      if (first === undefined) return undefined;
      await writeBatch(tx, this.#database, first.id, {
        tags: [{ key: TRIAL_STATE, value: "RUNNING" }],
      });
      await tx
        .updateTable("runs")
        .set({ status: RUN_STATUS.RUNNING, start_time: Date.now() })
        .where("run_uuid", "=", first.id)
        .execute();
      if (patch !== undefined) {
        const [current] = await this.#readTrials(tx, [first.id]);
        await this.#applyPatch(tx, first.id, Number(first.number), patch, current?.params ?? {});
      }
      return first.id;
    });
    return claimed === undefined ? undefined : this.getTrial(claimed);
  }

  async writeTrial(trialId: string, patch: TrialPatch): Promise<void> {
    await this.#database.write(async (tx) => {
      const current = await this.#runningTrial(tx, trialId);
      await this.#applyPatch(tx, trialId, current.number, patch, current.params);
    });
  }

  async finishTrial(
    trialId: string,
    state: FinishedState,
    value?: number | readonly number[],
    patch?: TrialPatch,
  ): Promise<boolean> {
    const values = state === "COMPLETE" ? completeValues(value, trialId) : [];
    return this.#database.write(async (tx) => {
      await this.#lockRun(tx, trialId);
      const trial = await this.#readTrials(tx, [trialId]);
      const current = trial[0];
      if (current === undefined) throw trialNotFound(trialId);
      if (current.state !== "RUNNING") return false;
      if (patch !== undefined)
        await this.#applyPatch(tx, trialId, current.number, patch, current.params);
      const now = Date.now();
      await writeBatch(tx, this.#database, trialId, {
        tags: [
          { key: TRIAL_STATE, value: state },
          ...(state === "COMPLETE"
            ? [
                {
                  key: TRIAL_VALUE,
                  // One objective as its number (as before); several as a JSON list.
                  value: values.length === 1 ? String(values[0]) : JSON.stringify(values),
                },
              ]
            : []),
        ],
        // One objective: metric `value`; several: `value_0`, `value_1`, … (MLflow shows each).
        metrics: values.map((v, i) => ({
          key: values.length === 1 ? "value" : `value_${i}`,
          value: v,
          step: 0,
          timestamp: now,
        })),
      });
      await tx
        .updateTable("runs")
        .set({ status: RUN_STATUS[state], end_time: now })
        .where("run_uuid", "=", trialId)
        .execute();
      return true;
    });
  }

  async getTrial(trialId: string): Promise<FrozenTrial> {
    const [trial] = await this.#readTrials(this.#database.db, [trialId]);
    if (trial === undefined) throw trialNotFound(trialId);
    return trial;
  }

  async getAllTrials(studyId: string): Promise<FrozenTrial[]> {
    const db = this.#database.db;
    if (!(await this.#isStudy(db, studyId))) throw studyNotFound(studyId);
    const ids = await db
      .selectFrom("runs")
      .innerJoin("tags as n", (join) =>
        join.onRef("n.run_uuid", "=", "runs.run_uuid").on("n.key", "=", TRIAL_NUMBER),
      )
      .select("runs.run_uuid")
      .where("runs.parent_run_id", "=", studyId)
      .execute();
    const trials = await this.#readTrials(
      db,
      ids.map((r) => r.run_uuid),
    );
    return trials.sort((a, b) => a.number - b.number);
  }

  /** The tracking connection belongs to the caller, who closes it. */
  async close(): Promise<void> {}

  async #findStudy(db: Tx, name: string): Promise<StudySummary | undefined> {
    const row = await db
      .selectFrom("tags as n")
      .innerJoin("tags as d", (join) =>
        join.onRef("d.run_uuid", "=", "n.run_uuid").on("d.key", "=", STUDY_DIRECTION),
      )
      .innerJoin("runs", "runs.run_uuid", "n.run_uuid")
      .select(["n.run_uuid as id", "d.value as direction"])
      .where("n.key", "=", STUDY_NAME)
      .where("n.value", "=", name)
      .where("runs.lifecycle_stage", "=", "active")
      .executeTakeFirst();
    return row === undefined ? undefined : summaryOf(row.id, name, row.direction);
  }

  async #isStudy(db: Tx, runId: string): Promise<boolean> {
    const row = await db
      .selectFrom("tags")
      .select("key")
      .where("run_uuid", "=", runId)
      .where("key", "=", STUDY_NAME)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Locks a run row for the rest of the transaction (PostgreSQL; SQLite holds the write lock already). */
  async #lockRun(tx: Tx, runId: string): Promise<{ experiment_id: number } | undefined> {
    let query = tx.selectFrom("runs").select("experiment_id").where("run_uuid", "=", runId);
    if (this.#database.dialect === "postgres") query = query.forUpdate();
    return query.executeTakeFirst();
  }

  async #runningTrial(tx: Tx, trialId: string): Promise<FrozenTrial> {
    await this.#lockRun(tx, trialId);
    const [trial] = await this.#readTrials(tx, [trialId]);
    if (trial === undefined) throw trialNotFound(trialId);
    if (trial.state !== "RUNNING") {
      throw new KeelError(
        "KEEL_ERR_CONFLICT",
        `Trial ${trial.number} is ${trial.state}; only a RUNNING trial can be written to.`,
        {
          details: { trialId, number: trial.number, state: trial.state },
        },
      );
    }
    return trial;
  }

  async #insertRun(
    tx: Tx,
    experimentId: number,
    runId: string,
    runName: string,
    parentRunId: string | null,
    tags: Record<string, string>,
    status = "RUNNING",
  ): Promise<void> {
    const experiment = await tx
      .selectFrom("experiments")
      .select("artifact_location")
      .where("experiment_id", "=", experimentId)
      .executeTakeFirstOrThrow();
    const user = safeUserName();
    await tx
      .insertInto("runs")
      .values({
        run_uuid: runId,
        experiment_id: experimentId,
        run_name: runName,
        user_id: user,
        status,
        start_time: Date.now(),
        end_time: null,
        lifecycle_stage: "active",
        artifact_uri: `${experiment.artifact_location.replace(/\/+$/, "")}/${runId}/artifacts`,
        parent_run_id: parentRunId,
        deleted_time: null,
      })
      .execute();
    const all: Record<string, string> = { ...tags, "mlflow.runName": runName, "mlflow.user": user };
    if (parentRunId !== null) all["mlflow.parentRunId"] = parentRunId;
    await writeBatch(tx, this.#database, runId, {
      tags: Object.entries(all).map(([key, value]) => ({ key, value })),
    });
  }

  /** Validates the whole patch, then writes it as one batch (the caller's transaction makes it atomic). */
  async #applyPatch(
    tx: Tx,
    trialId: string,
    number: number,
    patch: TrialPatch,
    known: Readonly<Record<string, ParamValue>>,
  ): Promise<void> {
    const params: { key: string; value: string }[] = [];
    const tags: { key: string; value: string }[] = [];
    for (const [name, { distribution, value }] of Object.entries(patch.params ?? {})) {
      if (!contains(distribution, value)) {
        throw new KeelError(
          "KEEL_ERR_SEARCH_SPACE",
          `Parameter '${name}': ${describeValue(value)} is outside its distribution.`,
          {
            details: { param: name, value, distribution },
          },
        );
      }
      if (name in known && known[name] !== value) {
        throw new KeelError(
          "KEEL_ERR_CONFLICT",
          `Parameter '${name}' of trial ${number} is already ${describeValue(known[name])}; it cannot become ${describeValue(value)}.`,
          { details: { param: name } },
        );
      }
      params.push({ key: name, value: String(value) });
      tags.push({ key: `${DISTRIBUTION}${name}`, value: JSON.stringify(distribution) });
      if (distribution.kind === "categorical")
        tags.push({ key: `${CHOICE}${name}`, value: JSON.stringify(value) });
    }
    for (const [key, value] of Object.entries(patch.userAttrs ?? {}))
      tags.push({ key: `${USER_ATTR}${key}`, value: JSON.stringify(value) });
    for (const [key, value] of Object.entries(patch.systemAttrs ?? {}))
      tags.push({ key: `${SYSTEM_ATTR}${key}`, value: JSON.stringify(value) });
    const now = Date.now();
    const metrics = (patch.intermediateValues ?? []).map(([step, value]) => {
      if (!Number.isInteger(step) || step < 0 || typeof value !== "number") {
        throw new KeelError(
          "KEEL_ERR_INVALID_ARGUMENT",
          `An intermediate value needs an integer step >= 0 and a number. Got step=${describeValue(step)}.`,
        );
      }
      const finite =
        Number.isFinite(value) || Number.isNaN(value) ? value : Math.sign(value) * DBL_MAX;
      return { key: INTERMEDIATE, value: finite, step, timestamp: now };
    });
    if (metrics.length > 0) {
      // A step reported again replaces its value: keep one history row per step.
      await tx
        .deleteFrom("metrics")
        .where("run_uuid", "=", trialId)
        .where("key", "=", INTERMEDIATE)
        .where(
          "step",
          "in",
          metrics.map((m) => m.step),
        )
        .execute();
    }
    await writeBatch(tx, this.#database, trialId, { params, tags, metrics });
  }

  async #readTrials(db: Tx, ids: readonly string[]): Promise<FrozenTrial[]> {
    if (ids.length === 0) return [];
    const [runs, tags, params, metrics] = await Promise.all([
      db
        .selectFrom("runs")
        .select(["run_uuid", "start_time", "end_time"])
        .where("run_uuid", "in", ids)
        .execute(),
      db
        .selectFrom("tags")
        .select(["run_uuid", "key", "value"])
        .where("run_uuid", "in", ids)
        .execute(),
      db
        .selectFrom("params")
        .select(["run_uuid", "key", "value"])
        .where("run_uuid", "in", ids)
        .execute(),
      db
        .selectFrom("metrics")
        .select(["run_uuid", "step", "value", "is_nan", "timestamp"])
        .where("run_uuid", "in", ids)
        .where("key", "=", INTERMEDIATE)
        .orderBy("timestamp")
        .execute(),
    ]);
    const out: FrozenTrial[] = [];
    for (const run of runs) {
      const id = run.run_uuid;
      const tagMap = new Map(tags.filter((t) => t.run_uuid === id).map((t) => [t.key, t.value]));
      if (!tagMap.has(TRIAL_NUMBER)) continue;
      const distributions: Record<string, Distribution> = {};
      const choices = new Map<string, string>();
      const userAttrs: Record<string, JsonValue> = {};
      const systemAttrs: Record<string, JsonValue> = {};
      for (const [key, value] of tagMap) {
        if (key.startsWith(DISTRIBUTION))
          distributions[key.slice(DISTRIBUTION.length)] = JSON.parse(value) as Distribution;
        else if (key.startsWith(CHOICE)) choices.set(key.slice(CHOICE.length), value);
        else if (key.startsWith(USER_ATTR))
          userAttrs[key.slice(USER_ATTR.length)] = JSON.parse(value) as JsonValue;
        else if (key.startsWith(SYSTEM_ATTR))
          systemAttrs[key.slice(SYSTEM_ATTR.length)] = JSON.parse(value) as JsonValue;
      }
      const values: Record<string, ParamValue> = {};
      for (const p of params) {
        if (p.run_uuid !== id) continue;
        const d = distributions[p.key];
        if (d !== undefined) values[p.key] = decodeParam(d, p.value, choices.get(p.key));
      }
      const intermediateValues = new Map<number, number>();
      for (const m of metrics) {
        if (m.run_uuid !== id) continue;
        const v = m.is_nan
          ? Number.NaN
          : Math.abs(m.value) >= DBL_MAX
            ? Math.sign(m.value) * Number.POSITIVE_INFINITY
            : m.value;
        intermediateValues.set(Number(m.step), v);
      }
      const state = tagMap.get(TRIAL_STATE) as TrialState;
      const valueText = tagMap.get(TRIAL_VALUE);
      const trialValues =
        state !== "COMPLETE" || valueText === undefined
          ? undefined
          : valueText.startsWith("[")
            ? (JSON.parse(valueText) as number[])
            : [Number(valueText)];
      out.push({
        trialId: id,
        number: Number(tagMap.get(TRIAL_NUMBER)),
        state,
        value: trialValues?.length === 1 ? trialValues[0] : undefined,
        values: trialValues,
        params: values,
        distributions,
        intermediateValues,
        userAttrs,
        systemAttrs,
        datetimeStart: state === "WAITING" ? undefined : Number(run.start_time),
        datetimeComplete: run.end_time === null ? undefined : Number(run.end_time),
      });
    }
    return out;
  }
}

/**
 * The study's direction tag: the direction itself for one objective (as before), a JSON list
 * for several.
 */
function encodeDirections(directions: readonly StudyDirection[]): string {
  return directions.length === 1 ? (directions[0] as string) : JSON.stringify(directions);
}

function summaryOf(studyId: string, name: string, directionTag: string): StudySummary {
  const directions = directionTag.startsWith("[")
    ? (JSON.parse(directionTag) as StudyDirection[])
    : [directionTag as StudyDirection];
  return { studyId, name, direction: directions[0] as StudyDirection, directions };
}

/**
 * MLflow params are strings: numbers come back through Number, categories from their JSON tag
 * (trials written before that tag existed: the first choice with the same text).
 */
function decodeParam(d: Distribution, text: string, json: string | undefined): ParamValue {
  if (d.kind !== "categorical") return Number(text);
  if (json !== undefined) return JSON.parse(json) as ParamValue;
  const choice = d.choices.find((c) => String(c) === text);
  return choice === undefined ? text : choice;
}

function studyNotFound(studyId: string): KeelError {
  return new KeelError("KEEL_ERR_STUDY_NOT_FOUND", `No study with id '${studyId}'.`, {
    details: { studyId },
  });
}

function trialNotFound(trialId: string): KeelError {
  return new KeelError("KEEL_ERR_NOT_FOUND", `No trial with id '${trialId}'.`, {
    details: { trialId },
  });
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
