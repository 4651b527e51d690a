import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { KeelError } from "../core/index.js";
import type { Tracking } from "../track/index.js";
import type { Deployment } from "./deployment-record.js";
import type { DeploymentSpec } from "./deployment-spec.js";
import type { ChangeBy, ServingStore } from "./serving-store.js";

/**
 * Every model the spec names must resolve now, not at the first request: one
 * `KEEL_ERR_DEPLOYMENT_INVALID` lists each that does not, with its JSON path. Bundle
 * directories are relative to `cwd`.
 *
 * @example
 * ```ts
 * await checkDeploymentModels(spec, tracking, process.cwd(), "deploy/churn.json");
 * // KeelError: deploy/churn.json: $.shadow[0].model: models:/churn@next does not resolve: …
 * ```
 */
export async function checkDeploymentModels(
  spec: DeploymentSpec,
  tracking: Tracking,
  cwd: string,
  where: string,
): Promise<void> {
  const issues: { path: string; message: string }[] = [];
  const models = [
    ...spec.variants.map((v, i) => [`$.variants[${i}].model`, v.model] as const),
    ...(spec.shadow ?? []).map((s, i) => [`$.shadow[${i}].model`, s.model] as const),
  ];
  for (const [path, model] of models) {
    if (model.startsWith("models:/")) {
      try {
        await tracking.models.resolve(model);
      } catch (error) {
        issues.push({ path, message: `${model} does not resolve: ${(error as Error).message}` });
      }
    } else if (!existsSync(resolve(cwd, model))) {
      issues.push({ path, message: `no bundle directory ${model}` });
    }
  }
  if (issues.length > 0)
    throw new KeelError(
      "KEEL_ERR_DEPLOYMENT_INVALID",
      `${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      { details: { where, issues } },
    );
}

/**
 * What applying one declared deployment did (or would do, with `dryRun`): `not in config` is a
 * stored deployment the declared list lacks (listed, never removed).
 *
 * @example
 * ```ts
 * const applied: AppliedDeployment = { name: "churn", action: "create", revision: 1, spec };
 * ```
 */
export interface AppliedDeployment {
  readonly name: string;
  readonly action: "create" | "update" | "unchanged" | "not in config";
  /** The stored revision after applying; null when a dry run would create it. */
  readonly revision: number | null;
  readonly spec: DeploymentSpec;
}

/**
 * Options of {@link applyDeployments}.
 *
 * @example
 * ```ts
 * const options: ApplyDeploymentsOptions = { cwd: loaded.root, file: loaded.file, by: { actor: "ci", reason: "release 42" } };
 * ```
 */
export interface ApplyDeploymentsOptions {
  /** Where bundle directories named by variants are relative to. */
  readonly cwd: string;
  /** The file that declares the deployments, named in errors (`FILE: deployments[0]`). */
  readonly file: string;
  /** Store nothing; report what would change. */
  readonly dryRun?: boolean;
  /** Who and why, for the deployment history (default reason: declared in `file`). */
  readonly by?: ChangeBy;
}

/**
 * Stores declared deployments (`deployments: [...]` of `keel.config.ts`), as `keel deploy apply`
 * does: every model of every deployment must resolve before anything is stored; new
 * deployments are created, changed ones updated (a canary in progress starts again from its
 * first step, since its spec changed), identical ones left alone. Stored deployments that are
 * not declared are reported as `not in config`, not removed.
 *
 * @example
 * ```ts
 * const loaded = await loadConfig({ cwd: "examples/churn" });
 * const applied = await applyDeployments(loaded.deployments, store, tracking, { cwd: loaded.root, file: loaded.file });
 * applied[0]?.action; // "create"
 * ```
 */
export async function applyDeployments(
  specs: readonly DeploymentSpec[],
  store: ServingStore,
  tracking: Tracking,
  options: ApplyDeploymentsOptions,
): Promise<AppliedDeployment[]> {
  for (const [i, spec] of specs.entries())
    await checkDeploymentModels(spec, tracking, options.cwd, `${options.file}: deployments[${i}]`);
  const by = { reason: `declared in ${options.file}`, ...options.by };
  const applied: AppliedDeployment[] = [];
  for (const spec of specs) {
    const stored = await store.findDeployment(spec.name);
    if (stored !== undefined && JSON.stringify(stored.spec) === JSON.stringify(spec)) {
      applied.push({ name: spec.name, action: "unchanged", revision: stored.revision, spec });
      continue;
    }
    const action = stored === undefined ? "create" : "update";
    if (options.dryRun === true) {
      applied.push({ name: spec.name, action, revision: stored?.revision ?? null, spec });
      continue;
    }
    const after: Deployment =
      stored === undefined
        ? await store.createDeployment(spec, by)
        : await store.updateDeployment(spec.name, {
            kind: "update",
            spec,
            state: {},
            ...by,
            expectedRevision: stored.revision,
          });
    applied.push({ name: spec.name, action, revision: after.revision, spec });
  }
  const declared = new Set(specs.map((s) => s.name));
  for (const d of await store.listDeployments())
    if (!declared.has(d.name))
      applied.push({ name: d.name, action: "not in config", revision: d.revision, spec: d.spec });
  return applied;
}
