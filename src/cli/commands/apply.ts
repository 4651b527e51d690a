import { checkSourceColumns, FeatureRegistry, openOfflineStore } from "../../features/index.js";
import { defineCommand, read } from "../command.js";
import { configFor, databaseFor, PROJECT_OPTIONS } from "../features-project.js";
import { formatTable } from "../format.js";

/**
 * `keel apply`: validates the feature definitions in keel.config.ts (names, entities, TTLs,
 * and each view's schema against its source's columns), shows the diff against the registry and
 * stores a new version of everything that changed.
 *
 * @example
 * ```sh
 * keel apply --dry-run
 * keel apply --comment "add monetary"
 * ```
 */
export const applyCommand = defineCommand({
  path: ["apply"],
  summary: "Validate feature definitions, show the diff and register new versions",
  usage: "[--config PATH] [--dry-run] [--comment TEXT]",
  positionals: [0, 0],
  options: {
    ...PROJECT_OPTIONS,
    "dry-run": { type: "boolean", description: "show the diff, register nothing" },
    comment: {
      type: "string",
      valueName: "TEXT",
      description: "note stored with the new versions",
    },
  },
  examples: ["keel apply", "keel apply --config examples/features --dry-run"],
  async run(ctx) {
    const loaded = await configFor(ctx);
    const offline = openOfflineStore(loaded.config.offlineStore, loaded.root);
    // Schema against source: each view's columns and types, as its offline engine sees them.
    for (const view of loaded.features.views.values()) {
      checkSourceColumns(view, await offline.describe(loaded.features, view));
    }
    const database = await databaseFor(ctx, loaded);
    try {
      const registry = new FeatureRegistry(database);
      const dryRun = read.flag(ctx.options, "dry-run");
      const changes = dryRun
        ? await registry.plan(loaded.config)
        : await registry.apply(loaded.config, read.string(ctx.options, "comment") ?? "");
      if (ctx.json) {
        ctx.out(`${JSON.stringify({ dryRun, changes })}\n`);
        return 0;
      }
      const shown = changes.filter((c) => c.action !== "unchanged");
      ctx.out(
        shown.length === 0
          ? `${loaded.file}: no changes (${changes.length} definitions registered)\n`
          : `${formatTable(
              ["action", "kind", "name", "version", "changed fields"],
              shown.map((c) => [
                c.action,
                c.kind,
                c.name,
                `${c.fromVersion ?? "-"} -> ${c.toVersion ?? "-"}`,
                c.fields.join(", "),
              ]),
            )}\n${dryRun ? "dry run: nothing registered" : `registered in ${database.location}`}\n`,
      );
      return 0;
    } finally {
      await database.close();
    }
  },
});
