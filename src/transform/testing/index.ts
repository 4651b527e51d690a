/**
 * Test helpers of the transform module (not part of the built package).
 *
 * @module
 */
export { readTelco, sampleRows, TELCO_PATH } from "./telco.js";
