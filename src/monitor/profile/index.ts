/**
 * Reference profiles: mergeable summaries of reference data for drift monitoring.
 *
 * @module
 */
export * from "./profile-state.js";
export * from "./reference-profile.js";
