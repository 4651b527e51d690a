import type { CliIo } from "../run.js";

/** A {@link CliIo} that records what a command prints, for tests. */
export type CapturedIo = CliIo & { stdout: () => string; stderr: () => string };

/**
 * An io for `runCli` that collects standard output and error in memory, non-interactive, with
 * an empty environment.
 *
 * @example
 * ```ts
 * const io = captureIo();
 * expect(await runCli(["--version"], io)).toBe(0);
 * io.stdout(); // "0.1.0\n"
 * ```
 */
export function captureIo(cwd = process.cwd(), env: CliIo["env"] = {}): CapturedIo {
  let out = "";
  let err = "";
  return {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    interactive: false,
    cwd,
    env,
    stdout: () => out,
    stderr: () => err,
  };
}
