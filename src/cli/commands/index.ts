import type { Command } from "../command.js";
import { dataProfileCommand } from "./data-profile.js";
import { dataValidateCommand } from "./data-validate.js";
import { predictCommand } from "./predict.js";
import { trainCommand } from "./train.js";

/**
 * Every command of the `keel` CLI. Add a command by writing `commands/<name>.ts` and listing it
 * here; help output follows this order.
 */
export const commands: readonly Command[] = [
  dataProfileCommand,
  dataValidateCommand,
  trainCommand,
  predictCommand,
];
