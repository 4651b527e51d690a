// A high surrogate not followed by a low one, or a low one not preceded by a high one. Without
// the `u` flag the pattern walks UTF-16 code units, which is what makes lone halves visible.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The index (in UTF-16 code units) of the first unpaired surrogate in `text`, or -1 when the
 * text is well-formed Unicode. JSON's `"\ud800"` decodes to such a string; UTF-8 cannot encode
 * it, so databases and files would silently keep U+FFFD instead.
 *
 * @example
 * ```ts
 * loneSurrogateIndex("churn"); // -1
 * loneSurrogateIndex("a\ud800b"); // 1
 * loneSurrogateIndex("😀"); // -1 (a proper pair)
 * ```
 */
export function loneSurrogateIndex(text: string): number {
  const match = LONE_SURROGATE.exec(text);
  return match === null ? -1 : match.index;
}
