import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openTracking } from "../../track/index.js";
import { type CliIo, runCli } from "../run.js";

const root = mkdtempSync(join(tmpdir(), "keel-cli-track-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = "";
  let err = "";
  return {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    interactive: false,
    cwd: root,
    env: {},
    stdout: () => out,
    stderr: () => err,
  };
}

async function keel(...argv: string[]) {
  const io = capture();
  const code = await runCli(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe("keel runs / models / gc", () => {
  it("lists, shows and compares runs; registers, aliases and rolls back models; collects garbage", async () => {
    const tracking = await openTracking({ root });
    const ids: string[] = [];
    for (const [name, depth, auc] of [
      ["shallow", 3, 0.78],
      ["deep", 8, 0.84],
    ] as const) {
      const run = await tracking.startRun({ experiment: "churn", runName: name });
      await run.logParams({ maxDepth: depth, model: "gbdt" });
      run.logMetric("auc", auc);
      await run.end();
      ids.push(run.id);
    }
    await tracking.close();

    const list = await keel(
      "runs",
      "list",
      "--experiment",
      "churn",
      "--filter",
      "metrics.auc > 0.8 or params.maxDepth = '3'",
      "--order-by",
      "metrics.auc DESC",
    );
    expect(list.code).toBe(0);
    const lines = list.out.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain("deep");
    expect(lines[2]).toContain("shallow");

    const show = await keel("runs", "show", ids[0]!);
    expect(show.out).toContain("maxDepth");
    expect(show.out).toContain("FINISHED");

    const compare = await keel("runs", "compare", ids[0]!, ids[1]!);
    expect(compare.code).toBe(0);
    expect(compare.out).toMatch(/\* params\.maxDepth\s+3\s+8/);
    expect(compare.out).toMatch(/ {2}params\.model\s+gbdt\s+gbdt/);
    expect(compare.out).toMatch(/\* metrics\.auc\s+0\.78\d*\s+0\.84/);

    expect((await keel("models", "register", "churn", "--run", ids[0]!)).out).toContain(
      "version 1",
    );
    expect((await keel("models", "register", "churn", "--run", ids[1]!)).out).toContain(
      "version 2",
    );
    expect((await keel("models", "alias", "churn", "champion", "1", "--actor", "ana")).code).toBe(
      0,
    );
    expect(
      (
        await keel(
          "models",
          "alias",
          "churn",
          "champion",
          "2",
          "--actor",
          "ana",
          "--reason",
          "auc +6%",
        )
      ).code,
    ).toBe(0);
    const rollback = await keel("models", "rollback", "churn", "champion", "--actor", "bo");
    expect(rollback.out).toBe("churn@champion rolled back to version 1\n");
    const shown = await keel("models", "show", "churn", "--json");
    const parsed = JSON.parse(shown.out) as {
      aliasHistory: { fromVersion: number | null; toVersion: number; actor: string }[];
    };
    expect(parsed.aliasHistory.map((e) => [e.fromVersion, e.toVersion, e.actor])).toEqual([
      [2, 1, "bo"],
      [1, 2, "ana"],
      [null, 1, "ana"],
    ]);
    const reserved = await keel("models", "alias", "churn", "latest", "1");
    expect(reserved.code).toBe(2);
    expect(reserved.err).toContain("reserved");
    expect((await keel("models", "list")).out).toMatch(/churn\s+2\s+champion→v1/);

    const gc = await keel("gc", "--json");
    expect(JSON.parse(gc.out)).toMatchObject({ runsPurged: 0, blobsDeleted: 0 });
    expect((await keel("gc", "--older-than", "soon")).code).toBe(2);
  });
});
