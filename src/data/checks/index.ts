/**
 * Data-quality checks: their definitions, the parser for checks files and the runner.
 *
 * @module
 */
export * from "./check-types.js";
export { CHECK_NAMES, type CheckIssue, loadChecks, parseChecks } from "./parse-checks.js";
export { parseDuration, SAMPLE_SIZE } from "./row-checks.js";
export { type RunChecksOptions, runChecks } from "./run-checks.js";
