import { randomUUID } from "node:crypto";
import { closeSync, constants, fstatSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { KeelError, toKeelError } from "../core/index.js";
import { type FrozenTrial, type StudyDirection, toDirections } from "./frozen-trial.js";
import {
  completeValues,
  type FinishedState,
  type StudyStorage,
  type StudySummary,
  type TrialPatch,
} from "./storage.js";
import { StudyModel } from "./study-model.js";

/** One line of the journal. `id` lets the writer find the outcome of its own operation. */
type Operation = { readonly id: string } & (
  | {
      readonly op: "createStudy";
      readonly studyId: string;
      readonly name: string;
      readonly direction: StudyDirection;
      /** Written only for a multi-objective study (older journals have one direction). */
      readonly directions?: readonly StudyDirection[];
    }
  | {
      readonly op: "createTrial";
      readonly studyId: string;
      readonly trialId: string;
      readonly time: number;
      readonly initial?: SerialPatch;
      /** Absent in journals written before enqueued trials existed: RUNNING. */
      readonly state?: "WAITING";
    }
  | {
      readonly op: "claimTrial";
      readonly trialId: string;
      readonly time: number;
      readonly patch: SerialPatch | null;
    }
  | { readonly op: "writeTrial"; readonly trialId: string; readonly patch: SerialPatch }
  | {
      readonly op: "finishTrial";
      readonly trialId: string;
      readonly state: FinishedState;
      /** A list for a multi-objective study. */
      readonly value: number | readonly number[] | null;
      readonly patch: SerialPatch | null;
      readonly time: number;
    }
);

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/** A patch as JSON (identical to TrialPatch: every field is already plain JSON). */
type SerialPatch = TrialPatch;

/**
 * A durable {@link StudyStorage} in one append-only JSON-lines file, after Optuna's
 * `JournalFileStorage`: every change is one line appended with a single `O_APPEND` write and
 * fsynced before the call returns; every reader replays the lines it has not seen yet. Several
 * processes on one machine can share a study through the same file without a database server
 * and without "database is locked": the order of lines in the file is the order of operations,
 * so trial numbers follow from it and a finish is decided by whichever line comes first.
 *
 * Limits: local filesystems only (O_APPEND atomicity is not guaranteed on NFS); the whole
 * journal is replayed into memory when opened. This is the interim durable storage of the
 * tune module; the tracking store's storage (each trial a tracked run) is the durable default
 * for `keel tune` once available.
 *
 * @example
 * ```ts
 * const storage = new JournalFileStorage(".keel/studies.jsonl");
 * const study = await createStudy({ name: "churn", direction: "maximize", storage, loadIfExists: true });
 * await study.optimize(objective, { nTrials: 20 }); // run the same script in 4 terminals
 * ```
 */
export class JournalFileStorage implements StudyStorage {
  readonly #path: string;
  readonly #fd: number;
  readonly #writer = randomUUID().slice(0, 8);
  readonly #model = new StudyModel();
  readonly #outcomes = new Map<
    string,
    { ok: true; result: unknown } | { ok: false; error: KeelError }
  >();
  #sequence = 0;
  #offset = 0;
  #carry = Buffer.alloc(0);
  #closed = false;

  constructor(path: string) {
    this.#path = path;
    try {
      this.#fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, 0o644);
    } catch (error) {
      throw new KeelError(
        "KEEL_ERR_FILE_UNREADABLE",
        `Cannot open the study journal '${path}': ${(error as Error).message}`,
        { details: { file: path }, cause: error },
      );
    }
    this.#sync();
  }

  /** The journal's file path. */
  get path(): string {
    return this.#path;
  }

  async createStudy(
    name: string,
    direction: StudyDirection | readonly StudyDirection[],
  ): Promise<StudySummary> {
    const directions = toDirections(direction);
    this.#sync();
    if (this.#model.getStudy(name) !== undefined) {
      throw new KeelError("KEEL_ERR_ALREADY_EXISTS", `A study named '${name}' already exists.`, {
        details: { study: name },
      });
    }
    return this.#append({
      op: "createStudy",
      studyId: randomUUID(),
      name,
      direction: directions[0] as StudyDirection,
      ...(directions.length > 1 ? { directions } : {}),
    }) as StudySummary;
  }

  async getStudy(name: string): Promise<StudySummary | undefined> {
    this.#sync();
    return this.#model.getStudy(name);
  }

  async listStudies(): Promise<StudySummary[]> {
    this.#sync();
    return this.#model.listStudies();
  }

  async createTrial(
    studyId: string,
    initial?: TrialPatch,
    state: "RUNNING" | "WAITING" = "RUNNING",
  ): Promise<FrozenTrial> {
    this.#sync();
    this.#model.getAllTrials(studyId); // unknown study: fail before writing
    const trialId = `${this.#writer}-${this.#sequence}`;
    return this.#append({
      op: "createTrial",
      studyId,
      trialId,
      time: Date.now(),
      ...(initial === undefined ? {} : { initial }),
      ...(state === "WAITING" ? { state } : {}),
    }) as FrozenTrial;
  }

  async claimWaitingTrial(studyId: string, patch?: TrialPatch): Promise<FrozenTrial | undefined> {
    // The first claim line in the file wins; a writer that lost tries the next waiting trial.
    for (;;) {
      this.#sync();
      const [first] = this.#model.waitingTrials(studyId);
      if (first === undefined) return undefined;
      const won = this.#append({
        op: "claimTrial",
        trialId: first.trialId,
        time: Date.now(),
        patch: patch ?? null,
      }) as boolean;
      if (won) return this.#model.getTrial(first.trialId);
    }
  }

  async writeTrial(trialId: string, patch: TrialPatch): Promise<void> {
    this.#sync();
    this.#model.getTrial(trialId);
    this.#append({ op: "writeTrial", trialId, patch });
  }

  async finishTrial(
    trialId: string,
    state: FinishedState,
    value?: number | readonly number[],
    patch?: TrialPatch,
  ): Promise<boolean> {
    this.#sync();
    if (state === "COMPLETE") completeValues(value, trialId);
    if (this.#model.getTrial(trialId).state !== "RUNNING") return false;
    return this.#append({
      op: "finishTrial",
      trialId,
      state,
      value: value ?? null,
      patch: patch ?? null,
      time: Date.now(),
    }) as boolean;
  }

  async getTrial(trialId: string): Promise<FrozenTrial> {
    this.#sync();
    return this.#model.getTrial(trialId);
  }

  async getAllTrials(studyId: string): Promise<FrozenTrial[]> {
    this.#sync();
    return this.#model.getAllTrials(studyId);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }

  /** Appends one operation, replays the journal up to it, and returns its outcome. */
  #append(operation: WithoutId<Operation>): unknown {
    const id = `${this.#writer}:${this.#sequence++}`;
    const line = Buffer.from(
      `${JSON.stringify(intermediateToJson({ ...operation, id } as Operation))}\n`,
    );
    try {
      // One write call per line: with O_APPEND the kernel places it at the end atomically.
      writeSync(this.#fd, line);
      fsyncSync(this.#fd);
    } catch (error) {
      throw new KeelError(
        "KEEL_ERR_WRITE_FAILED",
        `Cannot append to the study journal '${this.#path}': ${(error as Error).message}`,
        { details: { file: this.#path }, cause: error },
      );
    }
    this.#sync();
    const outcome = this.#outcomes.get(id);
    this.#outcomes.delete(id);
    if (outcome === undefined) {
      throw new KeelError("KEEL_ERR_INTERNAL", `Journal line ${id} was written but not read back.`);
    }
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  }

  /** Reads and applies the lines appended since the last sync (by any process). */
  #sync(): void {
    if (this.#closed) {
      throw new KeelError("KEEL_ERR_INVALID_STATE", `The study journal '${this.#path}' is closed.`);
    }
    const size = fstatSync(this.#fd).size;
    if (size <= this.#offset) return;
    const chunk = Buffer.alloc(size - this.#offset);
    let read = 0;
    while (read < chunk.length) {
      const n = readSync(this.#fd, chunk, read, chunk.length - read, this.#offset + read);
      if (n === 0) break;
      read += n;
    }
    this.#offset += read;
    const data = Buffer.concat([this.#carry, chunk.subarray(0, read)]);
    const end = data.lastIndexOf(0x0a);
    // A line without its newline yet is kept for the next sync.
    this.#carry = Buffer.from(data.subarray(end + 1));
    if (end < 0) return;
    for (const text of data.subarray(0, end).toString("utf8").split("\n")) {
      if (text.length === 0) continue;
      let operation: Operation;
      try {
        operation = jsonToIntermediate(JSON.parse(text)) as Operation;
      } catch {
        // A torn line (power loss mid-write) is skipped; every reader skips it alike.
        continue;
      }
      this.#apply(operation);
    }
  }

  #apply(o: Operation): void {
    let result: unknown;
    try {
      switch (o.op) {
        case "createStudy":
          result = this.#model.createStudy(o.studyId, o.name, o.directions ?? o.direction);
          break;
        case "createTrial":
          result = this.#model.createTrial(
            o.studyId,
            o.trialId,
            o.time,
            o.initial,
            o.state ?? "RUNNING",
          );
          break;
        case "claimTrial":
          result = this.#model.claimTrial(o.trialId, o.time, o.patch ?? undefined);
          break;
        case "writeTrial":
          this.#model.writeTrial(o.trialId, o.patch);
          break;
        case "finishTrial":
          result = this.#model.finishTrial(
            o.trialId,
            o.state,
            o.value ?? undefined,
            o.patch ?? undefined,
            o.time,
          );
          break;
      }
    } catch (error) {
      // Every reader rejects the same line the same way; only its writer reports the error.
      if (o.id.startsWith(`${this.#writer}:`))
        this.#outcomes.set(o.id, { ok: false, error: toKeelError(error) });
      return;
    }
    if (o.id.startsWith(`${this.#writer}:`)) this.#outcomes.set(o.id, { ok: true, result });
  }
}

/** NaN and ±Infinity are not JSON: intermediate values are written as strings for those. */
function intermediateToJson(o: Operation): Operation {
  if (
    (o.op !== "writeTrial" && o.op !== "finishTrial" && o.op !== "claimTrial") ||
    !o.patch?.intermediateValues
  )
    return o;
  const values = o.patch.intermediateValues.map(([s, v]) => [
    s,
    Number.isFinite(v) ? v : String(v),
  ]);
  return {
    ...o,
    patch: { ...o.patch, intermediateValues: values as unknown as [number, number][] },
  };
}

function jsonToIntermediate(o: Operation): Operation {
  if (
    (o.op !== "writeTrial" && o.op !== "finishTrial" && o.op !== "claimTrial") ||
    !o.patch?.intermediateValues
  )
    return o;
  const values = o.patch.intermediateValues.map(([s, v]) => [s, Number(v)] as [number, number]);
  return { ...o, patch: { ...o.patch, intermediateValues: values } };
}
