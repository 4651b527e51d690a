import { describeValue, KeelError } from "../../core/index.js";
import { contains, type Distribution, type ParamValue } from "../distributions.js";
import type { FrozenTrial } from "../frozen-trial.js";
import { type Sampler, type StudyView, TrialRngs } from "./sampler.js";

/**
 * For each parameter name, the values to try.
 *
 * @example
 * ```ts
 * const grid: SearchGrid = { maxDepth: [3, 6], booster: ["gbtree", "dart"] };
 * ```
 */
export type SearchGrid = Readonly<Record<string, readonly ParamValue[]>>;

/**
 * Tries every combination of a grid once, in random order (as Optuna's `GridSampler`), and
 * stops the study when the grid is used up. Points already taken by finished or running trials
 * are skipped, so several processes sharing one study split the grid between them.
 *
 * @example
 * ```ts
 * const sampler = new GridSampler({ maxDepth: [3, 6], learningRate: [0.03, 0.1, 0.3] }, { seed: 1 });
 * const study = await createStudy({ direction: "maximize", sampler });
 * await study.optimize(objective, { nTrials: 6 });
 * ```
 */
export class GridSampler implements Sampler {
  /** A grid ignores the values, so it serves multi-objective studies too. */
  readonly multiObjective = true;
  readonly #names: string[];
  readonly #grid: SearchGrid;
  readonly #size: number;
  readonly #rngs: TrialRngs;
  readonly #chosen = new Map<number, Record<string, ParamValue>>();

  constructor(grid: SearchGrid, options: { seed?: number } = {}) {
    this.#names = Object.keys(grid).sort();
    for (const name of this.#names) {
      const values = grid[name];
      if (!Array.isArray(values) || values.length === 0) {
        throw new KeelError(
          "KEEL_ERR_SEARCH_SPACE",
          `The grid of '${name}' must be a non-empty array. Got ${describeValue(values)}.`,
          { details: { param: name } },
        );
      }
    }
    this.#grid = grid;
    this.#size = this.#names.reduce((n, name) => n * (grid[name]?.length ?? 1), 1);
    this.#rngs = new TrialRngs(options.seed);
  }

  /** The number of grid points. */
  get size(): number {
    return this.#size;
  }

  inferRelativeSearchSpace(): Record<string, Distribution> {
    return {};
  }

  sampleRelative(): Record<string, ParamValue> {
    return {};
  }

  beforeTrial(study: StudyView, trial: FrozenTrial): void {
    const taken = new Set<number>();
    for (const t of study.trials) {
      if (t.state === "FAIL" || t.state === "WAITING") continue;
      const id = this.#idOf(t.params);
      if (id !== undefined) taken.add(id);
    }
    const free: number[] = [];
    for (let id = 0; id < this.#size; id++) if (!taken.has(id)) free.push(id);
    const rng = this.#rngs.get(trial.number);
    // When every point is taken (several workers raced for the last ones), repeat one at random.
    const id = free.length > 0 ? (free[rng.int(free.length)] as number) : rng.int(this.#size);
    this.#chosen.set(trial.number, this.#point(id));
    if (free.length <= 1) study.stop();
  }

  sampleIndependent(
    _study: StudyView,
    trial: FrozenTrial,
    name: string,
    distribution: Distribution,
  ): ParamValue {
    const point = this.#chosen.get(trial.number);
    if (point === undefined || !(name in point)) {
      throw new KeelError(
        "KEEL_ERR_SEARCH_SPACE",
        `Parameter '${name}' is not in the grid (grid parameters: ${this.#names.join(", ")}).`,
        { details: { param: name, grid: this.#names } },
      );
    }
    const value = point[name] as ParamValue;
    if (!contains(distribution, value)) {
      throw new KeelError(
        "KEEL_ERR_SEARCH_SPACE",
        `Parameter '${name}': grid value ${describeValue(value)} is outside the suggested range.`,
        { details: { param: name, value } },
      );
    }
    return value;
  }

  afterTrial(_study: StudyView, trial: FrozenTrial): void {
    this.#chosen.delete(trial.number);
    this.#rngs.release(trial.number);
  }

  #point(id: number): Record<string, ParamValue> {
    const point: Record<string, ParamValue> = {};
    let rest = id;
    for (const name of this.#names) {
      const values = this.#grid[name] as readonly ParamValue[];
      point[name] = values[rest % values.length] as ParamValue;
      rest = Math.floor(rest / values.length);
    }
    return point;
  }

  #idOf(params: Readonly<Record<string, ParamValue>>): number | undefined {
    let id = 0;
    let scale = 1;
    for (const name of this.#names) {
      const values = this.#grid[name] as readonly ParamValue[];
      if (!(name in params)) return undefined;
      const index = values.indexOf(params[name] as ParamValue);
      if (index < 0) return undefined;
      id += index * scale;
      scale *= values.length;
    }
    return id;
  }
}
