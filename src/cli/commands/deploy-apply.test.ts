import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../config/index.js";
import { isKeelError } from "../../core/index.js";
import { openServingStore } from "../../serve/index.js";
import { type ServingFixture, servingFixture } from "../../serve/testing/index.js";
import { createApp } from "../../server/index.js";
import { runCli } from "../run.js";
import { startServing } from "../serving-setup.js";
import { captureIo } from "../testing/capture-io.js";

/** A keel.config.ts declaring the given deployments (as TypeScript source). */
function config(deployments: string): string {
  return `// a serving project
const guardrails = { maxErrorRate: 0.02 };
export default {
  project: "churn",
  deployments: ${deployments},
};
`;
}

const AB = `[
    {
      name: "churn",
      stickyKey: "customer",
      variants: [
        { name: "champion", model: "models:/churn@champion", weight: 90 },
        { name: "challenger", model: "models:/churn/2", weight: 10 },
      ],
      canary: { variant: "challenger", steps: [10, 50, 100], interval: "30m", guardrails },
    },
  ]`;

describe("deployments declared in keel.config.ts", () => {
  let fixture: ServingFixture;
  beforeAll(async () => {
    fixture = await servingFixture();
  }, 120_000);
  afterAll(() => fixture?.close());

  async function keel(...argv: string[]) {
    const io = captureIo(fixture.project);
    const code = await runCli(argv, io);
    return { code, out: io.stdout(), err: io.stderr() };
  }

  it("keel deploy apply creates, leaves unchanged, updates; keel server's serving then answers", async () => {
    const file = join(fixture.project, "keel.config.ts");
    writeFileSync(file, config(AB));
    const dry = await keel("deploy", "apply", "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/churn\s+create\s+-\s+champion:90 challenger:10/);
    expect(dry.out).toContain("dry run: nothing stored");
    const store = openServingStore(fixture.tracking.database);
    expect(await store.findDeployment("churn")).toBeUndefined();

    expect((await keel("deploy", "apply")).out).toMatch(/churn\s+create\s+1\s/);
    const created = await store.getDeployment("churn");
    expect(created.spec.canary).toEqual({
      variant: "challenger",
      steps: [10, 50, 100],
      intervalMs: 1_800_000,
      guardrails: { maxErrorRate: 0.02 },
    });
    expect((await keel("deploy", "apply")).out).toMatch(/churn\s+unchanged\s+1\s/);

    writeFileSync(file, config(AB.replace("weight: 90", "weight: 80")));
    expect((await keel("deploy", "apply", "--reason", "more challenger")).out).toMatch(
      /churn\s+update\s+2\s+champion:80 challenger:10/,
    );
    const [last] = await store.deploymentEvents("churn");
    expect(last).toMatchObject({ kind: "update", reason: "more challenger", revision: 2 });

    // What keel server mounts: every stored deployment, scored over HTTP.
    const serving = await startServing({
      tracking: fixture.tracking,
      cwd: fixture.project,
      deployments: await store.listDeployments(),
      log: false,
      report: () => {},
    });
    const app = await createApp({
      tracking: fixture.tracking,
      mode: "serving",
      plugins: serving.plugins,
    });
    try {
      const response = await app.inject({
        method: "POST",
        url: "/v1/deployments/churn/predict",
        headers: { "content-type": "application/json" },
        payload: JSON.stringify({ records: [{ ...fixture.records[0], customer: "c-1" }] }),
      });
      expect(response.statusCode).toBe(200);
      expect(["champion", "challenger"]).toContain(response.json().variant);
    } finally {
      await app.close();
      await serving.close();
    }
  }, 120_000);

  it("lists every bad field with its path from the config root and the deployment's line", async () => {
    const file = join(fixture.project, "keel.config.ts");
    writeFileSync(
      file,
      config(`[
    { name: "ok", variants: [{ name: "a", model: "models:/churn/1", weight: 1 }] },
    {
      name: "broken",
      variants: [{ name: "a", model: "models:/churn@", weight: "90" }],
      canary: { variant: "b", steps: [50], interval: "soon" },
    },
    { name: "ok", variants: [{ name: "a", model: "models:/churn/1", weight: 1 }] },
  ]`),
    );
    const result = await keel("deploy", "apply");
    expect(result.code).toBe(2);
    expect(result.err).toContain(
      `${file}:8: deployments[1].variants[0].model: expected models:/NAME@ALIAS`,
    );
    const error = await loadConfig({ cwd: fixture.project }).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!isKeelError(error)) throw new Error("expected a KeelError");
    expect(error.code).toBe("KEEL_ERR_CONFIG_INVALID");
    const issues = error.details.issues as { path: string; at: string }[];
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "deployments[1].variants[0].model",
        "deployments[1].variants[0].weight",
        "deployments[1].canary.variant",
        "deployments[1].canary.steps",
        "deployments[1].canary.interval",
        "deployments[2].name",
      ]),
    );
    const broken = issues.find((i) => i.path.startsWith("deployments[1]"));
    expect(broken?.at).toBe(`${file}:8`);
    // A model that does not resolve is named before anything is stored.
    writeFileSync(
      file,
      config(
        `[{ name: "ghost", variants: [{ name: "a", model: "models:/churn@nobody", weight: 1 }] }]`,
      ),
    );
    const ghost = await keel("deploy", "apply");
    expect(ghost.code).not.toBe(0);
    expect(ghost.err).toContain(
      "deployments[0]: $.variants[0].model: models:/churn@nobody does not resolve",
    );
    expect(
      await openServingStore(fixture.tracking.database).findDeployment("ghost"),
    ).toBeUndefined();
    // Serving a declared deployment that was never applied says how to fix it.
    const serve = await keel("serve", "--deployment", "ghost", "--port", "0");
    expect(serve.code).toBe(2);
    expect(serve.err).toContain(
      "deployment 'ghost' is declared in keel.config.ts but not stored yet: run keel deploy apply",
    );
  }, 60_000);
});
