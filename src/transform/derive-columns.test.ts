import { describe, expect, it } from "vitest";
import {
  booleanColumn,
  categoricalFromValues,
  Frame,
  isKeelError,
  numericColumn,
} from "../core/index.js";
import { DeriveColumns, parseExpression } from "./index.js";

const frame = Frame.fromColumns({
  total_charges: numericColumn([100, 50, Number.NaN, 30]),
  tenure: numericColumn([4, 0, 2, 3]),
  contract: categoricalFromValues(["One year", "Month-to-month", null, "Two year"]),
  paperless: booleanColumn([true, false, null, true]),
  "monthly charges": numericColumn([25, 50, 15, 10]),
});

function derive(expression: string): (number | null)[] {
  const fitted = new DeriveColumns({ columns: { out: expression } }).fit(frame);
  const batch = Array.from(fitted.transform(frame).numeric("out"), (v) =>
    Number.isNaN(v) ? null : v,
  );
  const records = frame.toRecords().map((r) => fitted.transformRecord(r).out ?? null);
  expect(records).toEqual(batch);
  return batch;
}

describe("DeriveColumns expression language", () => {
  it("follows precedence and associativity", () => {
    expect(derive("1 + 2 * 3 - 4 / 2")).toEqual([5, 5, 5, 5]);
    expect(derive("2 ^ 3 ^ 2")).toEqual([512, 512, 512, 512]);
    expect(derive("-2 ^ 2")).toEqual([-4, -4, -4, -4]);
    expect(derive("(1 + 2) * 3 % 4")).toEqual([1, 1, 1, 1]);
    expect(derive("1 < 2 and 3 >= 3 or not 1")).toEqual([1, 1, 1, 1]);
    expect(derive("tenure > 2 ? 10 : tenure == 0 ? -1 : 0")).toEqual([10, -1, 0, 10]);
  });

  it("reads columns, backquoted names, categories and booleans; missing propagates", () => {
    expect(derive("total_charges / tenure")).toEqual([25, null, null, 10]);
    expect(derive("`monthly charges` * 2")).toEqual([50, 100, 30, 20]);
    expect(derive('contract != "Month-to-month"')).toEqual([1, 0, null, 1]);
    expect(derive("paperless + 1")).toEqual([2, 1, null, 2]);
    expect(derive("isMissing(contract) + isMissing(total_charges)")).toEqual([0, 0, 2, 0]);
    expect(derive("coalesce(total_charges, -1)")).toEqual([100, 50, -1, 30]);
  });

  it("has the documented functions", () => {
    expect(derive("log1p(tenure)")).toEqual([Math.log1p(4), 0, Math.log1p(2), Math.log1p(3)]);
    expect(derive("log(tenure)")).toEqual([Math.log(4), null, Math.log(2), Math.log(3)]);
    expect(derive("clip(tenure, 1, 3)")).toEqual([3, 1, 2, 3]);
    expect(derive("max(tenure, 2) + min(1, tenure)")).toEqual([5, 2, 3, 4]);
    expect(derive("if(tenure, sqrt(tenure), abs(-7))")).toEqual([2, 7, Math.SQRT2, Math.sqrt(3)]);
    expect(derive("round(-2.5) + floor(1.7) + ceil(1.2) + pow(2, 3)")).toEqual([8, 8, 8, 8]);
  });

  it("appends new columns and replaces same-named ones in place", () => {
    const fitted = new DeriveColumns({
      columns: { tenure: "tenure * 12", ratio: "total_charges / tenure" },
    }).fit(frame);
    expect(fitted.featureNamesOut()).toEqual([...frame.columnNames, "ratio"]);
    expect(Array.from(fitted.transform(frame).numeric("tenure"))).toEqual([48, 0, 24, 36]);
    expect(fitted.transform(frame).categorical("contract").categories).toEqual(
      frame.categorical("contract").categories,
    );
  });

  it("reports syntax and type errors with a position and a caret", () => {
    const error = (source: string) => {
      try {
        new DeriveColumns({ columns: { out: source } }).fit(frame);
      } catch (e) {
        if (isKeelError(e, "KEEL_ERR_EXPRESSION")) return e.message;
        throw e;
      }
      throw new Error("no error");
    };
    expect(error("tenure +")).toBe(
      "DeriveColumns: expression for 'out' at column 9: expected a number, string, column, function call or '(', got the end of the expression.\n  tenure +\n          ^",
    );
    expect(error("tenur * 2")).toMatch(
      /at column 1: expected a column of the frame \(did you mean 'tenure'\?\), got unknown column 'tenur'/,
    );
    expect(error("lg(tenure)")).toMatch(/did you mean 'log'\?/);
    expect(error("contract + 1")).toMatch(
      /expected a number for '\+', got a category \(string\) value/,
    );
    expect(error("contract == 1")).toMatch(/both sides of '==' of the same kind/);
    expect(error("1 < 2 < 3")).toMatch(/no second comparison/);
    expect(error("clip(1, 2)")).toMatch(/expected 3 argument\(s\) for clip\(\), got 2/);
    expect(error("tenure $ 2")).toMatch(
      /at column 8: expected an operator, number, name or parenthesis, got '\$'/,
    );
    expect(error("`tenure")).toMatch(/a closing backquote/);
  });

  it("parses to a plain tree (no eval)", () => {
    expect(parseExpression("a * (b + 1)")).toEqual({
      type: "binary",
      op: "*",
      at: 2,
      left: { type: "column", name: "a", at: 0 },
      right: {
        type: "binary",
        op: "+",
        at: 7,
        left: { type: "column", name: "b", at: 5 },
        right: { type: "number", value: 1, at: 9 },
      },
    });
  });
});
