/**
 * Test kit of the serve module: a project with registered Telco churn models to serve.
 *
 * @module
 */
export { type ServingFixture, servingFixture, TELCO_CSV } from "./serving-fixture.js";
export { logEntry } from "./serving-store-suite.js";
