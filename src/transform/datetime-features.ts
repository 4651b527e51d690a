import {
  declareParams,
  describeValue,
  type EstimatorState,
  type FittedTransformer,
  type Frame,
  type FrameRecord,
  KeelError,
  type ParamsInput,
  type ParamsOf,
  param,
  type StateLoader,
} from "../core/index.js";
import {
  expectState,
  is,
  type OutputRecord,
  paramsState,
  requireColumns,
  stateField,
  TransformerEstimator,
} from "./base.js";
import { frameOf } from "./fitted-columnwise.js";
import { finiteOrNaN, missingColumn, recordNumber, requireRows, wrongKind } from "./input.js";

/**
 * The calendar fields {@link DatetimeFeatures} can extract (all in UTC).
 *
 * @example
 * ```ts
 * new DatetimeFeatures({ features: DATETIME_FIELDS.filter((f) => f !== "year") });
 * ```
 */
export const DATETIME_FIELDS = ["year", "month", "day", "dayOfWeek", "hour", "dayOfYear"] as const;

/** One calendar field. */
export type DatetimeField = (typeof DATETIME_FIELDS)[number];

/** The period of each cyclic field, for the sin/cos encoding. */
const PERIOD: Partial<Record<DatetimeField, number>> = {
  month: 12,
  day: 31,
  dayOfWeek: 7,
  hour: 24,
  dayOfYear: 366,
};

/**
 * The declared params of {@link DatetimeFeatures}: validation, defaults, docs and CLI parsing.
 *
 * @example
 * ```ts
 * datetimeFeaturesParams.describe().map((p) => p.name);
 * ```
 */
export const datetimeFeaturesParams = declareParams("DatetimeFeatures", {
  features: param.custom<readonly DatetimeField[]>({
    default: DATETIME_FIELDS,
    doc: "The calendar fields to extract, in output order.",
    constraint: `a non-empty list of ${DATETIME_FIELDS.map((f) => `'${f}'`).join(", ")}`,
    check: (v) =>
      Array.isArray(v) &&
      v.length > 0 &&
      v.every((f) => (DATETIME_FIELDS as readonly unknown[]).includes(f)),
    fromString: (t) => t.split(",").map((s) => s.trim()),
  }),
  cyclic: param.boolean({
    default: false,
    doc: "Also add `<col>_<field>_sin` and `_cos` (period 12 months, 31 days, 7 weekdays, 24 hours, 366 days of year).",
  }),
});

/** Validated {@link DatetimeFeatures} params. */
export type DatetimeFeaturesParams = ParamsOf<typeof datetimeFeaturesParams.specs>;

/**
 * Calendar features from timestamp columns (UTC): year, month (1–12), day of month, day of
 * week (Monday = 0, as pandas), hour, day of year (1–366), and optionally their sin/cos on the
 * unit circle so that December sits next to January. Output names are `<col>_<field>`;
 * missing timestamps give NaN. Numeric columns are read as epoch milliseconds; records may also
 * carry ISO-8601 strings.
 *
 * @example
 * ```ts
 * const fitted = new DatetimeFeatures({ features: ["month", "dayOfWeek"], cyclic: true }).fit(frame.select(["signup_at"]));
 * fitted.featureNamesOut(); // ["signup_at_month", "signup_at_dayOfWeek", "signup_at_month_sin", …]
 * ```
 */
export class DatetimeFeatures extends TransformerEstimator<
  DatetimeFeaturesParams,
  FittedDatetimeFeatures
> {
  constructor(params: ParamsInput<typeof datetimeFeaturesParams.specs> = {}) {
    super("DatetimeFeatures", datetimeFeaturesParams.parse(params));
  }

  protected rebuild(params: Readonly<Record<string, unknown>>): DatetimeFeatures {
    return new DatetimeFeatures(params);
  }

  /**
   * Checks the columns are timestamps; there is nothing to learn.
   *
   * @example
   * ```ts
   * new DatetimeFeatures().fit(frame.select(["signup_at"]));
   * ```
   */
  fit(x: Frame): FittedDatetimeFeatures {
    requireRows(x, this.type);
    for (const name of x.columnNames) timestampInput(x, name, this.type);
    return new FittedDatetimeFeatures(x.columnNames, this.params);
  }
}

function timestampInput(frame: Frame, name: string, owner: string): Float64Array {
  const column = frame.get(name);
  if (column === undefined) throw missingColumn(frame, name, owner);
  if (column.kind === "timestamp" || column.kind === "numeric") {
    return finiteOrNaN(column.values, name, owner);
  }
  throw wrongKind(owner, name, column.kind, "a timestamp column (or numeric epoch milliseconds)");
}

function fieldOf(date: Date, field: DatetimeField): number {
  switch (field) {
    case "year":
      return date.getUTCFullYear();
    case "month":
      return date.getUTCMonth() + 1;
    case "day":
      return date.getUTCDate();
    case "dayOfWeek":
      return (date.getUTCDay() + 6) % 7;
    case "hour":
      return date.getUTCHours();
    case "dayOfYear": {
      const y = date.getUTCFullYear();
      return (
        (Date.UTC(y, date.getUTCMonth(), date.getUTCDate()) - Date.UTC(y, 0, 1)) / 86_400_000 + 1
      );
    }
  }
}

/**
 * A fitted {@link DatetimeFeatures} (stateless apart from its columns and params).
 *
 * @example
 * ```ts
 * fitted.transformRecord({ signup_at: "2026-03-01T10:00:00Z" });
 * ```
 */
export class FittedDatetimeFeatures implements FittedTransformer {
  readonly type = "DatetimeFeatures";
  readonly featureNamesIn: readonly string[];
  readonly #params: DatetimeFeaturesParams;
  readonly #cyclic: readonly DatetimeField[];

  constructor(featureNamesIn: readonly string[], params: DatetimeFeaturesParams) {
    this.featureNamesIn = featureNamesIn;
    this.#params = params;
    this.#cyclic = params.cyclic ? params.features.filter((f) => PERIOD[f] !== undefined) : [];
  }

  /** Every output value of one timestamp, in featureNamesOut order for that column. */
  #values(ms: number): number[] {
    const { features } = this.#params;
    if (Number.isNaN(ms))
      return new Array<number>(features.length + 2 * this.#cyclic.length).fill(Number.NaN);
    const date = new Date(ms);
    const out = features.map((f) => fieldOf(date, f));
    for (const f of this.#cyclic) {
      const angle = (2 * Math.PI * fieldOf(date, f)) / (PERIOD[f] as number);
      out.push(Math.sin(angle), Math.cos(angle));
    }
    return out;
  }

  #namesOf(name: string): string[] {
    return [
      ...this.#params.features.map((f) => `${name}_${f}`),
      ...this.#cyclic.flatMap((f) => [`${name}_${f}_sin`, `${name}_${f}_cos`]),
    ];
  }

  /**
   * Extracts the features of every fitted column.
   *
   * @example
   * ```ts
   * fitted.transform(frame);
   * ```
   */
  transform(x: Frame): Frame {
    requireColumns(x, this.featureNamesIn, this.type);
    const columns: (readonly [string, Float64Array])[] = [];
    for (const name of this.featureNamesIn) {
      const values = timestampInput(x, name, this.type);
      const names = this.#namesOf(name);
      const blocks = names.map(() => new Float64Array(values.length));
      for (let i = 0; i < values.length; i++) {
        const row = this.#values(values[i] as number);
        for (let k = 0; k < row.length; k++) (blocks[k] as Float64Array)[i] = row[k] as number;
      }
      names.forEach((n, k) => {
        columns.push([n, blocks[k] as Float64Array]);
      });
    }
    return frameOf(columns);
  }

  /**
   * Extracts the features of one record (epoch milliseconds or an ISO-8601 string).
   *
   * @example
   * ```ts
   * fitted.transformRecord({ signup_at: Date.UTC(2026, 0, 5) });
   * ```
   */
  transformRecord(record: FrameRecord): OutputRecord {
    const out: OutputRecord = {};
    for (const name of this.featureNamesIn) {
      const v = record[name];
      let ms: number;
      if (typeof v === "number") ms = recordNumber(record, name, this.type);
      else if (v === null) ms = Number.NaN;
      else if (typeof v === "string" && !Number.isNaN(Date.parse(v))) ms = Date.parse(v);
      else {
        throw new KeelError(
          v === undefined ? "KEEL_ERR_SCHEMA_MISMATCH" : "KEEL_ERR_TYPE_MISMATCH",
          v === undefined
            ? `${this.type}: the record has no field '${name}', which was seen at fit.`
            : `${this.type}: field '${name}' must be epoch milliseconds or an ISO-8601 string. Got ${describeValue(v)} instead.`,
          {
            details: {
              estimator: this.type,
              column: name,
              expected: "a timestamp",
              got: v ?? null,
            },
          },
        );
      }
      const values = this.#values(ms);
      this.#namesOf(name).forEach((n, k) => {
        const value = values[k] as number;
        out[n] = Number.isNaN(value) ? null : value;
      });
    }
    return out;
  }

  /**
   * `<col>_<field>` for each field, then `<col>_<field>_sin` / `_cos` when cyclic.
   *
   * @example
   * ```ts
   * fitted.featureNamesOut();
   * ```
   */
  featureNamesOut(): string[] {
    return this.featureNamesIn.flatMap((name) => this.#namesOf(name));
  }

  /**
   * Serialises the columns and params.
   *
   * @example
   * ```ts
   * fitted.toState();
   * ```
   */
  toState(): EstimatorState {
    return {
      type: this.type,
      version: 1,
      params: paramsState({ ...this.#params, features: [...this.#params.features] }),
      state: { featureNamesIn: [...this.featureNamesIn] },
    };
  }
}

/**
 * Rebuilds a {@link FittedDatetimeFeatures} from `toState()` output.
 *
 * @example
 * ```ts
 * loadDatetimeFeatures(state, transformLoaders);
 * ```
 */
export const loadDatetimeFeatures: StateLoader<FittedDatetimeFeatures> = (state) => {
  expectState(state, "DatetimeFeatures", 1);
  return new FittedDatetimeFeatures(
    stateField(state, "featureNamesIn", is.strings),
    datetimeFeaturesParams.parse(state.params),
  );
};
