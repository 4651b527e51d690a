import { describe, expect, it } from "vitest";
import { loneSurrogateIndex } from "./well-formed-text.js";

describe("loneSurrogateIndex", () => {
  it("finds unpaired halves anywhere and accepts proper pairs", () => {
    expect(loneSurrogateIndex("")).toBe(-1);
    expect(loneSurrogateIndex("plain ascii")).toBe(-1);
    expect(loneSurrogateIndex("😀 and 𝔘")).toBe(-1);
    expect(loneSurrogateIndex("\ud800")).toBe(0);
    expect(loneSurrogateIndex("ab\udc00")).toBe(2);
    expect(loneSurrogateIndex("😀\ud83d")).toBe(2);
    expect(loneSurrogateIndex("\udc00\ud800")).toBe(0);
    // Reversed halves are two lone surrogates, not a pair.
    expect(loneSurrogateIndex("x\ude00\ud83d")).toBe(1);
  });
});
