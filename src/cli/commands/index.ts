import type { Command } from "../command.js";

/**
 * A command's path and how to load it. Commands are imported only when they run, so that
 * `keel --version` or `keel data profile` does not pay for loading the HTTP server, the
 * PostgreSQL driver and every algorithm.
 */
export interface CommandEntry {
  readonly path: readonly string[];
  load(): Promise<Command>;
}

/**
 * Every command of the `keel` CLI. Add a command by writing `commands/<name>.ts` and listing it
 * here; help output follows this order.
 *
 * @example
 * ```ts
 * const entry = commands.find((c) => c.path.join(" ") === "data profile");
 * const command = await entry?.load();
 * ```
 */
export const commands: readonly CommandEntry[] = [
  {
    path: ["data", "profile"],
    load: async () => (await import("./data-profile.js")).dataProfileCommand,
  },
  {
    path: ["data", "validate"],
    load: async () => (await import("./data-validate.js")).dataValidateCommand,
  },
  { path: ["train"], load: async () => (await import("./train.js")).trainCommand },
  { path: ["predict"], load: async () => (await import("./predict.js")).predictCommand },
  { path: ["serve"], load: async () => (await import("./serve.js")).serveCommand },
  { path: ["eval"], load: async () => (await import("./eval.js")).evalCommand },
  { path: ["tune"], load: async () => (await import("./tune.js")).tuneCommand },
  { path: ["runs", "list"], load: async () => (await import("./runs.js")).runsListCommand },
  { path: ["runs", "show"], load: async () => (await import("./runs.js")).runsShowCommand },
  { path: ["runs", "compare"], load: async () => (await import("./runs.js")).runsCompareCommand },
  { path: ["models", "list"], load: async () => (await import("./models.js")).modelsListCommand },
  { path: ["models", "show"], load: async () => (await import("./models.js")).modelsShowCommand },
  {
    path: ["models", "register"],
    load: async () => (await import("./models.js")).modelsRegisterCommand,
  },
  { path: ["models", "alias"], load: async () => (await import("./models.js")).modelsAliasCommand },
  {
    path: ["models", "rollback"],
    load: async () => (await import("./models.js")).modelsRollbackCommand,
  },
  {
    path: ["models", "import"],
    load: async () => (await import("./models-import.js")).modelsImportCommand,
  },
  {
    path: ["models", "export"],
    load: async () => (await import("./models-export.js")).modelsExportCommand,
  },
  { path: ["gc"], load: async () => (await import("./gc.js")).gcCommand },
  { path: ["apply"], load: async () => (await import("./apply.js")).applyCommand },
  ...(
    [
      ["historical", "featuresHistoricalCommand"],
      ["online", "featuresOnlineCommand"],
      ["materialize", "featuresMaterializeCommand"],
      ["materialize-incremental", "featuresMaterializeIncrementalCommand"],
      ["status", "featuresStatusCommand"],
      ["history", "featuresHistoryCommand"],
      ["rollback", "featuresRollbackCommand"],
    ] as const
  ).map(([name, symbol]) => ({
    path: ["features", name],
    load: async () => (await import("./features.js"))[symbol],
  })),
  {
    path: ["features", "freshness"],
    load: async () => (await import("./features-freshness.js")).featuresFreshnessCommand,
  },
  { path: ["server"], load: async () => (await import("./server.js")).serverCommand },
  ...(
    [
      ["create", "deployCreateCommand"],
      ["list", "deployListCommand"],
      ["promote", "deployPromoteCommand"],
      ["rollback", "deployRollbackCommand"],
    ] as const
  ).map(([name, symbol]) => ({
    path: ["deploy", name],
    load: async () => (await import("./deploy.js"))[symbol],
  })),
  {
    path: ["deploy", "status"],
    load: async () => (await import("./deploy-status.js")).deployStatusCommand,
  },
  {
    path: ["deploy", "apply"],
    load: async () => (await import("./deploy-apply.js")).deployApplyCommand,
  },
  {
    path: ["monitor", "report"],
    load: async () => (await import("./monitor-report.js")).monitorReportCommand,
  },
  {
    path: ["monitor", "run"],
    load: async () => (await import("./monitor-run.js")).monitorRunCommand,
  },
  {
    path: ["monitor", "alerts"],
    load: async () => (await import("./monitor-run.js")).monitorAlertsCommand,
  },
  ...(
    [
      [["run"], "runCommand"],
      [["backfill"], "backfillCommand"],
      [["scheduler"], "schedulerCommand"],
      [["worker"], "workerCommand"],
      [["pipelines", "list"], "pipelinesListCommand"],
      [["pipelines", "runs"], "pipelinesRunsCommand"],
      [["pipelines", "show"], "pipelinesShowCommand"],
      [["dlq", "list"], "dlqListCommand"],
      [["dlq", "show"], "dlqShowCommand"],
      [["dlq", "replay"], "dlqReplayCommand"],
    ] as const
  ).map(([path, symbol]) => ({
    path,
    load: async () => (await import("./pipelines.js"))[symbol],
  })),
  { path: ["demo"], load: async () => (await import("./demo.js")).demoCommand },
];

/**
 * What a group's help (`keel pipelines --help`) adds under its table: the commands of the
 * same workflow that live outside the group.
 *
 * @example
 * ```ts
 * groupNotes.pipelines; // "Run them: keel run PIPELINE …"
 * ```
 */
export const groupNotes: Readonly<Record<string, string>> = {
  pipelines: [
    "Run them: keel run PIPELINE (trigger a run; --resume continues one), keel backfill PIPELINE",
    "--from DATE --to DATE, keel scheduler (run schedules; keel server runs them too), keel worker",
    "(steps from the PostgreSQL queue). Failed steps and rejected records: keel dlq list|show|replay.",
  ].join("\n"),
  dlq: "Dead letters are filed by pipeline runs: see keel pipelines --help.",
};
