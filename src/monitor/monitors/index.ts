/**
 * Monitors: declared checks over a deployment's prediction log, run on demand or on a schedule.
 *
 * @module
 */
export * from "./monitor-definition.js";
export * from "./run-monitor.js";
