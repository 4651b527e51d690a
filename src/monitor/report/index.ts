/**
 * Drift reports: per-column tests, data quality, prediction shift; JSON and HTML.
 *
 * @module
 */
export * from "./column-sides.js";
export { chooseTest, runTest } from "./column-test.js";
export * from "./data-quality.js";
export { DEFAULT_MIN_ROWS, driftReport, driftSummary } from "./drift-report.js";
export * from "./drift-types.js";
export { infiniteAsMissing } from "./infinite-as-missing.js";
export { overlayChart, renderDriftHtml } from "./render-drift-html.js";
