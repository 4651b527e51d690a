import { describe, expect, it } from "vitest";
import { singleStatement } from "./sql-statement.js";

describe("singleStatement", () => {
  it("keeps one statement with its comments, without the trailing semicolon", () => {
    expect(singleStatement("SELECT 1 -- note", "q")).toBe("SELECT 1 -- note\n");
    expect(singleStatement("SELECT 1; -- done\n", "q")).toBe("SELECT 1\n");
    expect(singleStatement("/* a; b */ SELECT ';' AS \"x;y\", $$;$$ AS z;", "q")).toBe(
      "/* a; b */ SELECT ';' AS \"x;y\", $$;$$ AS z\n",
    );
  });

  it("refuses a second statement, none, or an unterminated literal", () => {
    expect(() => singleStatement("SELECT 1; SELECT 2", "checks[0].query")).toThrow(
      /checks\[0\]\.query: expected one SQL statement/,
    );
    expect(() => singleStatement(" -- only a comment\n;", "q")).toThrow(/got no statement/);
    expect(() => singleStatement("SELECT 'x", "q")).toThrow(/ends inside a string literal/);
  });
});
