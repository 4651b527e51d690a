import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join, relative, resolve } from "node:path";
import { KeelError } from "../../core/index.js";
import { defineCommand, read } from "../command.js";
import { runChurnStory } from "../demo/churn-story.js";
import { prepareDemoHome } from "../demo/demo-home.js";
import { demoSettings } from "../demo/demo-settings.js";
import { createProgressBar } from "../progress-bar.js";
import { serverCommand } from "./server.js";

/**
 * `keel demo`: the churn story end to end on simulated weeks (what `npm start` runs), then the
 * dashboard. `--fast` is the short story tests run; `--no-serve` exits when the story ends.
 *
 * @example
 * ```sh
 * keel demo            # ./keel-demo, 14 simulated weeks, then keel server on port 5000
 * keel demo --fast --no-serve
 * ```
 */
export const demoCommand = defineCommand({
  path: ["demo"],
  summary:
    "Run the churn story end to end on a simulated subscription business, then serve the dashboard",
  usage: "[--fast] [--no-serve] [--home DIR] [--port PORT]",
  positionals: [0, 0],
  description:
    "Simulates weeks of a subscription business into a fresh demo home (./keel-demo), registers its features, and replays the weeks on a simulated clock: daily feature refreshes, weekly retraining with TPE and cross-validation, a promotion policy, a champion/challenger deployment scored every day with labels fed back later, drift monitoring whose alerts start a retraining. Prints a timeline, then starts keel server in the home (unless --no-serve). Running it again replaces the home.",
  options: {
    fast: {
      type: "boolean",
      description:
        "a shorter story (smaller business, 6 trials a training) for tests and a first look",
    },
    "no-serve": {
      type: "boolean",
      description: "exit when the story is done instead of starting keel server",
    },
    home: { type: "string", valueName: "DIR", description: "the demo home (default ./keel-demo)" },
    port: { type: "string", valueName: "PORT", description: "keel server's port (default 5000)" },
  },
  examples: ["keel demo", "keel demo --fast --no-serve", "npm start"],
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
    const shown = relative(ctx.cwd, home) || ".";
    const timeline: string[] = [];
    const say = (line: string) => {
      timeline.push(line);
      if (!ctx.json) ctx.out(`${line}\n`);
    };
    say(
      `keel demo: the churn story in ${shown.startsWith("..") ? home : `./${shown}`} (${settings.weeks} simulated weeks, ${settings.customers} customers, ${settings.trials} TPE trials a training; Ctrl-C stops)`,
    );
    await prepareDemoHome(home);
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
    await writeFile(join(home, "timeline.txt"), `${timeline.join("\n")}\n`);
    if (ctx.json) ctx.out(`${JSON.stringify({ home, ...summary })}\n`);
    if (!summary.completed) {
      ctx.err(
        `stopped; what ran so far is in ${home} (cd there and run keel server); keel demo starts fresh\n`,
      );
      return 130;
    }
    if (!serve) {
      say(`everything is in ${home}: cd there and run keel server to browse it`);
      return 0;
    }
    say(`dashboard: http://127.0.0.1:${port}/  (keel server in ${home}; Ctrl-C stops it)`);
    return serverCommand.run({ ...ctx, cwd: home, positionals: [], options: { port } });
  },
});

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
