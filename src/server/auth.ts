import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
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
 * no file means no tokens (an open server, bound to 127.0.0.1 by default). A file that group or
 * others may write is refused (`KEEL_ERR_FILE_PERMISSIONS`): whoever can edit it can grant
 * themselves a token.
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
    const mode = statSync(file).mode;
    if (process.platform !== "win32" && (mode & 0o022) !== 0)
      throw new KeelError(
        "KEEL_ERR_FILE_PERMISSIONS",
        `${file} is writable by ${mode & 0o002 ? "everyone" : "its group"} (mode ${(mode & 0o777).toString(8)}); anyone who can edit it can grant themselves access. Run: chmod 600 ${file}`,
        { details: { file, mode: (mode & 0o777).toString(8) } },
      );
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof KeelError) throw error;
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
    /** A route anyone may call, without a token or Host check (only `/health`). */
    public?: boolean;
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
 * Installs bearer-token access control: once any token is configured, every route but those
 * marked `public` (only `/health`) or `uiAsset` (the dashboard's code, no data) needs `Authorization: Bearer <token>` — a `read` or `write`
 * token for reads (GET, HEAD, and POST searches marked `scope: "read"`), a `write` token for
 * everything else; 401 without a valid token, 403 with a read token on a write. The hook is on
 * the root, so routes that other modules mount later are covered too.
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
    const config = request.routeOptions.config;
    if (config.public === true || config.uiAsset === true) return;
    const needed: TokenScope =
      config.scope ?? (request.method === "GET" || request.method === "HEAD" ? "read" : "write");
    const secret = bearer(request);
    if (secret === undefined)
      throw new KeelError(
        "KEEL_ERR_UNAUTHENTICATED",
        `this server needs a token: send 'Authorization: Bearer <token>' with a ${needed} token`,
        { details: { scope: needed } },
      );
    const digest = Buffer.from(hashToken(secret), "hex");
    // Compare against every token (no early exit), each in constant time.
    let match: ApiToken | undefined;
    for (const h of hashes) if (timingSafeEqual(h.digest, digest)) match ??= h.token;
    if (match === undefined)
      throw new KeelError("KEEL_ERR_UNAUTHENTICATED", "invalid bearer token");
    request.tokenName = match.name;
    if (needed === "write" && match.scope !== "write")
      throw new KeelError(
        "KEEL_ERR_PERMISSION_DENIED",
        `token '${match.name}' has read scope; this call needs write`,
        { details: { token: match.name, scope: "write" } },
      );
  });
}
