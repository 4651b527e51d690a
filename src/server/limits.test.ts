import { describe, expect, it } from "vitest";
import { jsonDepth } from "./limits.js";

/** The plain character-by-character count the fast scan must agree with. */
function reference(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") {
      deepest = Math.max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if (c === "}" || c === "]") depth--;
  }
  return deepest;
}

describe("jsonDepth", () => {
  it("counts nesting and skips brackets and escaped quotes inside strings", () => {
    const cases = [
      '{"a":[1,{"b":2}]}',
      '{"a":"[[[{{{"}',
      '{"a":"q\\"[[","b":[[1]]}',
      '{"a":"ends in a backslash\\\\","b":[[[1]]]}',
      '["\\\\\\"[", [[]]]',
      '{"unterminated":"[[[',
      "[".repeat(70) + "]".repeat(70),
      JSON.stringify({ records: [{ x: 'he said "hi" [ok] {no}', y: [1, [2, [3]]] }] }),
    ];
    for (const text of cases) expect(jsonDepth(text, 64)).toBe(reference(text, 64));
    expect(jsonDepth("[".repeat(10_000), 64)).toBe(65);
  });

  it("agrees with the plain count on random JSON with awkward strings", () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pieces = ["[", "{", "]", "}", '"', "\\", "a", ","];
    const value = (d: number): unknown => {
      const r = rand();
      if (d > 6 || r < 0.3)
        return Array.from(
          { length: Math.floor(rand() * 6) },
          () => pieces[Math.floor(rand() * pieces.length)],
        ).join("");
      if (r < 0.65) return Array.from({ length: Math.floor(rand() * 4) }, () => value(d + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(rand() * 4) }, (_, i) => [`k${i}"[`, value(d + 1)]),
      );
    };
    for (let n = 0; n < 500; n++) {
      const text = JSON.stringify(value(0));
      expect(jsonDepth(text, 64)).toBe(reference(text, 64));
    }
  });
});
