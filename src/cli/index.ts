/**
 * The `keel` command line: thin commands over the library APIs.
 *
 * @module
 */
export {
  type Command,
  type CommandContext,
  defineCommand,
  type OptionSpec,
  read,
} from "./command.js";
export { formatError, formatTable } from "./format.js";
export { createProgressBar } from "./progress-bar.js";
export { type CliIo, keelVersion, runCli } from "./run.js";
