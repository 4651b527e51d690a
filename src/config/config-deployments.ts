import { readFileSync } from "node:fs";
import { describeValue, isKeelError, KeelError } from "../core/index.js";
import { type DeploymentSpec, parseDeploymentSpec } from "../serve/index.js";

interface ConfigIssue {
  readonly path: string;
  readonly message: string;
  /** `file:line` of the deployment the issue is in, when it can be found in the source. */
  readonly at: string;
}

/**
 * Validates the `deployments` section of a `keel.config.ts` with the same checks as
 * `keel deploy create` (the deployment-spec parser), collecting every issue with its path from
 * the config's root (`deployments[1].variants[0].weight`) and the line of the deployment it is
 * in; deployment names must be unique. Any problem is `KEEL_ERR_CONFIG_INVALID` listing them
 * all. An absent section is no deployments.
 *
 * @example
 * ```ts
 * const specs = parseConfigDeployments(config.deployments, "/project/keel.config.ts");
 * // KeelError: /project/keel.config.ts:12: deployments[0].variants[0].weight: expected a finite number ≥ 0, got "90"
 * ```
 */
export function parseConfigDeployments(value: unknown, file: string): DeploymentSpec[] {
  if (value === undefined) return [];
  const lines = sourceLines(file);
  const section = lines.findIndex((l) => /\bdeployments\s*:/.test(l));
  const sectionAt = `${file}${section >= 0 ? `:${section + 1}` : ""}`;
  if (!Array.isArray(value))
    throw new KeelError(
      "KEEL_ERR_CONFIG_INVALID",
      `${sectionAt}: deployments must be an array of deployment specs ({ name, variants: [...] }), got ${describeValue(value)}`,
      { details: { file, path: "deployments" } },
    );
  const issues: ConfigIssue[] = [];
  const specs: DeploymentSpec[] = [];
  const seen = new Map<string, number>();
  value.forEach((item: unknown, i) => {
    const at = deploymentAt(file, lines, section, item);
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      issues.push({
        path: `deployments[${i}]`,
        message: `expected a deployment spec { name, variants: [...] }, got ${describeValue(item)}`,
        at,
      });
      return;
    }
    let spec: DeploymentSpec;
    try {
      spec = parseDeploymentSpec(item, `${file}: deployments[${i}]`);
    } catch (error) {
      if (!isKeelError(error, "KEEL_ERR_DEPLOYMENT_INVALID")) throw error;
      const found = (error.details.issues ?? []) as { path: string; message: string }[];
      for (const issue of found)
        issues.push({
          path: `deployments[${i}]${issue.path.slice(1)}`,
          message: issue.message,
          at,
        });
      return;
    }
    const before = seen.get(spec.name);
    if (before !== undefined)
      issues.push({
        path: `deployments[${i}].name`,
        message: `duplicate deployment name '${spec.name}' (also deployments[${before}])`,
        at,
      });
    seen.set(spec.name, i);
    specs.push(spec);
  });
  if (issues.length > 0) {
    const shown = issues.slice(0, 5).map((i) => `${i.at}: ${i.path}: ${i.message}`);
    const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : "";
    throw new KeelError(
      "KEEL_ERR_CONFIG_INVALID",
      `invalid deployments in the config: ${shown.join("; ")}${more}`,
      { details: { file, issues: issues.map((i) => ({ ...i })) } },
    );
  }
  return specs;
}

function sourceLines(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n");
  } catch {
    return [];
  }
}

/**
 * `file:line` of a deployment: the first line after `deployments:` that names it, else the
 * section's line. Configs are code, so the source is searched, not parsed.
 */
function deploymentAt(
  file: string,
  lines: readonly string[],
  section: number,
  item: unknown,
): string {
  const name = (item as { name?: unknown } | null)?.name;
  if (section >= 0 && typeof name === "string" && name !== "") {
    const quoted = [`"${name}"`, `'${name}'`, `\`${name}\``];
    for (let l = section; l < lines.length; l++)
      if (quoted.some((q) => lines[l]!.includes(q))) return `${file}:${l + 1}`;
  }
  return section >= 0 ? `${file}:${section + 1}` : file;
}
