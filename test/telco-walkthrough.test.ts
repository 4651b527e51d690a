import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// examples/telco/README.md's walkthrough, run as written: the commands of its sh block, in a
// copy of examples/telco beside a data/ folder (the README's ../../data), through the built
// binary (npm test builds before vitest) as `npx keel` would. One substitution keeps it out
// of others' way: a free port instead of 8080.
const repo = join(import.meta.dirname, "..");
const bin = join(repo, "dist", "cli", "main.js");
const readme = readFileSync(join(repo, "examples", "telco", "README.md"), "utf8");

const root = mkdtempSync(join(tmpdir(), "keel-telco-walkthrough-"));
const dir = join(root, "examples", "telco");
cpSync(join(repo, "examples", "telco"), dir, { recursive: true });
mkdirSync(join(root, "data"));
for (const file of ["telco_churn.csv", "telco-checks.json"])
  symlinkSync(join(repo, "data", file), join(root, "data", file));
const servers: ChildProcess[] = [];
afterAll(async () => {
  for (const child of servers) await stop(child);
  rmSync(root, { recursive: true, force: true });
});

/** The README's shell lines: comments and blank lines dropped. */
function readmeCommands(): string[] {
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error("examples/telco/README.md has no ```sh block");
  return block
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** Splits a command line into words as sh would for these lines: quotes, $VARS. */
function words(line: string, vars: Record<string, string>): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) {
    const single = m[1];
    out.push(
      single ?? (m[2] ?? m[3] ?? "").replace(/\$(\w+)/g, (_, name: string) => vars[name] ?? ""),
    );
  }
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  await exited;
}

interface Ran {
  readonly line: string;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe("examples/telco: the IBM Telco data from file to served model with the CLI alone", () => {
  it("validates, trains, tunes, evaluates with the bias gates, registers, serves and predicts the same numbers", async () => {
    const started = Date.now();
    const port = String(await freePort());
    const vars: Record<string, string> = {};
    const ran: Ran[] = [];
    let served: { predictions: number[] } | undefined;
    for (const line of readmeCommands()) {
      const assignment = /^(\w+)=(\S+)$/.exec(line);
      if (assignment) {
        vars[assignment[1] as string] = assignment[2] as string;
        continue;
      }
      const background = line.endsWith("&");
      const argv = words(background ? line.slice(0, -1) : line, vars).map((w) =>
        w.replace(/^8080$/, port).replace("localhost:8080", `127.0.0.1:${port}`),
      );
      if (argv[0] === "curl") {
        // curl -s URL -H 'content-type: …' -d @FILE
        const url = argv.find((a) => a.includes(`:${port}/`)) ?? "";
        const header = argv[argv.indexOf("-H") + 1] ?? "";
        const body = readFileSync(join(dir, (argv[argv.indexOf("-d") + 1] ?? "").slice(1)));
        const [name, value] = header.split(/:\s*/, 2) as [string, string];
        const response = await fetch(`http://${url}`, {
          method: "POST",
          headers: { [name]: value },
          body,
        });
        expect(response.status, line).toBe(200);
        served = (await response.json()) as { predictions: number[] };
        continue;
      }
      expect(argv.slice(0, 2), `a keel command: ${line}`).toEqual(["npx", "keel"]);
      const args = argv.slice(2);
      if (background) {
        const child = spawn(process.execPath, [bin, ...args], {
          cwd: dir,
          stdio: ["ignore", "ignore", "pipe"],
        });
        servers.push(child);
        await new Promise<void>((resolve, reject) => {
          let err = "";
          child.stderr?.on("data", (d: Buffer) => {
            err += d.toString();
            if (err.includes("listening on")) resolve();
          });
          child.once("exit", (code) => reject(new Error(`${line} exited with ${code}: ${err}`)));
        });
        continue;
      }
      const result = spawnSync(process.execPath, [bin, ...args], {
        cwd: dir,
        encoding: "utf8",
        timeout: 300_000,
      });
      ran.push({ line, status: result.status, stdout: result.stdout, stderr: result.stderr });
      expect(result.stderr, line).not.toMatch(/KEEL_ERR|Error:|at .*\.js:\d+/);
    }
    const step = (command: string): Ran => {
      const found = ran.find((r) => r.line.includes(command));
      if (found === undefined) throw new Error(`the README runs no '${command}'`);
      return found;
    };

    // 1. The data checks pass.
    const validate = step("keel data validate");
    expect(validate.status).toBe(0);
    expect(validate.stdout).toMatch(/pass/);
    expect(validate.stdout).not.toMatch(/\bfail\b/i);

    // 2-3. A tracked baseline and a tuned bundle whose CV AUC is the Telco data's usual ~0.84.
    expect(step("keel train").status).toBe(0);
    expect(step("keel train").stdout).toMatch(/run [0-9a-f]{32} in experiment 'telco'/);
    const tune = step("keel tune");
    expect(tune.status).toBe(0);
    const best = /Best rocAuc ([\d.]+) \(trial \d+ of (\d+)/.exec(tune.stdout);
    expect(Number(best?.[1])).toBeGreaterThan(0.8);
    const trials = /--trials (\d+)/.exec(tune.line)?.[1];
    expect(best?.[2]).toBe(trials);
    for (const bundle of ["baseline", "tuned"])
      expect(existsSync(join(dir, "models", bundle, "keel-model.json"))).toBe(true);

    // 4. Every gate of policy.json judged, the bias checks on senior_citizen and female among
    //    them, and passed, as the README reports (step 5's alias reason says so).
    const evaluation = step("keel eval");
    const gates = new Map<string, { value: number; result: string }>();
    for (const m of evaluation.stdout.matchAll(/^(\S+.*?)\s{2,}([-\d.e]+)\s+(PASS|FAIL)\b/gm))
      gates.set((m[1] as string).trim(), { value: Number(m[2]), result: m[3] as string });
    for (const gate of [
      "rocAuc ≥ 0.8",
      "precisionAtRecall@0.8 ≥ 0.45",
      "equalOpportunityDifference[senior_citizen] ≤ 0.15",
      "equalOpportunityDifference[female] ≤ 0.1",
      "disparateImpactRatio[female] ≥ 0.8",
      "rocAuc improvement over champion: relative ≥ 0.01",
    ])
      expect(Number.isFinite(gates.get(gate)?.value), `gate ${gate} judged`).toBe(true);
    expect(gates.size).toBe(6);
    expect([...gates].filter(([, g]) => g.result !== "PASS")).toEqual([]);
    expect(evaluation.status).toBe(0);
    expect(evaluation.stdout).toContain("All gates passed.");
    expect(existsSync(join(dir, "out", "report.html"))).toBe(true);

    // 5. Version 1 of 'telco' is the champion.
    expect(step("keel models register").stdout).toContain("registered telco version 1");
    expect(step("keel models alias").stdout).toContain("telco@champion → version 1");

    // 6-7. The served model answers P(churn = Yes) for the request's two customers, the very
    //      numbers keel predict writes for the file's first two rows.
    expect(step("keel predict").status).toBe(0);
    const scores = readFileSync(join(dir, "out", "scores.csv"), "utf8")
      .trim()
      .split("\n");
    expect(scores[0]).toBe("prediction");
    expect(scores).toHaveLength(7044);
    expect(served?.predictions).toHaveLength(2);
    expect(served?.predictions).toEqual([Number(scores[1]), Number(scores[2])]);
    for (const p of served?.predictions ?? []) expect(p > 0 && p < 1).toBe(true);

    console.log(`telco walkthrough: ${((Date.now() - started) / 1000).toFixed(0)} s wall`);
  }, 600_000);
});
