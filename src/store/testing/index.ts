export { dropPgSchemas } from "./drop-pg-schemas.js";
