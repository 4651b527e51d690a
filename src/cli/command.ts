import { KeelError } from "../core/index.js";

/** One option of a command, as `node:util` `parseArgs` takes it plus help text. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly description: string;
  readonly short?: string;
  /** May be given several times (`--param a=1 --param b=2`). */
  readonly multiple?: boolean;
  readonly default?: string | boolean;
  /** Shown in help as the value's placeholder: `--data FILE`. */
  readonly valueName?: string;
}

/** Parsed option values: strings, booleans or lists of strings for `multiple` options. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** What a command's `run` receives. */
export interface CommandContext {
  /** The command as typed, for messages: "keel predict". */
  readonly command: string;
  readonly positionals: readonly string[];
  readonly options: OptionValues;
  /** Writes to standard output. */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** True when `--json` was given: print one JSON document on stdout and nothing else there. */
  readonly json: boolean;
  /** True when standard error is a terminal (progress bars are drawn only then). */
  readonly interactive: boolean;
  readonly cwd: string;
}

/**
 * A CLI command: its path (`["data", "profile"]`), help text, options and handler. The
 * handler returns the exit code: 0 success, 1 a check, gate or drift test failed. Usage and
 * input errors are thrown as KeelErrors and become exit code 2.
 */
export interface Command {
  readonly path: readonly string[];
  readonly summary: string;
  /** The argument synopsis shown after the command path: `FILE [--json]`. */
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** How many positionals the command takes: [min, max]. */
  readonly positionals: readonly [number, number];
  /** Longer help shown under the usage line. */
  readonly description?: string;
  readonly examples?: readonly string[];
  run(context: CommandContext): Promise<number>;
}

/**
 * Declares a command. The `--json` and `--help` options are added to every command.
 *
 * @example
 * ```ts
 * export const profileCommand = defineCommand({
 *   path: ["data", "profile"],
 *   summary: "Profile a data file",
 *   usage: "FILE [--json]",
 *   positionals: [1, 1],
 *   options: {},
 *   async run(ctx) { ctx.out("..."); return 0; },
 * });
 * ```
 */
export function defineCommand(command: Command): Command {
  return command;
}

/** Helpers for commands to read option values with the right type. */
export const read = {
  /**
   * A string option or `undefined`.
   *
   * @example
   * ```ts
   * const out = read.string(ctx.options, "out");
   * ```
   */
  string(options: OptionValues, name: string): string | undefined {
    const v = options[name];
    return typeof v === "string" ? v : undefined;
  },
  /**
   * A boolean flag.
   *
   * @example
   * ```ts
   * if (read.flag(ctx.options, "force")) overwrite();
   * ```
   */
  flag(options: OptionValues, name: string): boolean {
    return options[name] === true;
  },
  /**
   * A repeatable string option as a list.
   *
   * @example
   * ```ts
   * const params = read.list(ctx.options, "param"); // ["a=1", "b=2"]
   * ```
   */
  list(options: OptionValues, name: string): string[] {
    const v = options[name];
    return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
  },
};

/**
 * The value of a string option the command cannot run without, or a usage error naming it.
 *
 * @example
 * ```ts
 * const data = requireOption(ctx, "data"); // throws "keel train needs --data." when absent
 * ```
 */
export function requireOption(ctx: CommandContext, name: string): string {
  const value = read.string(ctx.options, name);
  if (value === undefined || value === "") {
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `${ctx.command} needs --${name}. See '${ctx.command} --help'.`,
      {
        details: { option: name },
      },
    );
  }
  return value;
}

/** An error the CLI shows as is (re-exported for command files). */
export type { KeelError };
