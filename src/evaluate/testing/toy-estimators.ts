/**
 * Small real estimators for evaluate's own tests (kept out of the public surface): a
 * transformer that leaks the target, a model that scores with one column, and a two-step
 * pipeline. They implement the core contract fully so crossValidate treats them like any
 * other estimator.
 */
import {
  type CellValue,
  type Column,
  type Estimator,
  type EstimatorState,
  type FittedModel,
  type FittedTransformer,
  Frame,
  type FrameRecord,
  numericColumn,
} from "../../core/index.js";
import { labelsOf } from "../predictions.js";

/**
 * Learns each row's target by its `id` column and writes it back as a feature `leak` (0.5 for
 * ids it never saw): fitted on validation rows it hands the model their answers.
 *
 * @example
 * ```ts
 * const leaked = new LeakyTargetEncoder().fit(x, y).transform(x); // column "leak" = the target
 * ```
 */
export class LeakyTargetEncoder implements Estimator<FittedTransformer> {
  readonly type = "LeakyTargetEncoder";
  readonly params = { positive: "Yes" };

  fit(x: Frame, y?: Column): FittedTransformer {
    const ids = x.numeric("id");
    const labels = labelsOf(y!);
    const seen = new Map<number, number>();
    ids.forEach((id, i) => {
      seen.set(id, labels[i] === this.params.positive ? 1 : 0);
    });
    const leakOf = (id: number) => seen.get(id) ?? 0.5;
    return {
      type: this.type,
      featureNamesIn: x.columnNames,
      toState: (): EstimatorState => ({ type: this.type, version: 1, params: {}, state: null }),
      transform: (frame: Frame) =>
        frame.withColumn("leak", numericColumn(Array.from(frame.numeric("id"), leakOf))),
      transformRecord: (record: FrameRecord): Record<string, CellValue> => ({
        ...(record as Record<string, CellValue>),
        leak: leakOf(Number(record.id)),
      }),
      featureNamesOut: () => [...x.columnNames, "leak"],
    };
  }

  withParams(): Estimator<FittedTransformer> {
    return this;
  }
}

/**
 * A "model" whose P(positive) is a squashed feature column: enough to rank rows.
 *
 * @example
 * ```ts
 * const model = new ColumnScoreModel("signal").fit(x, y); // P(Yes) rises with x.signal
 * ```
 */
export class ColumnScoreModel implements Estimator<FittedModel> {
  readonly type = "ColumnScoreModel";
  readonly params: { column: string };

  constructor(column: string) {
    this.params = { column };
  }

  fit(x: Frame, y?: Column): FittedModel {
    const classes = [...new Set(labelsOf(y!).map(String))].sort();
    const column = this.params.column;
    const proba = (frame: Frame) => {
      const v = frame.numeric(column);
      const out = new Float64Array(v.length * 2);
      v.forEach((s, i) => {
        const p = 1 / (1 + Math.exp(-4 * (s - 0.5)));
        out[2 * i] = 1 - p;
        out[2 * i + 1] = p;
      });
      return out;
    };
    return {
      type: this.type,
      task: "binary",
      classes,
      featureNamesIn: x.columnNames,
      predictProba: proba,
      predict: (frame) => Float64Array.from(frame.numeric(column), (s) => (s >= 0.5 ? 1 : 0)),
      toState: () => ({ type: this.type, version: 1, params: { column }, state: null }),
    };
  }

  withParams(): Estimator<FittedModel> {
    return this;
  }
}

/**
 * Transformer then model, fitted together: the shape of transform's Pipeline.
 *
 * @example
 * ```ts
 * const pipeline = new TwoStepPipeline(new LeakyTargetEncoder(), new ColumnScoreModel("leak"));
 * ```
 */
export class TwoStepPipeline implements Estimator<FittedModel> {
  readonly type = "TwoStepPipeline";
  readonly params = {};

  constructor(
    readonly transformer: Estimator<FittedTransformer>,
    readonly model: Estimator<FittedModel>,
  ) {}

  async fit(x: Frame, y?: Column): Promise<FittedModel> {
    const t = await this.transformer.fit(x, y);
    const m = await this.model.fit(t.transform(x), y);
    return {
      type: this.type,
      task: m.task,
      classes: m.classes,
      featureNamesIn: x.columnNames,
      predict: (frame) => m.predict(t.transform(frame)),
      predictProba: (frame) => m.predictProba(t.transform(frame)),
      toState: () => ({ type: this.type, version: 1, params: {}, state: null }),
    };
  }

  withParams(): Estimator<FittedModel> {
    return this;
  }
}

/**
 * A frame of `n` rows: id, a weakly informative feature `signal`, a `segment`, target `churn`.
 *
 * @example
 * ```ts
 * const frame = churnLikeFrame(400); // seeded: the same rows every time
 * ```
 */
export function churnLikeFrame(n: number, seed = 1): Frame {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const churn: string[] = [];
  const signal: number[] = [];
  const segment: string[] = [];
  for (let i = 0; i < n; i++) {
    const yes = rand() < 0.3;
    churn.push(yes ? "Yes" : "No");
    signal.push(Math.min(1, Math.max(0, 0.4 + (yes ? 0.15 : 0) + (rand() - 0.5) * 0.6)));
    segment.push(rand() < 0.2 ? "senior" : "adult");
  }
  return Frame.fromRecords(
    churn.map((c, i) => ({ id: i, signal: signal[i]!, segment: segment[i]!, churn: c })),
  );
}
