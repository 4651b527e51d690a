/**
 * Alerts: sinks (log, file, webhook with retries), cooldown and de-duplication, delivery records.
 *
 * @module
 */
export * from "./alert-types.js";
export * from "./deliver-alert.js";
export * from "./sink-issues.js";
