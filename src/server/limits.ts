/**
 * The server's resource bounds: body sizes, nesting, uploads, timeouts and connections. Every
 * one has a default safe for a server exposed to a network; {@link createApp} takes overrides.
 *
 * @example
 * ```ts
 * const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, uploadLimitBytes: 50 * 2 ** 20 };
 * ```
 */
export interface ServerLimits {
  /** Largest JSON body in bytes (MLflow's MAX_BATCH_LOG_REQUEST_SIZE). */
  readonly bodyLimitBytes: number;
  /** Deepest nesting of arrays and objects in a JSON body. */
  readonly jsonDepth: number;
  /** Largest artifact upload in bytes. */
  readonly uploadLimitBytes: number;
  /** Artifact uploads in progress at once; more get 429. */
  readonly maxConcurrentUploads: number;
  /** Time to receive a whole request, headers and body, in ms (Node's `requestTimeout`). */
  readonly requestTimeoutMs: number;
  /** Time to receive the request headers, in ms. */
  readonly headersTimeoutMs: number;
  /** A socket idle this long is closed, in ms. */
  readonly idleTimeoutMs: number;
  /** How long an idle keep-alive connection stays open, in ms. */
  readonly keepAliveTimeoutMs: number;
  /** Open connections at once; more are refused by the HTTP server. */
  readonly maxConnections: number;
  /** Statement time limit for the metadata store, in ms (see `setStatementTimeout`). */
  readonly statementTimeoutMs: number;
}

/**
 * The defaults of {@link ServerLimits}.
 *
 * @example
 * ```ts
 * DEFAULT_SERVER_LIMITS.uploadLimitBytes; // 1 GiB
 * ```
 */
export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  bodyLimitBytes: 1_000_000,
  jsonDepth: 64,
  uploadLimitBytes: 1024 ** 3,
  maxConcurrentUploads: 8,
  requestTimeoutMs: 120_000,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 512,
  statementTimeoutMs: 10_000,
};

/**
 * The nesting depth of a JSON text (arrays and objects; strings skipped), counted without
 * parsing so that a body nested 10,000 deep is refused before any recursive code sees it.
 * Stops counting once `limit` is passed.
 *
 * @example
 * ```ts
 * jsonDepth('{"a":[1,{"b":2}]}', 64); // 3
 * ```
 */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: jump to its closing quote with indexOf (a fast native scan; most of a
      // record's characters are inside its keys and string values), past escaped quotes.
      let end = text.indexOf('"', i + 1);
      while (end > 0 && escaped(text, end)) end = text.indexOf('"', end + 1);
      if (end < 0) return deepest; // unterminated: the parser refuses it
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/** Whether the quote at `at` is escaped: preceded by an odd run of backslashes. */
function escaped(text: string, at: number): boolean {
  let slashes = 0;
  for (let k = at - 1; k >= 0 && text.charCodeAt(k) === 0x5c; k--) slashes++;
  return slashes % 2 === 1;
}
