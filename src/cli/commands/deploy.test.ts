import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openServingStore } from "../../serve/index.js";
import { openTracking } from "../../track/index.js";
import { runCli } from "../run.js";
import { captureIo } from "../testing/capture-io.js";

const root = mkdtempSync(join(tmpdir(), "keel-cli-deploy-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function keel(...argv: string[]) {
  const io = captureIo(root);
  const code = await runCli(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

beforeAll(async () => {
  const tracking = await openTracking({ root });
  try {
    await tracking.models.create("churn");
    for (let i = 0; i < 2; i++)
      await tracking.models.createVersion("churn", { source: "models/churn" });
    await tracking.models.setAlias("churn", "champion", 1);
    await tracking.models.setAlias("churn", "challenger", 2);
  } finally {
    await tracking.close();
  }
});

describe("keel deploy", () => {
  it("creates from flags, lists, reports status with SRM and metrics, promotes and rolls back", async () => {
    const created = await keel(
      "deploy",
      "create",
      "--name",
      "churn",
      "--variant",
      "champion=models:/churn@champion:50",
      "--variant",
      "challenger=models:/churn/2:50",
      "--sticky-key",
      "customer_id",
      "--reason",
      "A/B test",
    );
    expect(created).toMatchObject({ code: 0, err: "" });
    expect(created.out).toBe("created deployment churn (revision 1): champion:50 challenger:50\n");

    const list = await keel("deploy", "list");
    expect(list.out).toMatch(/^deployment\s+revision\s+variants/);
    expect(list.out).toContain("churn");

    // Traffic and labels, as the server would log them.
    const tracking = await openTracking({ root });
    try {
      const store = openServingStore(tracking.database);
      const now = Date.now() + 1000;
      const entries = Array.from({ length: 400 }, (_, i) => {
        const variant = i % 2 === 0 ? "champion" : "challenger";
        const positive = i % 5 === 0;
        // The challenger separates the classes better.
        const score = positive
          ? variant === "challenger"
            ? 0.8
            : 0.55
          : (((i * 37) % 100) / 100) * (variant === "challenger" ? 0.6 : 0.9);
        return {
          requestId: `r${i}`,
          time: now + i,
          deployment: "churn",
          variant,
          modelVersion: variant === "champion" ? "1" : "2",
          input: { customer_id: i },
          output: { prediction: score },
          latencyMs: 1,
        };
      });
      await store.appendPredictions(entries);
      for (const [i, e] of entries.entries())
        await store.recordFeedback({
          deployment: "churn",
          requestId: e.requestId,
          label: i % 5 === 0 ? "Yes" : "No",
          time: now,
        });
    } finally {
      await tracking.close();
    }

    const status = await keel("deploy", "status", "churn", "--positive", "Yes");
    expect(status.code).toBe(0);
    expect(status.out).toContain("deployment churn (revision 1): champion:50 challenger:50");
    expect(status.out).toMatch(/window served since .*: 400 requests/);
    // The versions each variant served, starred where its metrics count them.
    expect(status.out).toMatch(/champion\s+50\s+50\.0%\s+200\s+50\.0%\s+200\s+1\*/);
    expect(status.out).toContain(
      "sample ratio: chi-square 0 on 1 df, p = 1 (consistent with the weights)",
    );
    expect(status.out).toMatch(/champion \(control\)\s+0\.\d+ \[/);
    expect(status.out).toMatch(/challenger\s+1 \[1, 1\]\s+\+0\.\d+ \(p /);
    const json = JSON.parse(
      (await keel("deploy", "status", "churn", "--positive", "Yes", "--all-versions", "--json"))
        .out,
    ) as {
      analysis: {
        versions: string;
        variants: { name: string; metrics: { auc: { value: number } } }[];
      };
    };
    expect(json.analysis.versions).toBe("all");
    expect(json.analysis.variants.map((v) => v.name)).toEqual(["champion", "challenger"]);
    expect(json.analysis.variants[1]?.metrics.auc.value).toBe(1);

    const promoted = await keel(
      "deploy",
      "promote",
      "churn",
      "challenger",
      "--reason",
      "AUC +0.2",
      "--actor",
      "ana",
    );
    expect(promoted.out).toBe(
      "promoted challenger in churn (revision 2): champion:0 challenger:100\n",
    );
    const rolled = await keel("deploy", "rollback", "churn", "--reason", "on-call says no");
    expect(rolled.out).toBe("rolled back churn (revision 3): champion:50 challenger:50\n");
    const history = await keel("deploy", "status", "churn", "--from", "0", "--positive", "Yes");
    expect(history.out).toMatch(/rollback r3\s+\S+\s+on-call says no/);
    expect(history.out).toMatch(/promote r2\s+ana\s+AUC \+0\.2/);
    expect(history.out).toMatch(/create r1\s+\S+\s+A\/B test/);
  });

  it("creates from a JSON file with a canary, and refuses models that do not resolve", async () => {
    const spec = {
      name: "ramp",
      variants: [
        { name: "champion", model: "models:/churn@champion", weight: 1 },
        { name: "next", model: "models:/churn@challenger", weight: 0 },
      ],
      canary: {
        variant: "next",
        steps: [10, 50, 100],
        interval: "30m",
        guardrails: { maxErrorRate: 0.01 },
      },
    };
    writeFileSync(join(root, "ramp.json"), JSON.stringify(spec));
    expect((await keel("deploy", "create", "ramp.json")).code).toBe(0);
    const status = await keel("deploy", "status", "ramp");
    expect(status.out).toContain(
      "canary next: steps 10→50→100%, running at the first step; traffic now champion:90 next:10",
    );

    writeFileSync(
      join(root, "bad.json"),
      JSON.stringify({
        ...spec,
        name: "bad",
        variants: [
          { name: "a", model: "models:/churn@gone", weight: 1 },
          { name: "b", model: "missing-dir", weight: 1 },
        ],
        canary: undefined,
      }),
    );
    const bad = await keel("deploy", "create", "bad.json");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("bad.json: $.variants[0].model: models:/churn@gone does not resolve");
    expect(bad.err).toContain("$.variants[1].model: no bundle directory missing-dir");
    expect((await keel("deploy", "list", "--json")).out).not.toContain('"bad"');
  });

  it("names what is wrong: unknown deployment, unknown variant, missing flags, nothing to roll back", async () => {
    const unknown = await keel("deploy", "status", "nope");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("no deployment named 'nope'");
    const variant = await keel("deploy", "promote", "ramp", "winner");
    expect(variant.err).toContain(
      "deployment 'ramp' has no variant 'winner'; its variants are champion, next",
    );
    const flags = await keel("deploy", "create", "--name", "x");
    expect(flags.err).toContain("needs a spec FILE, or --name and at least one --variant");
    const nothing = await keel("deploy", "rollback", "ramp");
    expect(nothing.err).toContain("has no earlier spec to roll back to");
  });

  it("names a bad --variant weight as the weight (negative, NaN, Infinity, 1e400), not as the model", async () => {
    for (const weight of ["-10", "NaN", "Infinity", "1e400", "1.2.3"]) {
      const bad = await keel(
        "deploy",
        "create",
        "--name",
        "w",
        "--variant",
        `x=models:/churn@champion:${weight}`,
      );
      expect(bad.code, weight).toBe(2);
      expect(bad.err, weight).toContain("$.variants[0].weight: expected a finite number ≥ 0");
    }
    const list = await keel("deploy", "list");
    expect(list.out).not.toMatch(/^w\s/m);
  });

  it("does not call a sample-ratio test on no traffic or one variant 'consistent'", async () => {
    await keel("deploy", "create", "--name", "quiet", "--variant", "x=models:/churn@champion:1");
    const status = await keel("deploy", "status", "quiet");
    expect(status.out).toContain("sample ratio: not tested (no requests yet)");
    expect(status.out).not.toContain("consistent with the weights");
  });
});
