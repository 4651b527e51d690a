import { createLogger } from "../../core/index.js";
import {
  definePipeline,
  type PipelineDefinition,
  PipelineStore,
  runPipeline,
  step,
} from "../../orchestrate/index.js";
import type { Tracking } from "../../track/index.js";

/** What {@link seedPipelines} ran: the pipeline (for the server's project) and its two runs. @example `seeded.failedRunId` */
export interface SeededPipelines {
  readonly definition: PipelineDefinition<unknown>;
  readonly succeededRunId: string;
  readonly failedRunId: string;
  /** The dead letter the failed run filed for `train`. */
  readonly deadLetterId: number;
}

/**
 * Runs a real pipeline `retrain` (extract → validate → train → evaluate, and validate →
 * report) twice on the orchestrator's store: the 2026-12-04 run succeeds; in the 2026-12-05
 * run `train` fails on both of its tries (one retry), so `evaluate` is upstream_failed and a
 * dead letter is filed. After seeding `train` works again, so replaying the letter (with this
 * definition) succeeds. Test-only.
 *
 * @example
 * ```ts
 * const seeded = await seedPipelines(tracking, root);
 * ```
 */
export async function seedPipelines(tracking: Tracking, root: string): Promise<SeededPipelines> {
  const broken = { train: false };
  const definition = definePipeline({
    name: "retrain",
    steps: {
      extract: step({
        run: (ctx) => {
          ctx.log.info("read 7043 rows from data/telco.csv");
          return { rows: 7043 };
        },
      }),
      validate: step({
        after: ["extract"],
        run: (ctx) => {
          ctx.log.info("schema ok, 0 rows rejected");
          return { ok: true };
        },
      }),
      train: step({
        after: ["validate"],
        retries: 1,
        retryDelay: 10,
        cache: false,
        run: (ctx) => {
          if (broken.train) throw new Error("out of memory fitting 500 trees (simulated)");
          ctx.log.info(`fitted gbdt on try ${ctx.attempt}`);
          return { auc: 0.84 };
        },
      }),
      evaluate: step({ after: ["train"], cache: false, run: () => ({ passed: true }) }),
      report: step({ after: ["validate"], run: () => ({ html: "report.html" }) }),
    },
  }) as PipelineDefinition<unknown>;
  const store = new PipelineStore(tracking.database);
  const log = createLogger({ sink: () => {} });
  const ok = await runPipeline(definition, {
    store,
    root,
    tracking,
    log,
    logicalDate: new Date("2026-12-04T00:00:00Z"),
  });
  broken.train = true;
  const failed = await runPipeline(definition, {
    store,
    root,
    tracking,
    log,
    logicalDate: new Date("2026-12-05T00:00:00Z"),
  });
  broken.train = false;
  const [letter] = await store.deadLetters({ status: "open", pipeline: "retrain" });
  if (letter === undefined) throw new Error("seedPipelines: the failing run filed no dead letter");
  return {
    definition,
    succeededRunId: ok.run.runId,
    failedRunId: failed.run.runId,
    deadLetterId: letter.id,
  };
}
