import { KeelError } from "../../core/index.js";
import { defineCommand, read } from "../command.js";
import { formatTable } from "../format.js";
import { DB_OPTION, trackingFor } from "./runs.js";

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
const actorOf = (options: Record<string, unknown>) =>
  typeof options.actor === "string" ? options.actor : (process.env.USER ?? "cli");

/**
 * `keel models list`: registered models with their newest version and aliases.
 *
 * @example
 * ```sh
 * keel models list --filter "name LIKE 'churn%'"
 * ```
 */
export const modelsListCommand = defineCommand({
  path: ["models", "list"],
  summary: "List registered models",
  usage: "[--filter EXPR]",
  positionals: [0, 0],
  options: {
    filter: { type: "string", valueName: "EXPR", description: "e.g. \"name LIKE 'churn%'\"" },
    ...DB_OPTION,
  },
  async run(ctx) {
    const tracking = await trackingFor(ctx);
    try {
      const filter = read.string(ctx.options, "filter");
      const page = await tracking.models.search({
        maxResults: 1000,
        ...(filter === undefined ? {} : { filter }),
      });
      if (ctx.json) ctx.out(`${JSON.stringify(page.items)}\n`);
      else
        ctx.out(
          `${formatTable(
            ["model", "latest", "aliases", "updated"],
            page.items.map((m) => [
              m.name,
              m.latestVersion?.version ?? null,
              m.aliases.map((a) => `${a.alias}→v${a.version}`).join(" "),
              iso(m.lastUpdatedTime),
            ]),
          )}\n`,
        );
      return 0;
    } finally {
      await tracking.close();
    }
  },
});

/**
 * `keel models show NAME`: versions, aliases and the alias audit log.
 *
 * @example
 * ```sh
 * keel models show churn
 * ```
 */
export const modelsShowCommand = defineCommand({
  path: ["models", "show"],
  summary: "Show a registered model: versions, aliases, alias history",
  usage: "NAME",
  positionals: [1, 1],
  options: { ...DB_OPTION },
  async run(ctx) {
    const tracking = await trackingFor(ctx);
    try {
      const name = ctx.positionals[0]!;
      const model = await tracking.models.get(name);
      const versions = await tracking.models.searchVersions({
        filter: `name = '${name.replaceAll("'", "''")}'`,
      });
      const history = await tracking.models.aliasHistory(name);
      if (ctx.json) {
        ctx.out(`${JSON.stringify({ model, versions: versions.items, aliasHistory: history })}\n`);
        return 0;
      }
      const lines = [
        `model ${model.name}${model.description ? ` — ${model.description}` : ""}`,
        "",
        formatTable(
          ["version", "aliases", "run", "source", "created"],
          versions.items.map((v) => [
            v.version,
            v.aliases.join(" "),
            v.runId,
            v.source,
            iso(v.creationTime),
          ]),
        ),
      ];
      if (history.length > 0)
        lines.push(
          "",
          formatTable(
            ["when", "alias", "from", "to", "who", "reason"],
            history.map((e) => [
              iso(e.createdAt),
              e.alias,
              e.fromVersion,
              e.toVersion,
              e.actor,
              e.reason,
            ]),
          ),
        );
      ctx.out(`${lines.join("\n")}\n`);
      return 0;
    } finally {
      await tracking.close();
    }
  },
});

/**
 * `keel models register NAME --run RUN`: a new version from a run's artifacts (default path
 * `model`) or from any `--source` URI.
 *
 * @example
 * ```sh
 * keel models register churn --run 3f2a… --path model
 * ```
 */
export const modelsRegisterCommand = defineCommand({
  path: ["models", "register"],
  summary: "Register a new model version from a run",
  usage: "NAME (--run RUN [--path DIR] | --source URI)",
  positionals: [1, 1],
  options: {
    run: { type: "string", valueName: "RUN", description: "the run the model comes from" },
    path: {
      type: "string",
      valueName: "DIR",
      description: "artifact path of the model in the run (default: model)",
    },
    source: {
      type: "string",
      valueName: "URI",
      description: "model location, instead of --run/--path",
    },
    description: { type: "string", valueName: "TEXT", description: "version description" },
    ...DB_OPTION,
  },
  async run(ctx) {
    const runId = read.string(ctx.options, "run");
    const given = read.string(ctx.options, "source");
    if (runId === undefined && given === undefined)
      throw new KeelError("KEEL_ERR_USAGE", "keel models register needs --run RUN or --source URI");
    const tracking = await trackingFor(ctx);
    try {
      let source = given;
      if (source === undefined) {
        const run = await tracking.runs.get(runId!);
        source = `${run.info.artifactUri}/${read.string(ctx.options, "path") ?? "model"}`;
      }
      const description = read.string(ctx.options, "description");
      const version = await tracking.models.register(ctx.positionals[0]!, {
        artifactUri: source,
        ...(runId === undefined ? {} : { runId }),
        ...(description === undefined ? {} : { description }),
      });
      ctx.out(
        ctx.json
          ? `${JSON.stringify(version)}\n`
          : `registered ${version.name} version ${version.version} (${version.source})\n`,
      );
      return 0;
    } finally {
      await tracking.close();
    }
  },
});

/**
 * `keel models alias NAME ALIAS VERSION`: points an alias at a version (audited), or removes
 * it with `--delete`.
 *
 * @example
 * ```sh
 * keel models alias churn champion 3 --reason "AUC +2.1%"
 * ```
 */
export const modelsAliasCommand = defineCommand({
  path: ["models", "alias"],
  summary: "Move (or --delete) an alias such as @champion",
  usage: "NAME ALIAS [VERSION] [--reason TEXT] [--delete]",
  positionals: [2, 3],
  options: {
    reason: { type: "string", valueName: "TEXT", description: "why (kept in the audit log)" },
    actor: { type: "string", valueName: "WHO", description: "who (default: $USER)" },
    delete: { type: "boolean", description: "remove the alias" },
    ...DB_OPTION,
  },
  async run(ctx) {
    const [name, alias, version] = ctx.positionals as [string, string, string | undefined];
    const remove = read.flag(ctx.options, "delete");
    if (remove === (version !== undefined))
      throw new KeelError("KEEL_ERR_USAGE", "give either a VERSION or --delete");
    const tracking = await trackingFor(ctx);
    try {
      const reason = read.string(ctx.options, "reason");
      const by = { actor: actorOf(ctx.options), ...(reason === undefined ? {} : { reason }) };
      if (remove) await tracking.models.deleteAlias(name, alias, by);
      else await tracking.models.setAlias(name, alias, version!, by);
      ctx.out(
        ctx.json
          ? `${JSON.stringify({ name, alias, version: version ?? null })}\n`
          : remove
            ? `removed ${name}@${alias}\n`
            : `${name}@${alias} → version ${version}\n`,
      );
      return 0;
    } finally {
      await tracking.close();
    }
  },
});

/**
 * `keel models rollback NAME ALIAS`: moves the alias back to the version it pointed at before
 * its last move (from the audit log).
 *
 * @example
 * ```sh
 * keel models rollback churn champion --reason "precision dropped"
 * ```
 */
export const modelsRollbackCommand = defineCommand({
  path: ["models", "rollback"],
  summary: "Move an alias back to its previous version",
  usage: "NAME ALIAS [--reason TEXT]",
  positionals: [2, 2],
  options: {
    reason: { type: "string", valueName: "TEXT", description: "why (kept in the audit log)" },
    actor: { type: "string", valueName: "WHO", description: "who (default: $USER)" },
    ...DB_OPTION,
  },
  async run(ctx) {
    const [name, alias] = ctx.positionals as [string, string];
    const tracking = await trackingFor(ctx);
    try {
      const reason = read.string(ctx.options, "reason");
      const version = await tracking.models.rollback(name, alias, {
        actor: actorOf(ctx.options),
        ...(reason === undefined ? {} : { reason }),
      });
      ctx.out(
        ctx.json
          ? `${JSON.stringify(version)}\n`
          : `${name}@${alias} rolled back to version ${version.version}\n`,
      );
      return 0;
    } finally {
      await tracking.close();
    }
  },
});
