import type { DeploymentSpec, ServingStore } from "../../serve/index.js";
import type { Tracking } from "../../track/index.js";
import { defineCommand, read } from "../command.js";
import { configFor, PROJECT_OPTIONS } from "../features-project.js";
import { formatTable } from "../format.js";
import { checkModels, weightsText, withServing } from "./deploy.js";

/** What applying one declared deployment did (or would do, with `--dry-run`). */
interface Applied {
  readonly name: string;
  readonly action: "create" | "update" | "unchanged" | "not in config";
  readonly revision: number | null;
  readonly variants: string;
}

/**
 * `keel deploy apply`: stores the deployments declared in `keel.config.ts` (`deployments:
 * [...]`): new ones are created, changed ones updated (a canary in progress starts again from
 * its first step, since its spec changed), identical ones left alone. Every model they name
 * must resolve first. Stored deployments the config does not declare are listed, not removed.
 * `keel serve --deployment NAME` and `keel server` then serve them.
 *
 * @example
 * ```sh
 * keel deploy apply --dry-run
 * keel deploy apply --reason "ramp the challenger"
 * ```
 */
export const deployApplyCommand = defineCommand({
  path: ["deploy", "apply"],
  summary: "Create or update the deployments declared in keel.config.ts",
  usage: "[--config PATH] [--dry-run] [--reason TEXT] [--json]",
  positionals: [0, 0],
  options: {
    ...PROJECT_OPTIONS,
    "dry-run": { type: "boolean", description: "show what would change, store nothing" },
    reason: { type: "string", valueName: "TEXT", description: "why, for the deployment history" },
    actor: { type: "string", valueName: "NAME", description: "who (default: $USER)" },
  },
  examples: ["keel deploy apply", "keel deploy apply --config examples/serving --dry-run"],
  async run(ctx) {
    const loaded = await configFor(ctx);
    const dryRun = read.flag(ctx.options, "dry-run");
    const by = {
      actor: read.string(ctx.options, "actor") ?? process.env.USER ?? "cli",
      reason: read.string(ctx.options, "reason") ?? `declared in ${loaded.file}`,
    };
    return withServing(ctx, async (store, tracking) => {
      const applied = await applyAll(loaded.deployments, store, tracking, {
        cwd: ctx.cwd,
        file: loaded.file,
        dryRun,
        by,
      });
      if (ctx.json) {
        ctx.out(`${JSON.stringify({ dryRun, deployments: applied })}\n`);
        return 0;
      }
      ctx.out(
        `${formatTable(
          ["deployment", "action", "revision", "variants"],
          applied.map((a) => [a.name, a.action, a.revision ?? "-", a.variants]),
        )}\n${dryRun ? "dry run: nothing stored" : `stored in ${tracking.database.location}`}\n`,
      );
      return 0;
    });
  },
});

async function applyAll(
  specs: readonly DeploymentSpec[],
  store: ServingStore,
  tracking: Tracking,
  options: {
    readonly cwd: string;
    readonly file: string;
    readonly dryRun: boolean;
    readonly by: { readonly actor: string; readonly reason: string };
  },
): Promise<Applied[]> {
  // Every model of every deployment resolves before anything is stored.
  for (const [i, spec] of specs.entries())
    await checkModels(spec, tracking, options.cwd, `${options.file}: deployments[${i}]`);
  const applied: Applied[] = [];
  for (const spec of specs) {
    const stored = await store.findDeployment(spec.name);
    const variants = weightsText(spec.variants);
    if (stored !== undefined && JSON.stringify(stored.spec) === JSON.stringify(spec)) {
      applied.push({ name: spec.name, action: "unchanged", revision: stored.revision, variants });
      continue;
    }
    if (options.dryRun) {
      applied.push({
        name: spec.name,
        action: stored === undefined ? "create" : "update",
        revision: stored?.revision ?? null,
        variants,
      });
      continue;
    }
    const after =
      stored === undefined
        ? await store.createDeployment(spec, options.by)
        : await store.updateDeployment(spec.name, {
            kind: "update",
            spec,
            state: {},
            ...options.by,
            expectedRevision: stored.revision,
          });
    applied.push({
      name: spec.name,
      action: stored === undefined ? "create" : "update",
      revision: after.revision,
      variants,
    });
  }
  const declared = new Set(specs.map((s) => s.name));
  for (const d of await store.listDeployments())
    if (!declared.has(d.name))
      applied.push({
        name: d.name,
        action: "not in config",
        revision: d.revision,
        variants: weightsText(d.spec.variants),
      });
  return applied;
}
