import type { Command } from "../command.js";

/**
 * Every command of the `keel` CLI. Add a command by writing `commands/<name>.ts` and listing it
 * here; help output follows this order.
 */
export const commands: readonly Command[] = [];
