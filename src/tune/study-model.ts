import { describeValue, KeelError } from "../core/index.js";
import { contains, type Distribution, type ParamValue } from "./distributions.js";
import {
  type FrozenTrial,
  type JsonValue,
  type StudyDirection,
  type TrialState,
  toDirections,
} from "./frozen-trial.js";
import {
  completeValues,
  type FinishedState,
  type StudySummary,
  type TrialPatch,
} from "./storage.js";

interface TrialRecord {
  trialId: string;
  studyId: string;
  number: number;
  state: TrialState;
  values: number[] | undefined;
  params: Record<string, ParamValue>;
  distributions: Record<string, Distribution>;
  intermediateValues: Map<number, number>;
  userAttrs: Record<string, JsonValue>;
  systemAttrs: Record<string, JsonValue>;
  datetimeStart: number | undefined;
  datetimeComplete: number | undefined;
}

/**
 * The state machine behind the in-memory and journal storages: studies and trials held in
 * maps, with every rule of the {@link StudyStorage} contract checked on each operation. The
 * journal storage replays its log through one of these, so both enforce the same rules.
 *
 * @example
 * ```ts
 * const model = new StudyModel();
 * const s = model.createStudy("s1", "s", "minimize");
 * const t = model.createTrial(s.studyId, "t1", Date.now());
 * model.finishTrial("t1", "COMPLETE", 0.5, undefined, Date.now()); // true
 * ```
 */
export class StudyModel {
  readonly #studies = new Map<string, StudySummary>();
  readonly #studyByName = new Map<string, string>();
  readonly #trials = new Map<string, TrialRecord>();
  readonly #trialsOfStudy = new Map<string, TrialRecord[]>();

  createStudy(
    studyId: string,
    name: string,
    direction: StudyDirection | readonly StudyDirection[],
  ): StudySummary {
    if (this.#studyByName.has(name)) {
      throw new KeelError("KEEL_ERR_ALREADY_EXISTS", `A study named '${name}' already exists.`, {
        details: { study: name },
      });
    }
    const directions = toDirections(direction);
    const summary = { studyId, name, direction: directions[0] as StudyDirection, directions };
    this.#studies.set(studyId, summary);
    this.#studyByName.set(name, studyId);
    this.#trialsOfStudy.set(studyId, []);
    return summary;
  }

  getStudy(name: string): StudySummary | undefined {
    const id = this.#studyByName.get(name);
    return id === undefined ? undefined : this.#studies.get(id);
  }

  listStudies(): StudySummary[] {
    return [...this.#studies.values()];
  }

  createTrial(
    studyId: string,
    trialId: string,
    now: number,
    initial?: TrialPatch,
    state: "RUNNING" | "WAITING" = "RUNNING",
  ): FrozenTrial {
    const list = this.#studyTrials(studyId);
    const record: TrialRecord = {
      trialId,
      studyId,
      number: list.length,
      state: "RUNNING",
      values: undefined,
      params: {},
      distributions: {},
      intermediateValues: new Map(),
      userAttrs: {},
      systemAttrs: {},
      datetimeStart: now,
      datetimeComplete: undefined,
    };
    list.push(record);
    this.#trials.set(trialId, record);
    if (initial !== undefined) {
      try {
        this.writeTrial(trialId, initial);
      } catch (error) {
        list.pop();
        this.#trials.delete(trialId);
        throw error;
      }
    }
    if (state === "WAITING") {
      record.state = "WAITING";
      record.datetimeStart = undefined;
    }
    return snapshot(record);
  }

  /** The WAITING trials of a study, lowest number first. */
  waitingTrials(studyId: string): FrozenTrial[] {
    return this.#studyTrials(studyId)
      .filter((r) => r.state === "WAITING")
      .map(snapshot);
  }

  /**
   * Compare-and-set WAITING → RUNNING (with `datetimeStart` and `patch`); false when the trial
   * is no longer WAITING (another caller claimed it first).
   */
  claimTrial(trialId: string, now: number, patch: TrialPatch | undefined): boolean {
    const record = this.#trial(trialId);
    if (record.state !== "WAITING") return false;
    record.state = "RUNNING";
    record.datetimeStart = now;
    try {
      if (patch !== undefined) this.writeTrial(trialId, patch);
    } catch (error) {
      record.state = "WAITING";
      record.datetimeStart = undefined;
      throw error;
    }
    return true;
  }

  /** Validates the whole patch first, then applies it: all or nothing. */
  writeTrial(trialId: string, patch: TrialPatch): void {
    const record = this.#trial(trialId);
    if (record.state !== "RUNNING") {
      throw new KeelError(
        "KEEL_ERR_CONFLICT",
        `Trial ${record.number} is ${record.state}; only a RUNNING trial can be written to.`,
        { details: { trialId, number: record.number, state: record.state } },
      );
    }
    for (const [name, { distribution, value }] of Object.entries(patch.params ?? {})) {
      if (!contains(distribution, value)) {
        throw new KeelError(
          "KEEL_ERR_SEARCH_SPACE",
          `Parameter '${name}': ${describeValue(value)} is outside its distribution.`,
          { details: { param: name, value, distribution } },
        );
      }
      const known = record.params[name];
      if (name in record.params && known !== value) {
        throw new KeelError(
          "KEEL_ERR_CONFLICT",
          `Parameter '${name}' of trial ${record.number} is already ${describeValue(known)}; it cannot become ${describeValue(value)}.`,
          { details: { param: name, known, given: value } },
        );
      }
    }
    for (const [step, value] of patch.intermediateValues ?? []) {
      if (!Number.isInteger(step) || step < 0 || typeof value !== "number") {
        throw new KeelError(
          "KEEL_ERR_INVALID_ARGUMENT",
          `An intermediate value needs an integer step >= 0 and a number. Got step=${describeValue(step)}, value=${describeValue(value)}.`,
        );
      }
    }
    for (const [name, { distribution, value }] of Object.entries(patch.params ?? {})) {
      record.params[name] = value;
      record.distributions[name] = distribution;
    }
    for (const [step, value] of patch.intermediateValues ?? [])
      record.intermediateValues.set(step, value);
    Object.assign(record.userAttrs, patch.userAttrs);
    Object.assign(record.systemAttrs, patch.systemAttrs);
  }

  finishTrial(
    trialId: string,
    state: FinishedState,
    value: number | readonly number[] | undefined,
    patch: TrialPatch | undefined,
    now: number,
  ): boolean {
    const record = this.#trial(trialId);
    const values = state === "COMPLETE" ? completeValues(value, trialId) : undefined;
    if (record.state !== "RUNNING") return false;
    if (patch !== undefined) this.writeTrial(trialId, patch);
    record.state = state;
    record.values = values;
    record.datetimeComplete = now;
    return true;
  }

  getTrial(trialId: string): FrozenTrial {
    return snapshot(this.#trial(trialId));
  }

  getAllTrials(studyId: string): FrozenTrial[] {
    return this.#studyTrials(studyId).map(snapshot);
  }

  hasTrial(trialId: string): boolean {
    return this.#trials.has(trialId);
  }

  #studyTrials(studyId: string): TrialRecord[] {
    const list = this.#trialsOfStudy.get(studyId);
    if (list === undefined) {
      throw new KeelError("KEEL_ERR_STUDY_NOT_FOUND", `No study with id '${studyId}'.`, {
        details: { studyId },
      });
    }
    return list;
  }

  #trial(trialId: string): TrialRecord {
    const record = this.#trials.get(trialId);
    if (record === undefined) {
      throw new KeelError("KEEL_ERR_NOT_FOUND", `No trial with id '${trialId}'.`, {
        details: { trialId },
      });
    }
    return record;
  }
}

function snapshot(r: TrialRecord): FrozenTrial {
  return {
    trialId: r.trialId,
    number: r.number,
    state: r.state,
    value: r.values?.length === 1 ? r.values[0] : undefined,
    values: r.values === undefined ? undefined : [...r.values],
    params: { ...r.params },
    distributions: { ...r.distributions },
    intermediateValues: new Map(r.intermediateValues),
    userAttrs: structuredClone(r.userAttrs),
    systemAttrs: structuredClone(r.systemAttrs),
    datetimeStart: r.datetimeStart,
    datetimeComplete: r.datetimeComplete,
  };
}
