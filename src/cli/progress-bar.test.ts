import { describe, expect, it } from "vitest";
import { createProgressBar } from "./progress-bar.js";

describe("createProgressBar", () => {
  it("draws label, counts and status on a terminal", () => {
    let text = "";
    const bar = createProgressBar({
      write: (t) => {
        text += t;
      },
      interactive: true,
      width: 10,
    });
    bar.start(4, "trials");
    bar.advance(4, { best: 0.8412345 });
    bar.finish();
    expect(text).toContain("trials [##########] 4/4");
    expect(text).toContain("best=0.84123");
    expect(text.endsWith("\n")).toBe(true);
  });

  it("writes nothing when not interactive", () => {
    let text = "";
    const bar = createProgressBar({
      write: (t) => {
        text += t;
      },
      interactive: false,
    });
    bar.start(2, "x");
    bar.advance(2);
    bar.finish();
    expect(text).toBe("");
  });
});
