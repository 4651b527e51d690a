import { describeValue, KeelError, loneSurrogateIndex } from "../core/index.js";
import type { Metric, Param, Tag } from "./types.js";

/**
 * MLflow's limits as of MLflow 2.14 (mlflow/utils/validation.py), enforced with
 * INVALID_PARAMETER_VALUE: keys of at most 250 characters without colons, param values of at
 * most 6000 characters, tag values of at most 5000.
 *
 * @example
 * ```ts
 * LIMITS.maxMetricsPerBatch; // 1000
 * ```
 */
export const LIMITS = {
  maxMetricsPerBatch: 1000,
  maxParamsPerBatch: 100,
  maxTagsPerBatch: 100,
  maxEntitiesPerBatch: 1000,
  maxBatchRequestBytes: 1_000_000,
  maxParamValueLength: 6000,
  maxTagValueLength: 5000,
  maxKeyLength: 250,
  maxExperimentNameLength: 500,
  maxAliasLength: 255,
  maxDatasetNameLength: 500,
  maxDatasetDigestLength: 36,
  searchMaxResultsDefault: 1000,
  searchMaxResultsThreshold: 50_000,
  metricHistoryMaxResults: 25_000,
} as const;

/**
 * Throws MLflow's INVALID_PARAMETER_VALUE with a message naming the parameter.
 *
 * @example
 * ```ts
 * invalid("key", "must be at most 250 characters", key);
 * ```
 */
export function invalid(parameter: string, expected: string, got?: unknown): never {
  throw new KeelError(
    "KEEL_ERR_INVALID_PARAMETER_VALUE",
    `invalid value ${describeValue(got)} for parameter '${parameter}': ${expected}`,
    { details: { parameter } },
  );
}

// MLflow's `^[/\w.\- ]*$` with Python's Unicode-aware \w: letters and digits of any script
// (JavaScript's \w is ASCII only, which would refuse keys MLflow accepts).
const KEY_PATTERN = /^[/\p{L}\p{N}_.\- ]*$/u;

/**
 * MLflow's `path_not_unique`: true when a key, read as a POSIX path, names the same file as a
 * different key would (`a//b`, `a/`, `./a`, `a/../b`), is `.`, climbs out (`..`) or is absolute.
 *
 * @example
 * ```ts
 * pathNotUnique("a//b"); // true
 * pathNotUnique("metrics/auc"); // false
 * ```
 */
export function pathNotUnique(name: string): boolean {
  const norm = normalizePosixPath(name);
  return norm !== name || norm === "." || norm.startsWith("..") || norm.startsWith("/");
}

/** Python's `posixpath.normpath`. */
function normalizePosixPath(path: string): string {
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  // POSIX keeps exactly two leading slashes; three or more collapse to one.
  const lead = absolute ? (path.startsWith("//") && !path.startsWith("///") ? "//" : "/") : "";
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== ".." || (!absolute && parts.length === 0) || parts.at(-1) === "..")
      parts.push(part);
    else if (parts.length > 0) parts.pop();
  }
  const joined = lead + parts.join("/");
  return joined === "" ? "." : joined;
}

/**
 * Checks a param, metric or tag key as MLflow 2.14 does: a non-empty string of at most 250
 * characters made of letters, digits, `_ - . /` and spaces (no colons), that names a unique
 * path: not `.`, not absolute, no `..`, no empty or `.` segments (`a//b`, `a/`, `./a`).
 *
 * @example
 * ```ts
 * validateKey("metrics/auc", "metrics[0].key");
 * ```
 */
export function validateKey(key: unknown, where: string): string {
  // Training loops log the same few keys millions of times: remember the ones already checked.
  if (typeof key === "string" && validKeys.has(key)) return key;
  if (typeof key !== "string" || key === "") invalid(where, "expected a non-empty string", key);
  if (key.length > LIMITS.maxKeyLength)
    invalid(where, `must be at most ${LIMITS.maxKeyLength} characters, got ${key.length}`, key);
  if (!KEY_PATTERN.test(key))
    invalid(
      where,
      "may only contain letters, digits, underscores, dashes, periods, slashes and spaces",
      key,
    );
  if (pathNotUnique(key))
    invalid(
      where,
      `names may be treated as files, and must not resolve to another name; this one resolves to '${normalizePosixPath(key)}'`,
      key,
    );
  if (validKeys.size >= 10_000) validKeys.clear();
  validKeys.add(key);
  return key;
}

const validKeys = new Set<string>();

function validateValue(value: unknown, max: number, where: string): string {
  if (typeof value !== "string") invalid(where, "expected a string", value);
  if (value.length > max)
    invalid(where, `must be at most ${max} characters, got ${value.length}`, value);
  // A lone surrogate (JSON "\ud800") cannot be stored as UTF-8 and would come back as U+FFFD.
  const lone = loneSurrogateIndex(value);
  if (lone >= 0)
    invalid(
      where,
      `must be well-formed Unicode text; an unpaired UTF-16 surrogate is at code unit ${lone}`,
      value,
    );
  return value;
}

function validateInteger(value: unknown, where: string, min = Number.MIN_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min)
    invalid(where, `expected an integer${min === 0 ? " ≥ 0" : ""}`, value);
  return value;
}

/**
 * Checks one metric (key, numeric value incl. NaN/±Infinity, integer timestamp ≥ 0 and step).
 *
 * @example
 * ```ts
 * validateMetric({ key: "loss", value: NaN, timestamp: Date.now(), step: 0 }, "metrics[0]");
 * ```
 */
export function validateMetric(metric: Metric, where: string): Metric {
  validateKey(metric.key, `${where}.key`);
  if (typeof metric.value !== "number")
    invalid(`${where}.value`, "expected a number", metric.value);
  validateInteger(metric.timestamp, `${where}.timestamp`, 0);
  validateInteger(metric.step, `${where}.step`);
  return metric;
}

/**
 * Checks a batch against MLflow's limits and key/value rules; a param key given twice in one
 * batch is rejected, whatever the values (as MLflow does).
 *
 * @example
 * ```ts
 * validateBatch({ metrics: [], params: [{ key: "lr", value: "0.1" }], tags: [] });
 * ```
 */
export function validateBatch(batch: {
  metrics: readonly Metric[];
  params: readonly Param[];
  tags: readonly Tag[];
}): void {
  const { metrics, params, tags } = batch;
  if (metrics.length > LIMITS.maxMetricsPerBatch)
    invalid(
      "metrics",
      `at most ${LIMITS.maxMetricsPerBatch} metrics per batch, got ${metrics.length}`,
    );
  if (params.length > LIMITS.maxParamsPerBatch)
    invalid("params", `at most ${LIMITS.maxParamsPerBatch} params per batch, got ${params.length}`);
  if (tags.length > LIMITS.maxTagsPerBatch)
    invalid("tags", `at most ${LIMITS.maxTagsPerBatch} tags per batch, got ${tags.length}`);
  const total = metrics.length + params.length + tags.length;
  if (total > LIMITS.maxEntitiesPerBatch)
    invalid(
      "batch",
      `at most ${LIMITS.maxEntitiesPerBatch} metrics, params and tags in all, got ${total}`,
    );
  metrics.forEach((m, i) => {
    validateMetric(m, `metrics[${i}]`);
  });
  const seen = new Set<string>();
  params.forEach((p, i) => {
    validateKey(p.key, `params[${i}].key`);
    validateValue(p.value, LIMITS.maxParamValueLength, `params[${i}].value`);
    if (seen.has(p.key))
      invalid(
        `params[${i}].key`,
        `duplicate parameter key '${p.key}' in one batch; send one value per key`,
        p.key,
      );
    seen.add(p.key);
  });
  tags.forEach((t, i) => {
    validateKey(t.key, `tags[${i}].key`);
    validateValue(t.value, LIMITS.maxTagValueLength, `tags[${i}].value`);
  });
}

/**
 * Checks a tag value (runs, experiments, models: at most 5000 characters).
 *
 * @example
 * ```ts
 * validateTag({ key: "team", value: "growth" }, "tag");
 * ```
 */
export function validateTag(tag: Tag, where: string): Tag {
  validateKey(tag.key, `${where}.key`);
  validateValue(tag.value, LIMITS.maxTagValueLength, `${where}.value`);
  return tag;
}

/**
 * Validates tags and keeps the last value of each key, in key order: what a request naming a
 * key twice means (MLflow stores such tags through a dict), and the order rows are locked in.
 *
 * @example
 * ```ts
 * validateTags([{ key: "a", value: "1" }, { key: "a", value: "2" }], "tags"); // [{ key: "a", value: "2" }]
 * ```
 */
export function validateTags(tags: readonly Tag[] | undefined, where: string): Tag[] {
  const last = new Map<string, Tag>();
  (tags ?? []).forEach((t, i) => {
    last.set(t.key, validateTag(t, `${where}[${i}]`));
  });
  return [...last.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Checks an alias name: `^[\w\-]*$`, at most 255 characters, not `latest` and not `v<digits>`
 * (both reserved, case-insensitively, as in MLflow).
 *
 * @example
 * ```ts
 * validateAlias("champion"); // ok
 * validateAlias("v3");       // throws
 * ```
 */
export function validateAlias(alias: unknown): string {
  if (typeof alias !== "string" || alias === "")
    invalid("alias", "expected a non-empty string", alias);
  if (alias.length > LIMITS.maxAliasLength)
    invalid("alias", `must be at most ${LIMITS.maxAliasLength} characters`, alias);
  if (!/^[\w-]+$/.test(alias))
    invalid("alias", "may only contain letters, digits, '_' and '-'", alias);
  if (alias.toLowerCase() === "latest") invalid("alias", "'latest' is reserved", alias);
  if (/^v\d+$/i.test(alias)) invalid("alias", "'v<number>' is reserved for version numbers", alias);
  return alias;
}

/**
 * Checks a registered model or experiment name: a non-empty string within the length limit.
 *
 * @example
 * ```ts
 * validateName("churn", "name", 500);
 * ```
 */
export function validateName(
  name: unknown,
  where: string,
  max: number = LIMITS.maxExperimentNameLength,
): string {
  if (typeof name !== "string" || name.trim() === "")
    invalid(where, "expected a non-empty string", name);
  if (name.length > max) invalid(where, `must be at most ${max} characters`, name);
  if (name.includes("\0")) invalid(where, "must not contain NUL bytes", name);
  return name;
}

/**
 * Clamps `maxResults` to MLflow's threshold (default when absent).
 *
 * @example
 * ```ts
 * validateMaxResults(undefined); // 1000
 * ```
 */
export function validateMaxResults(
  value: number | undefined,
  fallback: number = LIMITS.searchMaxResultsDefault,
  max: number = LIMITS.searchMaxResultsThreshold,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > max)
    invalid("max_results", `expected an integer between 1 and ${max}`, value);
  return value;
}
