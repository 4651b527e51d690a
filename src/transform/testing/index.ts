/**
 * Test helpers of the transform module (not part of the built package).
 *
 * @module
 */

export {
  type FixtureCase,
  type FixtureColumn,
  type FixtureFrame,
  type Fixtures,
  fixtureColumn,
  fixtureFrame,
  loadFixtures,
} from "./fixtures.js";
export { readTelco, sampleRows, TELCO_PATH } from "./telco.js";
