/**
 * keel's storage layer: the metadata database (Kysely over SQLite by default or PostgreSQL),
 * its versioned migrations, and the content-addressed artifact store with garbage collection.
 *
 * @example
 * ```ts
 * import { openDatabase, ArtifactStore } from "keel";
 * const database = await openDatabase({ root: "." });
 * const artifacts = new ArtifactStore(".keel/artifacts");
 * ```
 *
 * @module
 */
export * from "./artifact-store.js";
export * from "./database.js";
export * from "./gc.js";
export * from "./migrations.js";
export * from "./monitoring-store.js";
export * from "./retry.js";
export type * from "./schema.js";
