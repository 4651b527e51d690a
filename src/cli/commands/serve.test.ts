import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFrame } from "../../data/index.js";
import { openServingStore } from "../../serve/index.js";
import { type ServingFixture, servingFixture, TELCO_CSV } from "../../serve/testing/index.js";
import { runCli } from "../run.js";
import { captureIo } from "../testing/capture-io.js";

const binary = resolve("dist/cli/main.js");
if (!existsSync(binary))
  console.log(`Skipping the keel serve process tests: ${binary} is missing (run npm run build).`);

/** Starts `keel serve` as a real process and resolves once it listens, with its base URL. */
function startServe(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [binary, "serve", "--port", "0", ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  return new Promise((resolvePromise, reject) => {
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (match) resolvePromise({ child, url: match[1]!, stderr: () => err });
    });
    child.on("exit", (code) => reject(new Error(`keel serve exited early with ${code}: ${err}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => child.once("exit", (code) => r(code)));
}

describe.skipIf(!existsSync(binary))("keel serve (the built binary)", () => {
  let fixture: ServingFixture;
  beforeAll(async () => {
    fixture = await servingFixture();
  }, 120_000);
  afterAll(() => fixture?.close());

  it("answers the same numbers as keel predict for the same rows", async () => {
    const io = captureIo(fixture.project);
    const out = join(fixture.project, "scores.csv");
    expect(
      await runCli(
        ["predict", "--model", "models:/churn/1", "--data", TELCO_CSV, "--out", out],
        io,
      ),
    ).toBe(0);
    const scores = (await readFrame(out)).column("prediction");
    const server = await startServe(fixture.project, ["--model", "models:/churn@champion"]);
    try {
      const records = fixture.records.slice(0, 300);
      const batch = await fetch(`${server.url}/invocations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ dataframe_records: records }),
      });
      expect(batch.status).toBe(200);
      const { predictions } = (await batch.json()) as { predictions: number[] };
      expect(scores.kind).toBe("numeric");
      const want = Array.from((scores as { values: Float64Array }).values.subarray(0, 300));
      expect(predictions).toEqual(want);
      // One record at a time goes through the record path: the same numbers again.
      for (let i = 0; i < 20; i++) {
        const one = await fetch(`${server.url}/v1/deployments/default/predict`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ records: [records[i]] }),
        });
        const body = (await one.json()) as { predictions: { prediction: number }[] };
        expect(body.predictions[0]!.prediction).toBe(want[i]);
      }
    } finally {
      server.child.kill("SIGTERM");
      expect(await exited(server.child)).toBe(0);
    }
  }, 120_000);

  it("swaps models while the alias flips under load: no failed request, only the two versions, every answer logged", async () => {
    const store = openServingStore(fixture.tracking.database);
    const stored = async () =>
      (await store.readPredictions({ deployment: "default", limit: 1_000_000 })).length;
    const before = await stored();
    const server = await startServe(fixture.project, ["--model", "models:/churn@champion"], {
      KEEL_ALIAS_POLL_MS: "100",
    });
    const seen = new Map<string, number>();
    const failures: string[] = [];
    let answered = 0;
    let running = true;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; running; i++) {
        const record = fixture.records[(w * 997 + i) % fixture.records.length];
        const response = await fetch(`${server.url}/v1/deployments/default/predict`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ records: [record] }),
        });
        const text = await response.text();
        if (response.status !== 200) failures.push(`${response.status} ${text}`);
        else {
          const version = (JSON.parse(text) as { modelVersion: string }).modelVersion;
          seen.set(version, (seen.get(version) ?? 0) + 1);
          answered++;
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    let flips = 0;
    const started = Date.now();
    while (Date.now() - started < 8_000) {
      await new Promise((r) => setTimeout(r, 600));
      flips++;
      await fixture.tracking.models.setAlias("churn", "champion", flips % 2 === 1 ? 2 : 1);
    }
    await new Promise((r) => setTimeout(r, 400));
    running = false;
    await Promise.all(workers);
    server.child.kill("SIGTERM");
    expect(await exited(server.child)).toBe(0);
    expect(failures).toEqual([]);
    expect([...seen.keys()].sort()).toEqual(["1", "2"]);
    expect(server.stderr()).toContain("models:/churn@champion moved to version 2");
    // A graceful stop flushed the log: every answered request is stored.
    expect((await stored()) - before).toBe(answered);
  }, 120_000);

  it("serves a stored deployment and follows a promotion without a failed request", async () => {
    const store = openServingStore(fixture.tracking.database);
    await store.createDeployment({
      name: "churn-ab",
      stickyKey: "customer",
      variants: [
        { name: "champion", model: "models:/churn/1", weight: 100 },
        { name: "challenger", model: "models:/churn/2", weight: 0 },
      ],
    });
    const server = await startServe(fixture.project, ["--deployment", "churn-ab"], {
      KEEL_ALIAS_POLL_MS: "100",
    });
    const ask = async (i: number): Promise<{ status: number; variant: string }> => {
      const response = await fetch(`${server.url}/v1/deployments/churn-ab/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ records: [{ ...fixture.records[i], customer: `c${i}` }] }),
      });
      const body = (await response.json()) as { variant: string };
      return { status: response.status, variant: body.variant };
    };
    try {
      for (let i = 0; i < 20; i++)
        expect(await ask(i)).toEqual({ status: 200, variant: "champion" });
      await store.updateDeployment("churn-ab", {
        kind: "promote",
        reason: "challenger won",
        spec: {
          name: "churn-ab",
          stickyKey: "customer",
          variants: [
            { name: "champion", model: "models:/churn/1", weight: 0 },
            { name: "challenger", model: "models:/churn/2", weight: 100 },
          ],
        },
      });
      const statuses: number[] = [];
      let variant = "champion";
      for (let i = 0; i < 400 && variant === "champion"; i++) {
        const answer = await ask(i % 50);
        statuses.push(answer.status);
        variant = answer.variant;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(variant).toBe("challenger");
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect(server.stderr()).toContain("deployment churn-ab changed");
    } finally {
      server.child.kill("SIGTERM");
      expect(await exited(server.child)).toBe(0);
    }
  }, 120_000);
});
