/**
 * Interop with other systems: import XGBoost JSON models.
 *
 * @module
 */
export { importXgboostJson, keelThreshold } from "./xgboost-json.js";
