import { describe, expect, it } from "vitest";
import type { LoggedPrediction } from "../../serve/index.js";
import { logEntry } from "../../serve/testing/index.js";
import { trafficByVariant, trafficWindowEnd } from "./deployment-traffic.js";

const HOUR = 3_600_000;

describe("the dashboard's traffic window", () => {
  it("ends now for live traffic, and at the newest entry for a replay that logged nothing recent", () => {
    const now = Date.UTC(2026, 11, 6, 12);
    expect(trafficWindowEnd(now, HOUR, undefined)).toEqual({ to: now, anchored: "now" });
    expect(trafficWindowEnd(now, HOUR, now - 10_000)).toEqual({ to: now, anchored: "now" });
    const replayed = Date.UTC(2025, 2, 2, 9, 30);
    expect(trafficWindowEnd(now, HOUR, replayed)).toEqual({
      to: replayed + 1,
      anchored: "newest-entry",
    });
  });

  it("buckets a replay's entries by their event time, not by when they were served", () => {
    const day = Date.UTC(2025, 2, 2);
    const served = Date.UTC(2026, 11, 6, 12);
    const rows: LoggedPrediction[] = [0, 1, 2, 59].map((minute, i) => ({
      ...logEntry({ requestId: `r${i}`, time: day + minute * 60_000, receivedAt: served }),
      id: i,
      receivedAt: served,
    }));
    const { to } = trafficWindowEnd(served, HOUR, day + 59 * 60_000);
    const [champion] = trafficByVariant(rows, to - HOUR, to, 60_000);
    expect(champion?.requests).toBe(4);
    expect(champion?.buckets.filter((b) => b.requests > 0).map((b) => b.requests)).toEqual([
      1, 1, 1, 1,
    ]);
  });
});
