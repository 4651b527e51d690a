/**
 * Test kit of the serve module: a project with registered Telco churn models to serve.
 *
 * @module
 */

export { BLOCKING_SHADOW, BLOCKING_SHADOW_WORKER } from "./blocking-shadow.js";
export { type ServingFixture, servingFixture, TELCO_CSV } from "./serving-fixture.js";
export { logEntry } from "./serving-store-suite.js";
