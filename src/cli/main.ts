#!/usr/bin/env node
import { runCli } from "./run.js";

// The process entry point: everything testable lives in run.ts.
const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
  cwd: process.cwd(),
  env: process.env,
});
process.exitCode = code;
