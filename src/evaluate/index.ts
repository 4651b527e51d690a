/**
 * keel's evaluation: metrics that match scikit-learn, splitters, cross-validation without
 * leakage, bias checks across segments (Fairlearn's definitions), comparison with a champion,
 * validation gates and reports.
 *
 * @module
 */

export * from "./bias/fairness.js";
export * from "./bias/metric-frame.js";
export * from "./compare.js";
export * from "./cross-validate.js";
export * from "./gates/bias-interval.js";
export * from "./gates/check-gates.js";
export * from "./gates/policy.js";
export * from "./judge-model.js";
export * from "./metrics/bootstrap.js";
export * from "./metrics/business.js";
export * from "./metrics/classification.js";
export * from "./metrics/expected-cost.js";
export * from "./metrics/probabilistic.js";
export * from "./metrics/ranking.js";
export * from "./metrics/registry.js";
export * from "./metrics/regression.js";
export * from "./predictions.js";
export * from "./report/build-report.js";
export * from "./report/render-html.js";
export { barChart, escapeHtml, lineChart, svgLabel } from "./report/svg.js";
export * from "./split/k-fold.js";
export type { Fold, SplitInput, Splitter } from "./split/splitter.js";
export * from "./split/time-series-split.js";
export * from "./split/train-test-split.js";
export * from "./training-overlap.js";
export * from "./validate-model.js";
