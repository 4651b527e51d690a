import { parseArgs } from "node:util";
import { closestNames, isKeelError, KeelError } from "../core/index.js";
import { keelVersion } from "../track/index.js";
import type { Command, CommandContext, OptionSpec } from "./command.js";
import { type CommandEntry, commands, groupNotes } from "./commands/index.js";
import { formatError, formatTable } from "./format.js";

// The version lives with the library (bundles record it); the CLI prints it.
export { keelVersion };

/** Where the CLI writes; tests pass their own to capture output. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly interactive: boolean;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: "boolean", description: "Print one JSON document on stdout." },
  help: { type: "boolean", short: "h", description: "Show help for this command." },
};

/**
 * Runs the CLI on `argv` (without `node` and the script) and returns the exit code: 0 success,
 * 1 a check failed, 2 a usage or input error. Errors are printed in one or two lines, never as
 * a stack trace unless `KEEL_DEBUG=1`.
 *
 * @example
 * ```ts
 * const code = await runCli(["data", "profile", "telco.csv", "--json"], io);
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const debug = io.env.KEEL_DEBUG === "1";
  try {
    if (argv[0] === "--version" || argv[0] === "-v") {
      io.out(`${keelVersion()}\n`);
      return 0;
    }
    if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
      io.out(`${await topHelp(argv[0] === "help" ? argv.slice(1) : [])}\n`);
      return 0;
    }
    const words = argv.filter((a) => !a.startsWith("-"));
    const isGroup =
      commands.some((c) => c.path.length > 1 && c.path[0] === words[0]) && words.length === 1;
    if (isGroup && (argv.includes("--help") || argv.includes("-h"))) {
      io.out(`${await topHelp(words)}\n`);
      return 0;
    }
    const { entry, rest } = findCommand(argv);
    return await runCommand(await entry.load(), rest, io);
  } catch (error) {
    io.err(`${formatError(error, debug)}\n`);
    return isKeelError(error)
      ? error.code === "KEEL_ERR_CHECKS_FAILED" || error.code === "KEEL_ERR_GATE_FAILED"
        ? 1
        : 2
      : 2;
  }
}

function findCommand(argv: readonly string[]): { entry: CommandEntry; rest: string[] } {
  const words: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith("-")) break;
    words.push(arg);
  }
  for (let n = words.length; n > 0; n--) {
    const entry = commands.find(
      (c) => c.path.length === n && c.path.every((w, i) => w === words[i]),
    );
    if (entry) return { entry, rest: argv.slice(n) };
  }
  const group = commands.filter((c) => c.path[0] === words[0]);
  if (group.length > 0 && words.length <= 1) {
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `'keel ${words[0]}' needs a subcommand: ${group.map((c) => c.path.slice(1).join(" ")).join(", ")}. See 'keel ${words[0]} --help'.`,
    );
  }
  const known = [...new Set(commands.map((c) => c.path.join(" ")))];
  const attempted = words.slice(0, 2).join(" ");
  // `keel pipeline …` is far from every full path but one letter from the group `pipelines`.
  const groups = [
    ...new Set(commands.filter((c) => c.path.length > 1).map((c) => c.path[0] ?? "")),
  ];
  const suggestions = [...closestNames(attempted, known), ...closestNames(words[0] ?? "", groups)];
  const hint =
    suggestions.length > 0 ? ` Did you mean 'keel ${suggestions[0]}'?` : " See 'keel --help'.";
  throw new KeelError("KEEL_ERR_USAGE", `Unknown command 'keel ${attempted || argv[0]}'.${hint}`, {
    details: { command: attempted, suggestions },
  });
}

async function runCommand(command: Command, args: string[], io: CliIo): Promise<number> {
  const name = `keel ${command.path.join(" ")}`;
  if (
    args.includes("--help") ||
    args.includes("-h") ||
    (command.path.length === 1 && args[0] === "help")
  ) {
    io.out(`${commandHelp(command)}\n`);
    return 0;
  }
  const options = { ...command.options, ...COMMON_OPTIONS };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      options: Object.fromEntries(
        Object.entries(options).map(([key, o]) => [
          key,
          {
            type: o.type,
            ...(o.short ? { short: o.short } : {}),
            ...(o.multiple ? { multiple: true } : {}),
            ...(o.default !== undefined ? { default: o.default } : {}),
          },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message =
      error instanceof Error
        ? error.message.replace(/\. To specify a positional.*$/s, ".")
        : String(error);
    throw new KeelError("KEEL_ERR_USAGE", `${name}: ${message} See '${name} --help'.`);
  }
  const [min, max] = command.positionals;
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `${name} takes ${expected} argument${max === 1 ? "" : "s"} (${command.usage}). Got ${parsed.positionals.length}. See '${name} --help'.`,
    );
  }
  const context: CommandContext = {
    command: name,
    positionals: parsed.positionals,
    options: parsed.values as CommandContext["options"],
    out: io.out,
    err: io.err,
    json: parsed.values.json === true,
    interactive: io.interactive,
    cwd: io.cwd,
  };
  return command.run(context);
}

async function topHelp(prefix: readonly string[]): Promise<string> {
  // Help is the one place that loads every command, for their summaries.
  const shown = await Promise.all(
    commands.filter((c) => prefix.every((w, i) => c.path[i] === w)).map((c) => c.load()),
  );
  const rows = shown.map((c) => [`keel ${c.path.join(" ")}`, c.summary]);
  const note = prefix.length === 1 ? groupNotes[prefix[0] ?? ""] : undefined;
  return [
    `keel ${keelVersion()}: machine learning for TypeScript, from data to deployment`,
    "",
    "Usage: keel <command> [options]",
    "",
    formatTable(["command", "what it does"], rows),
    ...(note === undefined ? [] : ["", note]),
    "",
    "Every command takes --help and --json. Exit codes: 0 ok, 1 a check failed, 2 a usage or input error.",
  ].join("\n");
}

function commandHelp(command: Command): string {
  const options = { ...command.options, ...COMMON_OPTIONS };
  const rows = Object.entries(options).map(([key, o]) => [
    `${o.short ? `-${o.short}, ` : ""}--${key}${o.type === "string" ? ` ${o.valueName ?? "VALUE"}` : ""}`,
    `${o.description}${o.multiple ? " (repeatable)" : ""}${o.default !== undefined ? ` [default: ${o.default}]` : ""}`,
  ]);
  return [
    `Usage: keel ${command.path.join(" ")} ${command.usage}`,
    "",
    command.summary,
    ...(command.description ? ["", command.description] : []),
    "",
    formatTable(["option", "description"], rows),
    ...(command.examples && command.examples.length > 0
      ? ["", "Examples:", ...command.examples.map((e) => `  ${e}`)]
      : []),
  ].join("\n");
}
