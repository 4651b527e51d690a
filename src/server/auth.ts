import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { KeelError } from "../core/index.js";

/** What a bearer token may do: `read` only, or `write` (which includes read). @example `const s: TokenScope = "write";` */
export type TokenScope = "read" | "write";

/**
 * A configured token, stored as the SHA-256 of the secret (never the secret itself).
 *
 * @example
 * ```ts
 * const t: ApiToken = { name: "ci", scope: "write", sha256: hashToken("s3cret") };
 * ```
 */
export interface ApiToken {
  readonly name: string;
  readonly scope: TokenScope;
  readonly sha256: string;
}

/**
 * SHA-256 hex of a token secret.
 *
 * @example
 * ```ts
 * hashToken("s3cret"); // "…64 hex…"
 * ```
 */
export function hashToken(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/**
 * Loads the project's tokens from `<root>/.keel/tokens.json` (`[{ name, scope, sha256 }]`);
 * no file means no tokens (an open server, bound to 127.0.0.1 by default).
 *
 * @example
 * ```ts
 * const tokens = loadTokens(process.cwd());
 * ```
 */
export function loadTokens(root: string): ApiToken[] {
  const file = join(root, ".keel", "tokens.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new KeelError(
      "KEEL_ERR_FILE_UNREADABLE",
      `cannot read ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new KeelError("KEEL_ERR_PARSE", `${file}: not valid JSON: ${(error as Error).message}`, {
      cause: error,
      details: { file },
    });
  }
  if (!Array.isArray(parsed))
    throw new KeelError(
      "KEEL_ERR_PARSE",
      `${file}: expected a JSON array of { name, scope, sha256 }`,
      { details: { file } },
    );
  return parsed.map((entry: unknown, i) => {
    const t = entry as Partial<ApiToken>;
    if (
      typeof t.name !== "string" ||
      (t.scope !== "read" && t.scope !== "write") ||
      typeof t.sha256 !== "string" ||
      !/^[0-9a-f]{64}$/.test(t.sha256)
    )
      throw new KeelError(
        "KEEL_ERR_PARSE",
        `${file}: entry [${i}] must be { name: string, scope: "read"|"write", sha256: 64 hex }`,
        { details: { file, index: i } },
      );
    return { name: t.name, scope: t.scope, sha256: t.sha256 };
  });
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** The scope a route needs; default: `read` for GET/HEAD, `write` otherwise. */
    scope?: TokenScope;
  }
  interface FastifyRequest {
    /** The authenticated token's name, when a token was presented. */
    tokenName?: string;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match)
    throw new KeelError(
      "KEEL_ERR_UNAUTHENTICATED",
      "the Authorization header must be 'Bearer <token>'",
    );
  return match[1]!.trim();
}

/**
 * Installs bearer-token access control: once any token is configured, every write call needs a
 * `write` token (401 without a valid one, 403 with a read token); reads stay open unless a
 * presented token is invalid.
 *
 * @example
 * ```ts
 * installAuth(app, loadTokens(root));
 * ```
 */
export function installAuth(app: FastifyInstance, tokens: readonly ApiToken[]): void {
  if (tokens.length === 0) return;
  const hashes = tokens.map((t) => ({ token: t, digest: Buffer.from(t.sha256, "hex") }));
  app.addHook("onRequest", async (request) => {
    const needed: TokenScope =
      request.routeOptions.config.scope ??
      (request.method === "GET" || request.method === "HEAD" ? "read" : "write");
    const secret = bearer(request);
    if (secret === undefined) {
      if (needed === "read") return;
      throw new KeelError(
        "KEEL_ERR_UNAUTHENTICATED",
        "this call writes; send 'Authorization: Bearer <token>' with a write token",
      );
    }
    const digest = Buffer.from(hashToken(secret), "hex");
    const match = hashes.find((h) => timingSafeEqual(h.digest, digest));
    if (match === undefined)
      throw new KeelError("KEEL_ERR_UNAUTHENTICATED", "invalid bearer token");
    request.tokenName = match.token.name;
    if (needed === "write" && match.token.scope !== "write")
      throw new KeelError(
        "KEEL_ERR_PERMISSION_DENIED",
        `token '${match.token.name}' has read scope; this call needs write`,
      );
  });
}
