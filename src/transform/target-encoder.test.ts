import { describe, expect, it } from "vitest";
import { categoricalFromValues, Frame, numericColumn } from "../core/index.js";
import { ColumnTransformer, Pipeline, TargetEncoder } from "./index.js";
import { readTelco } from "./testing/index.js";

const telco = readTelco().slice(0, 600);
const x = telco.select(["contract", "payment_method"]);
const y = telco.column("churn");

describe("TargetEncoder", () => {
  it("cross-fits the training output: differs from transform, and depends on the seed", () => {
    const encoder = new TargetEncoder({ seed: 1 });
    const { fitted, output } = encoder.fitTransform(x, y);
    const plain = fitted.transform(x);
    expect(Array.from(output.numeric("contract"))).not.toEqual(
      Array.from(plain.numeric("contract")),
    );
    const again = new TargetEncoder({ seed: 1 }).fitTransform(x, y).output;
    expect(Array.from(again.numeric("contract"))).toEqual(Array.from(output.numeric("contract")));
    const other = new TargetEncoder({ seed: 2 }).fitTransform(x, y).output;
    expect(Array.from(other.numeric("contract"))).not.toEqual(
      Array.from(output.numeric("contract")),
    );
  });

  it("is cross-fitted inside Pipeline and ColumnTransformer fits", async () => {
    const direct = new TargetEncoder({ seed: 5 }).fitTransform(x, y).output;
    const ct = new ColumnTransformer([
      ["te", new TargetEncoder({ seed: 5 }), ["contract", "payment_method"]],
    ]);
    const { output } = await new Pipeline([["cols", ct]]).fitTransform(x, y);
    expect(Array.from(output.numeric("te__contract"))).toEqual(
      Array.from(direct.numeric("contract")),
    );
  });

  it("encodes unseen categories as the target mean and treats missing as a category", () => {
    const frame = Frame.fromColumns({ c: categoricalFromValues(["a", "a", "b", null, "b", null]) });
    const target = numericColumn([1, 3, 5, 7, 9, 11]);
    const fitted = new TargetEncoder({ smooth: 0, targetType: "continuous", cv: 2 }).fit(
      frame,
      target,
    );
    expect(fitted.transformRecord({ c: "a" }).c).toBe(2);
    expect(fitted.transformRecord({ c: null }).c).toBe(9);
    expect(fitted.transformRecord({ c: "zzz" }).c).toBe(6);
  });

  it("rejects targets it cannot encode", () => {
    const three = categoricalFromValues(["a", "b", "c", "a"]);
    const frame = Frame.fromColumns({ c: categoricalFromValues(["x", "y", "x", "y"]) });
    expect(() => new TargetEncoder().fit(frame, three)).toThrow(/binary or numeric/);
    expect(() => new TargetEncoder().fit(frame)).toThrow(/needs a target y/);
    expect(() => new TargetEncoder().fit(frame, numericColumn([1, Number.NaN, 2, 3]))).toThrow(
      /missing at row 1/,
    );
  });
});
