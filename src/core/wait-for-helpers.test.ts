import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { waitForHelpers } from "./wait-for-helpers.js";

describe("waitForHelpers", () => {
  it("returns true once the helpers count down to zero", () => {
    const control = new Int32Array(new SharedArrayBuffer(8));
    control[0] = 1;
    const helper = new Worker(
      `const { workerData } = require("node:worker_threads");
       setTimeout(() => { Atomics.add(workerData, 1, 1); Atomics.store(workerData, 0, 0); Atomics.notify(workerData, 0); }, 50);`,
      { eval: true, workerData: control },
    );
    try {
      expect(waitForHelpers(control, 0, 1, 10_000)).toBe(true);
    } finally {
      void helper.terminate();
    }
  });

  it("gives up and returns false when nothing moves for the stall time (a dead helper)", () => {
    const control = new Int32Array(new SharedArrayBuffer(8));
    control[0] = 1; // a helper that never counts down
    const started = Date.now();
    expect(waitForHelpers(control, 0, 1, 300)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
