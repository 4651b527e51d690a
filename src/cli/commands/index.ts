import type { Command } from "../command.js";
import { dataProfileCommand } from "./data-profile.js";
import { dataValidateCommand } from "./data-validate.js";
import { evalCommand } from "./eval.js";
import { gcCommand } from "./gc.js";
import {
  modelsAliasCommand,
  modelsListCommand,
  modelsRegisterCommand,
  modelsRollbackCommand,
  modelsShowCommand,
} from "./models.js";
import { predictCommand } from "./predict.js";
import { runsCompareCommand, runsListCommand, runsShowCommand } from "./runs.js";
import { serverCommand } from "./server.js";
import { trainCommand } from "./train.js";
import { tuneCommand } from "./tune.js";

/**
 * Every command of the `keel` CLI. Add a command by writing `commands/<name>.ts` and listing it
 * here; help output follows this order.
 */
export const commands: readonly Command[] = [
  dataProfileCommand,
  dataValidateCommand,
  trainCommand,
  predictCommand,
  evalCommand,
  tuneCommand,
  runsListCommand,
  runsShowCommand,
  runsCompareCommand,
  modelsListCommand,
  modelsShowCommand,
  modelsRegisterCommand,
  modelsAliasCommand,
  modelsRollbackCommand,
  gcCommand,
  serverCommand,
];
