export { dropPgSchemas } from "./drop-pg-schemas.js";
export { createPgDatabase, dropPgDatabase } from "./pg-databases.js";
