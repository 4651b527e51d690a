/**
 * Test kit of the features module: the online-store conformance suite.
 *
 * @module
 */
export { onlineStoreSuite } from "./online-store-suite.js";
