/**
 * What `import … from "keel"` gives a `keel.config.ts` while the config loader runs it: the
 * definition functions and sources, and a runtime `defineConfig` (an identity function, like
 * config's typed one). Configs are declarative, so the loader compiles these three small files
 * instead of the whole SDK; editors still type-check against the full package.
 *
 * @example
 * ```ts
 * import { defineConfig, defineEntity } from "keel"; // in keel.config.ts, resolved here
 * export default defineConfig({ entities: [defineEntity({ name: "customer", joinKeys: ["customer_id"] })] });
 * ```
 *
 * @module
 */
export * from "./definitions.js";
export * from "./sources.js";

/**
 * The identity function a config's default export goes through (see config's `defineConfig`).
 *
 * @example
 * ```ts
 * export default defineConfig({ entities: [], featureViews: [] });
 * ```
 */
export function defineConfig<C>(config: C): C {
  return config;
}
