import { describe, expect, it } from "vitest";
import { conformRecord, type RecordIssue } from "./record-check.js";

const signature = {
  columns: [
    { name: "tenure", kind: "numeric" as const },
    { name: "constructor", kind: "categorical" as const },
    { name: "plan", kind: "categorical" as const },
  ],
};

describe("conformRecord", () => {
  it("types each field, in the signature's order, dropping extra fields", () => {
    const issues: RecordIssue[] = [];
    const out = conformRecord(
      signature,
      { extra: 1, plan: 7, constructor: "a", tenure: 3 },
      "$.records[0]",
      issues,
    );
    expect(issues).toEqual([]);
    expect(Object.entries(out)).toEqual([
      ["tenure", 3],
      ["constructor", "a"],
      ["plan", "7"],
    ]);
  });

  it("takes only own fields: an inherited name or a prototype's field is missing", () => {
    const issues: RecordIssue[] = [];
    // `constructor` is inherited by every plain object; `plan` comes from a prototype.
    const value = Object.assign(Object.create({ plan: "basic" }) as object, { tenure: 1 });
    conformRecord(signature, value, "$.records[4]", issues);
    conformRecord(signature, { tenure: 2, plan: "x" }, "$.records[5]", issues);
    expect(issues.map((i) => `${i.path} ${i.problem}`)).toEqual([
      "$.records[4].constructor missing",
      "$.records[4].plan missing",
      "$.records[5].constructor missing",
    ]);
  });

  it("builds paths only for a record with issues", () => {
    let built = 0;
    const paths = () => {
      built++;
      return { record: "$.data[2]", field: (name: string) => `$.data[2][${name}]` };
    };
    const issues: RecordIssue[] = [];
    conformRecord(signature, { tenure: 1, constructor: "a", plan: "b" }, paths, issues);
    expect(built).toBe(0);
    conformRecord(signature, { tenure: "one", constructor: "a" }, paths, issues);
    expect(built).toBe(1);
    expect(issues.map((i) => i.path)).toEqual(["$.data[2][tenure]", "$.data[2][plan]"]);
  });
});
