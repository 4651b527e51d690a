import type { FrozenTrial, StudyDirection } from "./frozen-trial.js";
import type { FinishedState, StudyStorage, StudySummary, TrialPatch } from "./storage.js";
import { StudyModel } from "./study-model.js";

/**
 * A {@link StudyStorage} in process memory: the default, fastest, and gone when the process
 * ends. Operations run synchronously inside their promise, so concurrent callers in one
 * process are serialised by the event loop.
 *
 * @example
 * ```ts
 * const study = await createStudy({ direction: "minimize", storage: new InMemoryStorage() });
 * ```
 */
export class InMemoryStorage implements StudyStorage {
  readonly #model = new StudyModel();
  #nextStudy = 0;
  #nextTrial = 0;

  async createStudy(
    name: string,
    direction: StudyDirection | readonly StudyDirection[],
  ): Promise<StudySummary> {
    return this.#model.createStudy(String(this.#nextStudy++), name, direction);
  }

  async getStudy(name: string): Promise<StudySummary | undefined> {
    return this.#model.getStudy(name);
  }

  async listStudies(): Promise<StudySummary[]> {
    return this.#model.listStudies();
  }

  async createTrial(
    studyId: string,
    initial?: TrialPatch,
    state: "RUNNING" | "WAITING" = "RUNNING",
  ): Promise<FrozenTrial> {
    return this.#model.createTrial(studyId, String(this.#nextTrial++), Date.now(), initial, state);
  }

  async claimWaitingTrial(studyId: string, patch?: TrialPatch): Promise<FrozenTrial | undefined> {
    const [first] = this.#model.waitingTrials(studyId);
    if (first === undefined) return undefined;
    this.#model.claimTrial(first.trialId, Date.now(), patch);
    return this.#model.getTrial(first.trialId);
  }

  async writeTrial(trialId: string, patch: TrialPatch): Promise<void> {
    this.#model.writeTrial(trialId, patch);
  }

  async finishTrial(
    trialId: string,
    state: FinishedState,
    value?: number | readonly number[],
    patch?: TrialPatch,
  ): Promise<boolean> {
    return this.#model.finishTrial(trialId, state, value, patch, Date.now());
  }

  async getTrial(trialId: string): Promise<FrozenTrial> {
    return this.#model.getTrial(trialId);
  }

  async getAllTrials(studyId: string): Promise<FrozenTrial[]> {
    return this.#model.getAllTrials(studyId);
  }

  async close(): Promise<void> {}
}
