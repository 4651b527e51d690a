import { invalid } from "./validation.js";

/**
 * Encodes a result offset as an opaque page token.
 *
 * @example
 * ```ts
 * encodePageToken(100); // "eyJvIjoxMDB9"
 * ```
 */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

/**
 * Decodes a page token (undefined or empty → offset 0); a malformed one is INVALID_PARAMETER_VALUE.
 *
 * @example
 * ```ts
 * decodePageToken(encodePageToken(100)); // 100
 * ```
 */
export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === "") return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown };
    if (typeof parsed.o === "number" && Number.isSafeInteger(parsed.o) && parsed.o >= 0)
      return parsed.o;
  } catch {
    // fall through to the error below: the token is not ours
  }
  return invalid("page_token", "a token returned by a previous search", token);
}

/**
 * Builds a page from `limit + 1` fetched rows: the extra row only tells that more exist.
 *
 * @example
 * ```ts
 * const page = pageOf(rows, offset, limit);
 * ```
 */
export function pageOf<T>(
  rows: readonly T[],
  offset: number,
  limit: number,
): { items: T[]; nextPageToken: string | undefined } {
  const more = rows.length > limit;
  return {
    items: rows.slice(0, limit),
    nextPageToken: more ? encodePageToken(offset + limit) : undefined,
  };
}
