import { describe, expect, it } from "vitest";
import { parseMonitors, windowMs } from "./index.js";

describe("monitor definitions", () => {
  it("accepts a valid monitors section and knows window lengths", () => {
    const [m] = parseMonitors(
      [
        {
          name: "m",
          deployment: "churn",
          reference: "model",
          window: "hourly",
          alerts: { sinks: [{ type: "log" }] },
        },
      ],
      "keel.config.ts",
    );
    expect(m && windowMs(m)).toBe(3_600_000);
    expect(parseMonitors(undefined, "keel.config.ts")).toEqual([]);
  });

  it("collects every problem with its path", () => {
    expect(() =>
      parseMonitors(
        [
          { name: "m", deployment: "", reference: "model", window: "monthly" },
          {
            name: "m",
            deployment: "d",
            reference: "r",
            drift: { stattest: "t" },
            alerts: { sinks: [{ type: "webhook", url: "ftp://x" }, { type: "sms" }] },
          },
        ],
        "keel.config.ts",
      ),
    ).toThrow(
      /keel\.config\.ts: 6 problem\(s\) in monitors:\n {2}monitors\[0\]\.deployment: expected a non-empty string\n {2}monitors\[0\]\.window: .*\n {2}monitors\[1\]\.name: 'm' is declared twice\n {2}monitors\[1\]\.drift\.stattest: .*\n {2}monitors\[1\]\.alerts\.sinks\[0\]\.url: expected an http\(s\) URL\n {2}monitors\[1\]\.alerts\.sinks\[1\]\.type: expected log, file, webhook or pipeline/,
    );
  });
  it("takes variant and modelVersion filters, and names bad ones by path", () => {
    const [m] = parseMonitors(
      [
        {
          name: "m",
          deployment: "churn",
          reference: "models:/churn@champion",
          variant: "champion",
          modelVersion: "reference",
        },
      ],
      "keel.config.ts",
    );
    expect(m).toMatchObject({ variant: "champion", modelVersion: "reference" });
    expect(() =>
      parseMonitors(
        [
          { name: "a", deployment: "d", reference: "r", variant: "", modelVersion: 7 },
          { name: "b", deployment: "d", reference: "r", modelVersion: "latest" },
        ],
        "keel.config.ts",
      ),
    ).toThrow(
      /3 problem\(s\) in monitors:\n {2}monitors\[0\]\.variant: expected a variant name.*got ""\n {2}monitors\[0\]\.modelVersion: expected a version number as text.*got 7\n {2}monitors\[1\]\.modelVersion: .*got "latest"/,
    );
  });
});
