import { closestNames, describeValue, KeelError } from "../core/index.js";
import { parseDuration } from "../data/index.js";

/**
 * One live variant of a deployment: a model and its share of traffic.
 *
 * @example
 * ```ts
 * const champion: VariantSpec = { name: "champion", model: "models:/churn@champion", weight: 90 };
 * ```
 */
export interface VariantSpec {
  readonly name: string;
  /** `models:/NAME@ALIAS`, `models:/NAME/VERSION` or a bundle directory. */
  readonly model: string;
  /** Relative share of traffic (weights need not sum to 100); 0 takes no traffic. */
  readonly weight: number;
}

/**
 * A shadow model: receives a copy of each request off the response path; its output is
 * logged, never returned.
 *
 * @example
 * ```ts
 * const shadow: ShadowSpec = { name: "next", model: "models:/churn/8" };
 * ```
 */
export interface ShadowSpec {
  readonly name: string;
  readonly model: string;
}

/**
 * Limits a canary must stay within to advance; breaking one rolls it back.
 *
 * @example
 * ```ts
 * const guardrails: CanaryGuardrails = { maxErrorRate: 0.01, maxP99Ms: 50 };
 * ```
 */
export interface CanaryGuardrails {
  /** Largest tolerated share of failed requests on the canary, in [0, 1]. */
  readonly maxErrorRate?: number;
  /** Largest tolerated 99th-percentile latency of the canary, in milliseconds. */
  readonly maxP99Ms?: number;
  /** Largest tolerated |mean canary score − mean score of the rest|, in score units. */
  readonly maxPredictionShift?: number;
}

/**
 * A canary rollout: the variant's share of traffic steps up (percent) every `intervalMs`
 * while its guardrails hold.
 *
 * @example
 * ```ts
 * const canary: CanarySpec = { variant: "challenger", steps: [5, 25, 50, 100], intervalMs: 3_600_000, guardrails: { maxErrorRate: 0.01 } };
 * ```
 */
export interface CanarySpec {
  readonly variant: string;
  /** Strictly increasing percentages in (0, 100], ending at 100. */
  readonly steps: readonly number[];
  readonly intervalMs: number;
  readonly guardrails: CanaryGuardrails;
}

/**
 * A deployment: weighted variants, optional sticky key, shadows, canary and online features.
 *
 * @example
 * ```ts
 * const spec: DeploymentSpec = {
 *   name: "churn",
 *   variants: [{ name: "champion", model: "models:/churn@champion", weight: 100 }],
 * };
 * ```
 */
export interface DeploymentSpec {
  readonly name: string;
  readonly variants: readonly VariantSpec[];
  /** Request field whose value picks the variant (a customer stays on one variant). */
  readonly stickyKey?: string;
  readonly shadow?: readonly ShadowSpec[];
  readonly canary?: CanarySpec;
  /** Online features looked up per request by its entity key(s) and merged into its rows. */
  readonly features?: DeploymentFeatures;
}

/**
 * Where a deployment's online features come from: a feature service (or feature references)
 * of the project's feature store, read by the entity key fields of each request row.
 *
 * @example
 * ```ts
 * const features: DeploymentFeatures = { service: "churn_v1", entityKey: "customer_id", onMissing: "null" };
 * ```
 */
export interface DeploymentFeatures {
  /** A feature service; or give `features`. */
  readonly service?: string;
  /** Feature references (`view:feature`, `view:*`) instead of a service. */
  readonly features?: readonly string[];
  /**
   * The request field(s) holding the entity's join keys, named as the join keys. Default: every
   * join key of the views read.
   */
  readonly entityKey?: string | readonly string[];
  /**
   * A feature that is not found or older than its view's TTL: `"null"` (default) scores it as a
   * missing value and reports its status; `"error"` refuses the request (422).
   */
  readonly onMissing?: "null" | "error";
}

interface Issue {
  readonly path: string;
  readonly message: string;
}

type Report = (path: string, message: string) => void;

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const NAME_RULE =
  "a name of letters, digits, '_', '.', '-' (at most 128, not starting with a symbol)";

/**
 * Validates a deployment spec (parsed JSON or a config object), collecting every issue with
 * its JSON path: unknown keys (with a did-you-mean), bad names, duplicate variant names,
 * weights that are negative or all zero, malformed model URIs, a canary naming an unknown
 * variant or with steps that do not climb to 100. `canary.interval` may be given as a
 * duration (`"1h"`, `"30m"`) instead of `intervalMs`. Any problem is
 * `KEEL_ERR_DEPLOYMENT_INVALID` whose message starts with `where` and whose details list all
 * issues. A string is read as JSON text first (a syntax error is `KEEL_ERR_PARSE` at
 * `where:line:column`).
 *
 * @example
 * ```ts
 * const spec = parseDeploymentSpec(JSON.parse(text), "deploy.json");
 * parseDeploymentSpec({ name: "churn", variants: [] }, "deploy.json");
 * // KeelError: deploy.json: $.variants: expected at least one variant
 * ```
 */
export function parseDeploymentSpec(value: unknown, where: string): DeploymentSpec {
  if (typeof value === "string") return parseDeploymentSpec(parseJsonText(value, where), where);
  const issues: Issue[] = [];
  const report: Report = (path, message) => {
    issues.push({ path, message });
  };
  const spec = readSpec(value, report);
  if (issues.length > 0 || spec === undefined) {
    const first = issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`);
    const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : "";
    throw new KeelError(
      "KEEL_ERR_DEPLOYMENT_INVALID",
      `${where}: invalid deployment spec: ${first.join("; ")}${more}`,
      { details: { where, issues } },
    );
  }
  return spec;
}

function parseJsonText(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const before = position ? text.slice(0, Number(position[1])) : undefined;
    const at =
      before === undefined
        ? where
        : `${where}:${before.split("\n").length}:${before.length - before.lastIndexOf("\n")}`;
    throw new KeelError(
      "KEEL_ERR_PARSE",
      `${at}: the deployment spec is not valid JSON (${message}).`,
      {
        details: { where },
        cause: error,
      },
    );
  }
}

function readSpec(value: unknown, report: Report): DeploymentSpec | undefined {
  if (!isRecord(value)) {
    report("$", `expected an object like { name, variants: [...] }, got ${describeValue(value)}`);
    return undefined;
  }
  checkKeys(value, "$", ["name", "variants", "stickyKey", "shadow", "canary", "features"], report);
  const name = readName(value.name, "$.name", report);
  const variants = readVariants(value.variants, report);
  const spec: {
    -readonly [K in keyof DeploymentSpec]: DeploymentSpec[K];
  } = { name, variants };
  if (value.stickyKey !== undefined) {
    spec.stickyKey = readText(value.stickyKey, "$.stickyKey", "a request field name", report);
  }
  if (value.shadow !== undefined) spec.shadow = readShadows(value.shadow, variants, report);
  if (value.canary !== undefined) spec.canary = readCanary(value.canary, variants, report);
  if (value.features !== undefined) spec.features = readFeatures(value.features, report);
  return spec;
}

function readVariants(value: unknown, report: Report): VariantSpec[] {
  if (!Array.isArray(value) || value.length === 0) {
    report(
      "$.variants",
      Array.isArray(value)
        ? "expected at least one variant"
        : `expected an array of { name, model, weight }, got ${describeValue(value)}`,
    );
    return [];
  }
  const variants: VariantSpec[] = [];
  const seen = new Set<string>();
  let badWeights = 0;
  value.forEach((item: unknown, i) => {
    const path = `$.variants[${i}]`;
    if (!isRecord(item)) {
      report(path, `expected an object { name, model, weight }, got ${describeValue(item)}`);
      return;
    }
    checkKeys(item, path, ["name", "model", "weight"], report);
    const name = readName(item.name, `${path}.name`, report);
    if (seen.has(name)) report(`${path}.name`, `duplicate variant name '${name}'`);
    seen.add(name);
    const model = readModel(item.model, `${path}.model`, report);
    const weight = item.weight;
    if (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0) {
      report(`${path}.weight`, `expected a finite number ≥ 0, got ${describeValue(weight)}`);
      badWeights++;
      variants.push({ name, model, weight: 0 });
      return;
    }
    variants.push({ name, model, weight });
  });
  if (
    badWeights === 0 &&
    variants.length === value.length &&
    variants.every((v) => v.weight === 0)
  ) {
    report("$.variants", "expected at least one variant with a weight above 0, all are 0");
  }
  return variants;
}

function readShadows(
  value: unknown,
  variants: readonly VariantSpec[],
  report: Report,
): ShadowSpec[] {
  if (!Array.isArray(value)) {
    report("$.shadow", `expected an array of { name, model }, got ${describeValue(value)}`);
    return [];
  }
  const taken = new Set(variants.map((v) => v.name));
  return value.flatMap((item: unknown, i) => {
    const path = `$.shadow[${i}]`;
    if (!isRecord(item)) {
      report(path, `expected an object { name, model }, got ${describeValue(item)}`);
      return [];
    }
    checkKeys(item, path, ["name", "model"], report);
    const name = readName(item.name, `${path}.name`, report);
    if (taken.has(name))
      report(`${path}.name`, `name '${name}' is already used by a variant or shadow`);
    taken.add(name);
    return [{ name, model: readModel(item.model, `${path}.model`, report) }];
  });
}

function readCanary(
  value: unknown,
  variants: readonly VariantSpec[],
  report: Report,
): CanarySpec | undefined {
  const path = "$.canary";
  if (!isRecord(value)) {
    report(
      path,
      `expected an object { variant, steps, interval, guardrails }, got ${describeValue(value)}`,
    );
    return undefined;
  }
  checkKeys(value, path, ["variant", "steps", "interval", "intervalMs", "guardrails"], report);
  const variant = readText(value.variant, `${path}.variant`, "a variant name", report);
  const names = [...new Set(variants.map((v) => v.name))];
  if (variant !== "" && names.length > 0 && !names.includes(variant)) {
    report(`${path}.variant`, `no variant named '${variant}'${didYouMean(variant, names)}`);
  } else if (variant !== "" && names.length === 1) {
    report(
      `${path}.variant`,
      "a canary needs at least one other variant to take the rest of the traffic",
    );
  }
  const steps = readSteps(value.steps, `${path}.steps`, report);
  const intervalMs = readInterval(value, path, report);
  const guardrails = readGuardrails(value.guardrails, `${path}.guardrails`, report);
  return { variant, steps, intervalMs, guardrails };
}

function readSteps(value: unknown, path: string, report: Report): number[] {
  if (!Array.isArray(value) || value.length === 0) {
    report(
      path,
      `expected a non-empty array of percentages like [5, 25, 50, 100], got ${describeValue(value)}`,
    );
    return [];
  }
  let previous = 0;
  value.forEach((step: unknown, i) => {
    if (typeof step !== "number" || !(step > previous && step <= 100)) {
      report(
        `${path}[${i}]`,
        `expected a percentage above ${previous} and at most 100 (steps climb strictly), got ${describeValue(step)}`,
      );
      return;
    }
    previous = step;
  });
  if (value[value.length - 1] !== 100) {
    report(
      path,
      `expected the last step to be 100 (the canary completes there), got ${describeValue(value[value.length - 1])}`,
    );
  }
  return value.filter((s): s is number => typeof s === "number");
}

function readInterval(value: Record<string, unknown>, path: string, report: Report): number {
  if (value.interval !== undefined && value.intervalMs !== undefined) {
    report(`${path}.interval`, "give either interval or intervalMs, not both");
  }
  const key = value.intervalMs !== undefined ? "intervalMs" : "interval";
  const raw = value[key];
  const ms = typeof raw === "number" || typeof raw === "string" ? parseDuration(raw) : undefined;
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) {
    report(
      `${path}.${key}`,
      `expected a positive duration (milliseconds, or text like "30m", "1h"), got ${describeValue(raw)}`,
    );
    return 0;
  }
  return ms;
}

function readGuardrails(value: unknown, path: string, report: Report): CanaryGuardrails {
  if (value === undefined) return {};
  if (!isRecord(value)) {
    report(
      path,
      `expected an object { maxErrorRate?, maxP99Ms?, maxPredictionShift? }, got ${describeValue(value)}`,
    );
    return {};
  }
  checkKeys(value, path, ["maxErrorRate", "maxP99Ms", "maxPredictionShift"], report);
  const out: { -readonly [K in keyof CanaryGuardrails]: CanaryGuardrails[K] } = {};
  const { maxErrorRate, maxP99Ms, maxPredictionShift } = value;
  if (maxErrorRate !== undefined) {
    if (typeof maxErrorRate === "number" && maxErrorRate >= 0 && maxErrorRate <= 1)
      out.maxErrorRate = maxErrorRate;
    else
      report(
        `${path}.maxErrorRate`,
        `expected a rate in [0, 1], got ${describeValue(maxErrorRate)}`,
      );
  }
  if (maxP99Ms !== undefined) {
    if (typeof maxP99Ms === "number" && Number.isFinite(maxP99Ms) && maxP99Ms > 0)
      out.maxP99Ms = maxP99Ms;
    else
      report(`${path}.maxP99Ms`, `expected milliseconds above 0, got ${describeValue(maxP99Ms)}`);
  }
  if (maxPredictionShift !== undefined) {
    if (
      typeof maxPredictionShift === "number" &&
      Number.isFinite(maxPredictionShift) &&
      maxPredictionShift >= 0
    )
      out.maxPredictionShift = maxPredictionShift;
    else
      report(
        `${path}.maxPredictionShift`,
        `expected a number ≥ 0, got ${describeValue(maxPredictionShift)}`,
      );
  }
  return out;
}

function readFeatures(value: unknown, report: Report): DeploymentFeatures | undefined {
  const path = "$.features";
  if (!isRecord(value)) {
    report(
      path,
      `expected an object { service | features, entityKey? }, got ${describeValue(value)}`,
    );
    return undefined;
  }
  checkKeys(value, path, ["service", "features", "entityKey", "onMissing"], report);
  const out: { -readonly [K in keyof DeploymentFeatures]: DeploymentFeatures[K] } = {};
  if ((value.service === undefined) === (value.features === undefined))
    report(
      path,
      "expected exactly one of service (a feature service) or features (view:feature references)",
    );
  if (value.service !== undefined)
    out.service = readText(value.service, `${path}.service`, "a feature service name", report);
  if (value.features !== undefined) {
    const refs = value.features;
    if (
      !Array.isArray(refs) ||
      refs.length === 0 ||
      refs.some((r) => typeof r !== "string" || !r.includes(":"))
    )
      report(
        `${path}.features`,
        `expected a non-empty array of 'view:feature' references, got ${describeValue(refs)}`,
      );
    else out.features = refs as string[];
  }
  const key = value.entityKey;
  if (key !== undefined) {
    if (typeof key === "string")
      out.entityKey = readText(key, `${path}.entityKey`, "a request field name", report);
    else if (
      Array.isArray(key) &&
      key.length > 0 &&
      key.every((k) => typeof k === "string" && k !== "")
    )
      out.entityKey = key as string[];
    else
      report(
        `${path}.entityKey`,
        `expected a request field name or a list of them, got ${describeValue(key)}`,
      );
  }
  if (value.onMissing !== undefined) {
    if (value.onMissing === "null" || value.onMissing === "error") out.onMissing = value.onMissing;
    else
      report(
        `${path}.onMissing`,
        `expected "null" or "error", got ${describeValue(value.onMissing)}`,
      );
  }
  return out;
}

/** `models:/NAME@ALIAS`, `models:/NAME/VERSION` (or `/latest`), or a bundle directory path. */
function readModel(value: unknown, path: string, report: Report): string {
  const text = readText(
    value,
    path,
    "models:/NAME@ALIAS, models:/NAME/VERSION or a bundle directory",
    report,
  );
  if (!text.startsWith("models:/")) return text;
  const body = text.slice("models:/".length);
  const ok = /^[^/@]+@[A-Za-z0-9_-]+$/.test(body) || /^[^/@]+\/([1-9]\d*|latest)$/.test(body);
  if (!ok) {
    report(path, `expected models:/NAME@ALIAS or models:/NAME/VERSION, got ${describeValue(text)}`);
  }
  return text;
}

function readName(value: unknown, path: string, report: Report): string {
  if (typeof value !== "string" || !NAME_RE.test(value)) {
    report(path, `expected ${NAME_RULE}, got ${describeValue(value)}`);
    return typeof value === "string" ? value : "";
  }
  return value;
}

function readText(value: unknown, path: string, what: string, report: Report): string {
  if (typeof value !== "string" || value.trim() === "") {
    report(path, `expected ${what} (a non-empty string), got ${describeValue(value)}`);
    return "";
  }
  return value;
}

function checkKeys(
  value: Record<string, unknown>,
  path: string,
  known: readonly string[],
  report: Report,
): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) report(`${path}.${key}`, `unknown key${didYouMean(key, known)}`);
  }
}

function didYouMean(name: string, candidates: readonly string[]): string {
  const close = closestNames(name, candidates);
  return close.length > 0
    ? ` (did you mean '${close[0]}'?)`
    : ` (expected one of ${candidates.join(", ")})`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
