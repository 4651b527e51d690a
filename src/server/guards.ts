import type { FastifyInstance, FastifyRequest } from "fastify";
import { KeelError } from "../core/index.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * A write route that takes a raw (non-JSON) body or none, such as an artifact upload or
     * delete (PUT and DELETE, which browsers always preflight cross-origin): exempt from the
     * JSON content-type rule (it still gets the Host and Origin checks and needs a write token);
     * it must check what it receives itself.
     */
    rawBody?: boolean;
  }
}

/** Host names a loopback-bound server is reached by. */
const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]", "::1"];

/**
 * The Host allow-list of a server bound to `bindHost`: the loopback names, the bound address
 * itself when it is a specific one, and `extra` (`--allowed-hosts`; `*.example.com` matches
 * subdomains, a lone `*` allows any Host).
 *
 * @example
 * ```ts
 * allowedHostsFor("10.0.0.5", ["ml.example.com"]); // ["localhost", "127.0.0.1", "[::1]", "::1", "10.0.0.5", "ml.example.com"]
 * ```
 */
export function allowedHostsFor(
  bindHost: string | undefined,
  extra: readonly string[] = [],
): string[] {
  const hosts = [...LOOPBACK_HOSTS];
  const bound = bindHost?.toLowerCase();
  if (bound !== undefined && bound !== "0.0.0.0" && bound !== "::" && bound !== "")
    hosts.push(bound.includes(":") && !bound.startsWith("[") ? `[${bound}]` : bound);
  for (const h of extra) if (h.trim() !== "") hosts.push(h.trim().toLowerCase());
  return [...new Set(hosts)];
}

/**
 * The host name of a Host header value, without the port (`[::1]:5000` → `[::1]`).
 *
 * @example
 * ```ts
 * hostName("127.0.0.1:5000"); // "127.0.0.1"
 * ```
 */
export function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith("[")) return value.slice(0, value.indexOf("]") + 1);
  const colon = value.lastIndexOf(":");
  return colon < 0 ? value : value.slice(0, colon);
}

function hostAllowed(name: string, allowed: readonly string[]): boolean {
  return allowed.some(
    (pattern) =>
      pattern === "*" ||
      pattern === name ||
      (pattern.startsWith("*.") &&
        name.endsWith(pattern.slice(1)) &&
        name.length > pattern.length - 1),
  );
}

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function isJson(request: FastifyRequest): boolean {
  const type = request.headers["content-type"];
  return typeof type === "string" && /^application\/json\s*(;|$)/i.test(type.trim());
}

/**
 * Installs the checks that keep a browser from being turned against the server, for every
 * route (later ones included) but `/health`: the `Host` header must be in `allowedHosts` (DNS
 * rebinding); a write (POST, PUT, PATCH, DELETE) carrying an `Origin` must come from the
 * server's own origin; and a write must carry an `application/json` body (what an HTML form or
 * a CORS "simple request" cannot send), unless its route is marked `rawBody`. No CORS headers
 * are ever sent, so browsers keep cross-origin pages from reading answers.
 *
 * @example
 * ```ts
 * installRequestGuards(app, allowedHostsFor("127.0.0.1"));
 * ```
 */
export function installRequestGuards(app: FastifyInstance, allowedHosts: readonly string[]): void {
  app.addHook("onRequest", async (request) => {
    if (request.routeOptions.config.public === true) return;
    const host = request.headers.host;
    if (typeof host !== "string" || !hostAllowed(hostName(host), allowedHosts))
      throw new KeelError(
        "KEEL_ERR_HOST_NOT_ALLOWED",
        `the Host header ${JSON.stringify(host ?? "")} is not allowed (possible DNS rebinding); allowed: ${allowedHosts.join(", ")} (keel server --allowed-hosts adds more)`,
        { details: { host: host ?? null, allowedHosts } },
      );
    if (!WRITE_METHODS.has(request.method)) return;
    const origin = request.headers.origin;
    if (typeof origin === "string" && origin !== "null") {
      let originHost: string;
      try {
        originHost = new URL(origin).host.toLowerCase();
      } catch {
        originHost = "";
      }
      if (originHost !== host.toLowerCase())
        throw new KeelError(
          "KEEL_ERR_PERMISSION_DENIED",
          `cross-origin write refused: Origin ${origin} is not this server (${host})`,
          { details: { origin, host } },
        );
    } else if (origin === "null")
      throw new KeelError("KEEL_ERR_PERMISSION_DENIED", "cross-origin write refused: Origin null", {
        details: { origin },
      });
    if (request.routeOptions.config.rawBody === true || isJson(request)) return;
    throw new KeelError(
      "KEEL_ERR_UNSUPPORTED_MEDIA_TYPE",
      `${request.method} ${request.url.split("?")[0]} needs a JSON body sent as 'Content-Type: application/json', got ${JSON.stringify(request.headers["content-type"] ?? "no content type")}`,
      { details: { contentType: request.headers["content-type"] ?? null } },
    );
  });
}
