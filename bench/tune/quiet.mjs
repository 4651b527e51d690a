// The shared machine's QUIET rule for long benchmark runs: while the file /work/wt/QUIET (or
// $KEEL_QUIET_FILE) exists, heavy work pauses. `waitWhileQuiet()` holds this process between
// units of work; `pauseChildrenWhileQuiet(children)` stops child processes (SIGSTOP) while the
// file exists and resumes them (SIGCONT) when it is gone. Quality benchmarks only: a paused run
// gives the same results, its wall time means nothing.
import { existsSync } from "node:fs";

const QUIET_FILE = process.env.KEEL_QUIET_FILE ?? "/work/wt/QUIET";
const POLL_MS = 5_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once the QUIET file is absent (at once when it is). */
export async function waitWhileQuiet() {
  let said = false;
  while (existsSync(QUIET_FILE)) {
    if (!said) console.error(`${QUIET_FILE} exists: paused`);
    said = true;
    await sleep(POLL_MS);
  }
  if (said) console.error("QUIET gone: resuming");
}

/** Polls the QUIET file and stops / continues every child in the set; returns a stop function. */
export function pauseChildrenWhileQuiet(children) {
  let stopped = false;
  const timer = setInterval(() => {
    const quiet = existsSync(QUIET_FILE);
    // Stopping again is harmless and catches children started while the file existed.
    if (quiet) for (const child of children) child.kill("SIGSTOP");
    else if (stopped) for (const child of children) child.kill("SIGCONT");
    stopped = quiet;
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
