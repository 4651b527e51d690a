import { existsSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync } from "fastify";
import { KeelError } from "../../core/index.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * A file of the dashboard's bundle (HTML, JS, CSS): no token needed, since the bundle is the
     * same code that ships in the npm package and holds no data; the Host check still applies,
     * and every API call the dashboard then makes needs a token as usual.
     */
    uiAsset?: boolean;
  }
}

/**
 * Where the built dashboard lives: `dist/ui` of the package, found from this file whether it
 * runs compiled (`dist/server/ui/`) or from the sources (`src/server/ui/`, in tests).
 *
 * @example
 * ```ts
 * defaultUiDir(); // "/…/keel/dist/ui"
 * ```
 */
export function defaultUiDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const top = resolve(here, "..", "..");
  return basename(top) === "dist" ? join(top, "ui") : join(top, "..", "dist", "ui");
}

// The bundle loads scripts and styles only from the server itself; uPlot and Preact set
// inline style attributes, which `style-src 'unsafe-inline'` allows. HTML artifacts are shown
// in a sandboxed frame without scripts (see ui/src/pages/artifact-view.tsx).
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; frame-src 'self' blob: data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Serves the built dashboard at `/` (index.html) and `/assets/*` (hashed bundles, cached for a
 * year). The pages are hash-routed (`/#/runs/…`), so no catch-all route is needed. When the UI
 * was never built, `/` answers 404 saying how to build it.
 *
 * @example
 * ```ts
 * await app.register(uiRoutes, { uiDir: defaultUiDir() });
 * ```
 */
export const uiRoutes: FastifyPluginAsync<{ uiDir: string }> = async (app, { uiDir }) => {
  const built = existsSync(join(uiDir, "index.html"));
  // Caching is set per route below (hashed assets forever, index.html revalidated).
  await app.register(fastifyStatic, { root: uiDir, serve: false, cacheControl: false });
  const config = { uiAsset: true };
  app.get("/", { config }, async (_request, reply) => {
    if (!built)
      throw new KeelError(
        "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
        `the dashboard is not built (no ${join(uiDir, "index.html")}); run: npm run build:ui`,
        { details: { uiDir } },
      );
    return reply
      .header("content-security-policy", CSP)
      .header("x-content-type-options", "nosniff")
      .header("cache-control", "no-cache")
      .sendFile("index.html");
  });
  app.get("/assets/*", { config }, async (request, reply) => {
    const file = (request.params as { "*": string })["*"];
    return reply
      .header("x-content-type-options", "nosniff")
      .header("cache-control", "public, max-age=31536000, immutable")
      .sendFile(join("assets", file));
  });
};
