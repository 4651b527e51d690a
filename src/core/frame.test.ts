import { describe, expect, it } from "vitest";
import {
  booleanColumn,
  categoricalColumn,
  categoricalFromValues,
  numericColumn,
  stringColumn,
  timestampColumn,
} from "./column.js";
import { KeelError } from "./errors.js";
import { Frame } from "./frame.js";

const sample = () =>
  Frame.fromColumns({
    tenure: numericColumn([1, 34, Number.NaN]),
    contract: categoricalFromValues(["Month-to-month", "One year", null]),
    senior: booleanColumn([true, false, null]),
    signup: timestampColumn([Date.UTC(2020, 0, 1), Number.NaN, 0]),
    id: stringColumn(["a", null, "c"]),
  });

describe("Frame", () => {
  it("holds typed columns and reports rows, names and schema", () => {
    const frame = sample();
    expect(frame.nRows).toBe(3);
    expect(frame.columnNames).toEqual(["tenure", "contract", "senior", "signup", "id"]);
    expect(frame.schema().map((c) => c.kind)).toEqual([
      "numeric",
      "categorical",
      "boolean",
      "timestamp",
      "string",
    ]);
    expect(frame.categorical("contract").categories).toEqual(["Month-to-month", "One year"]);
  });

  it("gives rows as plain records with null for missing", () => {
    expect(sample().row(2)).toEqual({
      tenure: null,
      contract: null,
      senior: null,
      signup: 0,
      id: "c",
    });
    expect(sample().row(0).contract).toBe("Month-to-month");
  });

  it("suggests close names for a missing column", () => {
    expect(() => sample().column("tenur")).toThrowError(
      /column 'tenur' is not in the frame.*Did you mean 'tenure'/,
    );
  });

  it("rejects a column kind mismatch with both kinds named", () => {
    expect(() => sample().numeric("contract")).toThrowError(
      "Column 'contract' must be numeric. Got a categorical column instead.",
    );
  });

  it("rejects columns of different lengths and duplicate names", () => {
    expect(() =>
      Frame.fromColumns({ a: numericColumn([1]), b: numericColumn([1, 2]) }),
    ).toThrowError(/has 2 rows/);
    expect(() =>
      Frame.fromColumns([
        ["a", numericColumn([1])],
        ["a", numericColumn([2])],
      ]),
    ).toThrowError(KeelError);
  });

  it("takes rows in order with repeats and validates indices", () => {
    const taken = sample().take([2, 0, 0]);
    expect(taken.nRows).toBe(3);
    expect(Array.from(taken.numeric("tenure"))).toEqual([Number.NaN, 1, 1]);
    expect(taken.row(1).id).toBe("a");
    expect(() => sample().take([3])).toThrowError(
      /Row index at position 0 must be an integer in \[0, 2\]/,
    );
  });

  it("slices, selects, drops, renames and adds columns without mutating", () => {
    const frame = sample();
    expect(frame.slice(1).nRows).toBe(2);
    expect(frame.select(["id", "tenure"]).columnNames).toEqual(["id", "tenure"]);
    expect(frame.drop(["id"]).nColumns).toBe(4);
    expect(frame.rename({ id: "customer" }).has("customer")).toBe(true);
    const added = frame.withColumn("x", numericColumn([1, 2, 3]));
    expect(added.nColumns).toBe(6);
    expect(frame.nColumns).toBe(5);
  });

  it("builds from records with inference and with a schema", () => {
    const inferred = Frame.fromRecords([
      { a: 1, b: "x", c: true },
      { a: null, b: "y", c: false },
    ]);
    expect(inferred.schema().map((c) => c.kind)).toEqual(["numeric", "categorical", "boolean"]);
    expect(() => Frame.fromRecords([{ a: "oops" }], [{ name: "a", kind: "numeric" }])).toThrowError(
      "Record 0, column 'a': expected a numeric value. Got 'oops' instead.",
    );
  });

  it("validates categorical codes", () => {
    expect(() => categoricalColumn([0, 2], ["a", "b"])).toThrowError(/must be in \[-1, 1\]/);
  });

  it("sorts categories by code unit like Python", () => {
    expect(categoricalFromValues(["b", "B", "a"]).categories).toEqual(["B", "a", "b"]);
  });
});
