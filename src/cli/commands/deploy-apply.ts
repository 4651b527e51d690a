import { applyDeployments } from "../../serve/index.js";
import { defineCommand, read } from "../command.js";
import { configFor, PROJECT_OPTIONS } from "../features-project.js";
import { formatTable } from "../format.js";
import { weightsText, withServing } from "./deploy.js";

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
      const applied = (
        await applyDeployments(loaded.deployments, store, tracking, {
          cwd: ctx.cwd,
          file: loaded.file,
          dryRun,
          by,
        })
      ).map(({ spec, ...a }) => ({ ...a, variants: weightsText(spec.variants) }));
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
