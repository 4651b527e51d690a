import { runInNewContext } from "node:vm";
import { KeelError } from "../../core/index.js";

/**
 * How long one `regex` check may spend matching, in milliseconds. A pattern such as `(a+)+$`
 * backtracks exponentially on some inputs; a checks file may come from a pull request, so a
 * pattern must not be able to stall the process (or CI) for ever.
 *
 * @example
 * ```ts
 * REGEX_CHECK_TIMEOUT_MS; // 10000
 * ```
 */
export const REGEX_CHECK_TIMEOUT_MS = 10_000;

/**
 * Tests each text against `^(?:pattern)$` (the `g` and `y` flags dropped: they make `test`
 * resume where the previous row's match ended) and returns 1 for a match, 0 otherwise. The
 * matching runs in a `node:vm` context with a time limit, which V8 enforces inside a running
 * regular expression too; past it, a `KEEL_ERR_CHECK_TIMEOUT` names the check.
 *
 * @example
 * ```ts
 * regexMatches("\\d{4}", "", ["2024", "x"], "checks.json: checks[3]"); // Uint8Array [1, 0]
 * ```
 */
export function regexMatches(
  pattern: string,
  flags: string,
  texts: readonly string[],
  where: string,
  timeoutMs: number = REGEX_CHECK_TIMEOUT_MS,
): Uint8Array {
  const out = new Uint8Array(texts.length);
  const sandbox = { source: `^(?:${pattern})$`, flags: flags.replace(/[gy]/g, ""), texts, out };
  try {
    runInNewContext(
      "const r = new RegExp(source, flags); for (let i = 0; i < texts.length; i++) out[i] = r.test(texts[i]) ? 1 : 0;",
      sandbox,
      { timeout: timeoutMs },
    );
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_SCRIPT_EXECUTION_TIMEOUT") throw error;
    throw new KeelError(
      "KEEL_ERR_CHECK_TIMEOUT",
      `${where}: the regex /${pattern}/ ran past ${timeoutMs} ms on ${texts.length.toLocaleString("en-US")} distinct values; it backtracks too much (nested quantifiers such as (a+)+ do). Simplify the pattern.`,
      { details: { pattern, timeoutMs, values: texts.length } },
    );
  }
  return out;
}
