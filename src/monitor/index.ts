/**
 * Monitoring: drift stat tests (KS, chi-square, z, PSI, Wasserstein, Jensen–Shannon, Hellinger,
 * KL), reference profiles, drift reports, monitors and alerts.
 *
 * @example
 * ```ts
 * import { statTests } from "keel";
 * statTests.ks.compute(reference, current).pValue;
 * ```
 *
 * @module
 */

export * from "./alerts/index.js";
export * from "./monitors/index.js";
export * from "./profile/index.js";
export * from "./report/index.js";
export * from "./stat-tests/index.js";
