import { appendFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join, relative, resolve } from "node:path";
import { KeelError } from "../../core/index.js";
import { defineCommand, read } from "../command.js";
import { runChurnStory } from "../demo/churn-story.js";
import { type DemoCheckpoint, readCheckpoint } from "../demo/demo-checkpoint.js";
import { inspectDemoHome, prepareDemoHome } from "../demo/demo-home.js";
import { type DemoSettings, demoSettings } from "../demo/demo-settings.js";
import { createProgressBar } from "../progress-bar.js";
import { serverCommand } from "./server.js";

/**
 * `keel demo`: the churn story end to end on simulated weeks (what `npm start` runs), then the
 * dashboard. `--fast` is the short story tests run; `--no-serve` exits when the story ends.
 *
 * @example
 * ```sh
 * keel demo            # ./keel-demo, 20 simulated weeks, then keel server on port 5000
 * keel demo --fast --no-serve
 * keel demo --resume   # after Ctrl-C: on from the last finished simulated day
 * ```
 */
export const demoCommand = defineCommand({
  path: ["demo"],
  summary:
    "Run the churn story end to end on a simulated subscription business, then serve the dashboard",
  usage: "[--fast] [--fresh | --resume] [--no-serve] [--home DIR] [--port PORT]",
  positionals: [0, 0],
  description:
    "Simulates weeks of a subscription business into a fresh demo home (./keel-demo), registers its features, and replays the weeks on a simulated clock: daily feature refreshes, weekly retraining with TPE and cross-validation, a promotion policy, a champion/challenger deployment scored every day with labels fed back later, drift monitoring whose alerts start a retraining. Prints a timeline, then starts keel server in the home (unless --no-serve). Ctrl-C stops after the step in progress; when the home holds an earlier story, keel demo asks for --resume (continue from the last finished simulated day) or --fresh (delete it and start over) and never deletes it on its own.",
  options: {
    fast: {
      type: "boolean",
      description:
        "a shorter story (smaller business, 6 trials a training) for tests and a first look",
    },
    fresh: {
      type: "boolean",
      description: "delete the earlier story in the demo home and start over",
    },
    resume: {
      type: "boolean",
      description:
        "continue the earlier story in the demo home from its last finished simulated day (with the same --fast)",
    },
    "no-serve": {
      type: "boolean",
      description: "exit when the story is done instead of starting keel server",
    },
    home: { type: "string", valueName: "DIR", description: "the demo home (default ./keel-demo)" },
    port: { type: "string", valueName: "PORT", description: "keel server's port (default 5000)" },
  },
  examples: [
    "keel demo",
    "keel demo --fast --no-serve",
    "keel demo --resume",
    "npm start",
    "npm start -- --fresh",
  ],
  async run(ctx) {
    const home = resolve(ctx.cwd, read.string(ctx.options, "home") ?? "keel-demo");
    const port = read.string(ctx.options, "port") ?? "5000";
    if (!/^\d+$/.test(port) || Number(port) > 65535)
      throw new KeelError("KEEL_ERR_USAGE", `--port must be 0-65535, got '${port}'`, {
        details: { option: "port", received: port },
      });
    const serve = !read.flag(ctx.options, "no-serve");
    // Find out now, not after minutes of story, that the dashboard could not start.
    if (serve) await checkPortFree(Number(port));
    const settings = demoSettings(read.flag(ctx.options, "fast"));
    const relativeHome = relative(ctx.cwd, home) || ".";
    const shown = relativeHome.startsWith("..") ? home : `./${relativeHome}`;
    const checkpoint = await earlierStory(home, shown, settings, {
      fresh: read.flag(ctx.options, "fresh"),
      resume: read.flag(ctx.options, "resume"),
    });
    const timeline: string[] = [];
    const say = (line: string) => {
      timeline.push(line);
      if (!ctx.json) ctx.out(`${line}\n`);
    };
    if (checkpoint?.completed === true) {
      say(`keel demo: the story in ${shown} is complete; nothing to resume`);
      return serve ? serveHome(ctx, say, home, port) : 0;
    }
    say(
      `keel demo: the churn story in ${shown} (${settings.weeks} simulated weeks, ${settings.customers} customers, ${settings.trials} TPE trials a training; Ctrl-C stops, keel demo --resume continues)`,
    );
    if (checkpoint === undefined) await prepareDemoHome(home);
    const controller = new AbortController();
    const stop = () => {
      if (!ctx.json)
        ctx.err("\nstopping after the step in progress (Ctrl-C again to quit at once)\n");
      controller.abort(new Error("interrupted by Ctrl-C"));
      process.once("SIGINT", () => process.exit(130));
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    let summary: Awaited<ReturnType<typeof runChurnStory>>;
    try {
      summary = await runChurnStory({
        home,
        settings,
        signal: controller.signal,
        ...(checkpoint ? { resume: checkpoint } : {}),
        say,
        progress: createProgressBar({
          write: (t) => ctx.err(t),
          interactive: ctx.interactive && !ctx.json,
        }),
      });
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
    await writeFile(join(home, "demo-summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
    // A resumed story's timeline goes on where the stopped one ended.
    await (checkpoint ? appendFile : writeFile)(
      join(home, "timeline.txt"),
      `${timeline.join("\n")}\n`,
    );
    if (ctx.json) ctx.out(`${JSON.stringify({ home, ...summary })}\n`);
    if (!summary.completed) {
      ctx.err(
        `stopped; what ran so far is in ${home} (cd there and run keel server --no-scheduler to browse it); keel demo${settings.trials === demoSettings(true).trials ? " --fast" : ""} --resume continues from the last finished simulated day, --fresh starts over\n`,
      );
      return 130;
    }
    if (!serve) {
      say(`everything is in ${home}: cd there and run keel server --no-scheduler to browse it`);
      return 0;
    }
    return serveHome(ctx, say, home, port);
  },
});

/** Starts keel server in the demo home, after printing the dashboard's address. */
function serveHome(
  ctx: Parameters<typeof serverCommand.run>[0],
  say: (line: string) => void,
  home: string,
  port: string,
): Promise<number> {
  say(
    `dashboard: http://127.0.0.1:${port}/  (keel server --no-scheduler in ${home}; Ctrl-C stops it)`,
  );
  // The home's schedules ran on the simulated clock; at today's date the warehouse has no data.
  return serverCommand.run({
    ...ctx,
    cwd: home,
    positionals: [],
    options: { port, "no-scheduler": true },
  });
}

/**
 * Decides what to do with an earlier story in the home: nothing there (or `--fresh`) starts a
 * new one; `--resume` continues it from its checkpoint (the same `--fast` as before); without
 * either flag an earlier story is an error that says which flag to pass, so keel demo never
 * deletes a story on its own.
 */
async function earlierStory(
  home: string,
  shown: string,
  settings: DemoSettings,
  flags: { readonly fresh: boolean; readonly resume: boolean },
): Promise<DemoCheckpoint | undefined> {
  const usage = (message: string) =>
    new KeelError("KEEL_ERR_USAGE", message, { details: { home, ...flags } });
  if (flags.fresh && flags.resume)
    throw usage("--fresh starts over and --resume continues: pass one of them");
  const found = await inspectDemoHome(home);
  if (flags.fresh || found === "foreign") return undefined;
  if (found === "none") {
    if (flags.resume)
      throw usage(
        `nothing to resume: ${shown} holds no keel demo story; run keel demo without --resume`,
      );
    return undefined;
  }
  const checkpoint = await readCheckpoint(home);
  const fast = (s: DemoSettings) =>
    JSON.stringify(s) === JSON.stringify(demoSettings(true)) ? " --fast" : "";
  if (!flags.resume) {
    const state =
      checkpoint === undefined
        ? "stopped before its first simulated day"
        : checkpoint.completed
          ? "complete"
          : `stopped after ${checkpoint.nextDay - checkpoint.settings.replayFromWeek * 7} of ${(checkpoint.settings.weeks - checkpoint.settings.replayFromWeek) * 7} simulated days`;
    throw usage(
      `${shown} holds an earlier keel demo story (${state}); keel demo does not delete it on its own: run keel demo${checkpoint ? fast(checkpoint.settings) : ""} --resume to ${checkpoint?.completed ? "serve it again" : "continue from its last finished simulated day"}, or keel demo --fresh to delete it and start over (npm start -- --resume, npm start -- --fresh)`,
    );
  }
  if (checkpoint === undefined)
    throw usage(
      `the story in ${shown} stopped before its first simulated day: nothing to resume; run keel demo --fresh`,
    );
  if (JSON.stringify(checkpoint.settings) !== JSON.stringify(settings))
    throw usage(
      `the story in ${shown} was started${fast(checkpoint.settings) ? " with" : " without"} --fast: resume it the same way (keel demo${fast(checkpoint.settings)} --resume), or pass --fresh to start over`,
    );
  return checkpoint;
}

/** Throws a usage error when something already listens on the port (127.0.0.1). */
async function checkPortFree(port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", () =>
      reject(
        new KeelError(
          "KEEL_ERR_USAGE",
          `port ${port} is in use, so keel server could not start after the story; pass --port N or --no-serve`,
          { details: { option: "port", port } },
        ),
      ),
    );
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolvePort()));
  });
}
