import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { modulesReachableFrom, transpileModules } from "../../core/testing/index.js";
import type { OpenTrackingOptions } from "../../track/index.js";

const transpiled = new Set<string>();

/**
 * Starts `keel server`'s app as a real child process on `options`' store (transpiled under
 * `jsDir`, which must sit inside the project so fastify, kysely, pg and better-sqlite3
 * resolve) and resolves with the process and its port once it listens. Test-only.
 *
 * @example
 * ```ts
 * const { child, port } = await startServerProcess(join(process.cwd(), ".tmp", "js"), { root });
 * child.kill("SIGKILL");
 * ```
 */
export function startServerProcess(
  jsDir: string,
  options: OpenTrackingOptions,
): Promise<{ child: ChildProcess; port: number }> {
  mkdirSync(jsDir, { recursive: true });
  // Once per folder and test process: a test that starts several servers transpiles once.
  if (!transpiled.has(jsDir)) {
    transpileModules(jsDir, modulesReachableFrom("server"));
    transpiled.add(jsDir);
  }
  const script = join(jsDir, "serve.mjs");
  writeFileSync(
    script,
    `import { createApp } from "./server/app.js";
import { openTracking } from "./track/index.js";
const tracking = await openTracking(JSON.parse(process.argv[2]));
const app = await createApp({ tracking });
const address = await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write("LISTENING " + new URL(address).port + "\\n");
`,
  );
  const child = spawn(process.execPath, [script, JSON.stringify(options)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const match = /LISTENING (\d+)/.exec(out);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.on("exit", (code) => reject(new Error(`server exited early with ${code}`)));
  });
}
