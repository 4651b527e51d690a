import { describeValue, KeelError } from "../core/index.js";
import type { Distribution, ParamValue } from "./distributions.js";
import type { FrozenTrial, JsonValue, StudyDirection } from "./frozen-trial.js";

/**
 * A study as a storage knows it.
 *
 * @example
 * ```ts
 * const summary: StudySummary = await storage.createStudy("s", "minimize");
 * ```
 */
export interface StudySummary {
  readonly studyId: string;
  readonly name: string;
  /** The first (for a single-objective study, the only) direction. */
  readonly direction: StudyDirection;
  /** One direction per objective; more than one makes a multi-objective study. */
  readonly directions: readonly StudyDirection[];
}

/**
 * What one write adds to a running trial; every field optional.
 *
 * @example
 * ```ts
 * await storage.writeTrial(trialId, { intermediateValues: [[0, 0.71]], userAttrs: { fold: 0 } });
 * ```
 */
export interface TrialPatch {
  readonly params?: Readonly<Record<string, { distribution: Distribution; value: ParamValue }>>;
  /** `[step, value]` pairs; a step reported again replaces its value. */
  readonly intermediateValues?: readonly (readonly [number, number])[];
  readonly userAttrs?: Readonly<Record<string, JsonValue>>;
  readonly systemAttrs?: Readonly<Record<string, JsonValue>>;
}

/**
 * A final state a running trial can move to.
 *
 * @example
 * ```ts
 * await storage.finishTrial(trialId, "PRUNED");
 * ```
 */
export type FinishedState = "COMPLETE" | "PRUNED" | "FAIL";

/**
 * Where studies and trials live. Every implementation (in memory, journal file, the tracking
 * store on SQLite or PostgreSQL) keeps this contract, and runs {@link studyStorageSuite} to
 * prove it.
 *
 * Contract:
 * - **Study names** are unique per storage: `createStudy` with a taken name throws
 *   `KEEL_ERR_ALREADY_EXISTS`; `getStudy` returns `undefined` for an unknown name.
 * - **Trial numbers** are allocated atomically: however many callers (async tasks, threads,
 *   processes, machines) call `createTrial` on one study at once, the numbers they get are
 *   0, 1, 2, … without gaps or duplicates, in the order the storage serialises the calls.
 *   A new trial is `RUNNING` with `datetimeStart` set.
 * - **Enqueued trials** are created `WAITING` and get their number then; `claimWaitingTrial`
 *   hands each to exactly one caller (compare-and-set WAITING → RUNNING), lowest number first.
 * - **Writes** (`writeTrial`) apply only to a `RUNNING` trial; on any other state they throw
 *   `KEEL_ERR_CONFLICT` and change nothing. A patch applies whole or not at all. A parameter,
 *   once set, keeps its value: setting it again with the same value is a no-op, with another
 *   value throws `KEEL_ERR_CONFLICT`. Attributes and intermediate values overwrite per key/step.
 * - **State transitions** are compare-and-set: `finishTrial` moves a trial from `RUNNING` to
 *   `COMPLETE` (value required: a finite number, or for a multi-objective study a list of
 *   finite numbers, one per direction, kept in order), `PRUNED` or `FAIL`, sets `datetimeComplete`, and
 *   returns `true`; if the trial is no longer `RUNNING` (another process finished or failed it
 *   first) it changes nothing and returns `false`. So exactly one caller wins.
 * - **Reads** return snapshots: plain objects that later writes never change, reflecting every
 *   write that completed (its promise resolved) before the read began, from this process or
 *   any other sharing the storage. `getAllTrials` lists a study's trials ordered by number.
 *   Unknown study or trial ids throw `KEEL_ERR_STUDY_NOT_FOUND` / `KEEL_ERR_NOT_FOUND`.
 * - **Durability**: a durable storage has persisted a write when its promise resolves, so a
 *   process killed afterwards loses nothing that was acknowledged.
 *
 * @example
 * ```ts
 * const storage: StudyStorage = new InMemoryStorage();
 * const study = await storage.createStudy("s", "minimize");
 * const trial = await storage.createTrial(study.studyId);
 * await storage.writeTrial(trial.trialId, { intermediateValues: [[0, 1.5]] });
 * await storage.finishTrial(trial.trialId, "COMPLETE", 1.2); // true
 * ```
 */
export interface StudyStorage {
  /** One direction, or a list of them (one per objective) for a multi-objective study. */
  createStudy(
    name: string,
    direction: StudyDirection | readonly StudyDirection[],
  ): Promise<StudySummary>;
  getStudy(name: string): Promise<StudySummary | undefined>;
  listStudies(): Promise<StudySummary[]>;
  /**
   * Creates a RUNNING trial (or, with `state: "WAITING"`, an enqueued one without
   * `datetimeStart`); `initial` is written in the same atomic step (its owner, or an enqueued
   * trial's fixed parameters).
   */
  createTrial(
    studyId: string,
    initial?: TrialPatch,
    state?: "RUNNING" | "WAITING",
  ): Promise<FrozenTrial>;
  /**
   * Moves the lowest-numbered WAITING trial of a study to RUNNING (setting `datetimeStart` and
   * writing `patch`) and returns it; `undefined` when none waits. Atomic: however many callers
   * claim at once, each WAITING trial goes to exactly one of them.
   */
  claimWaitingTrial(studyId: string, patch?: TrialPatch): Promise<FrozenTrial | undefined>;
  writeTrial(trialId: string, patch: TrialPatch): Promise<void>;
  finishTrial(
    trialId: string,
    state: FinishedState,
    value?: number | readonly number[],
    patch?: TrialPatch,
  ): Promise<boolean>;
  getTrial(trialId: string): Promise<FrozenTrial>;
  getAllTrials(studyId: string): Promise<FrozenTrial[]>;
  /** Releases files or connections; the storage is unusable afterwards. */
  close(): Promise<void>;
}

/**
 * The values of a trial being completed, as a list, checked: one or more numbers, all finite.
 * Every storage calls it so they refuse the same inputs with the same error.
 *
 * @example
 * ```ts
 * completeValues([0.1, 3], trialId); // [0.1, 3]
 * completeValues(Number.NaN, trialId); // throws KEEL_ERR_INVALID_ARGUMENT
 * ```
 */
export function completeValues(
  value: number | readonly number[] | undefined,
  trialId: string,
): number[] {
  const values =
    typeof value === "number" ? [value] : Array.isArray(value) ? [...value] : undefined;
  if (
    values === undefined ||
    values.length === 0 ||
    !values.every((v) => typeof v === "number" && Number.isFinite(v))
  ) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `A COMPLETE trial needs a finite value (or a non-empty list of finite values). Got ${describeValue(value)}.`,
      { details: { trialId, value: Array.isArray(value) ? value.map(String) : String(value) } },
    );
  }
  return values;
}
