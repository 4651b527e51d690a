/**
 * The store's test kit (excluded from the build): PostgreSQL administration for tests that
 * work in their own schemas of a shared test database.
 *
 * @example
 * ```ts
 * import { pgAdmin } from "../store/testing/index.js";
 * ```
 *
 * @module
 */
export * from "./pg-admin.js";
