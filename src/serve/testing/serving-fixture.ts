import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Frame } from "../../core/index.js";
import { readFrame } from "../../data/index.js";
import { GbdtClassifier, saveModel } from "../../models/index.js";
import { openTracking, type Tracking } from "../../track/index.js";

/** The repository's Telco churn file. */
export const TELCO_CSV = join(import.meta.dirname, "../../../data/telco_churn.csv");

/**
 * A project directory with a tracking store and two registered versions of a Telco churn
 * GBDT (`models:/churn/1` and `/2`, trained with different seeds and sizes so their numbers
 * differ), alias `champion` on version 1, and the Telco features to score.
 *
 * @example
 * ```ts
 * const fixture = await servingFixture();
 * fixture.records[0]; // one Telco customer without the churn column
 * await fixture.close();
 * ```
 */
export interface ServingFixture {
  readonly project: string;
  readonly tracking: Tracking;
  /** Telco rows without the target, as a frame and as records. */
  readonly x: Frame;
  readonly records: Record<string, unknown>[];
  /** Bundle directories (relative to the project) of versions 1 and 2. */
  readonly bundles: readonly [string, string];
  close(): Promise<void>;
}

/**
 * Builds a {@link ServingFixture} (training takes a few seconds on Telco).
 *
 * @example
 * ```ts
 * const { tracking, project } = await servingFixture();
 * ```
 */
export async function servingFixture(): Promise<ServingFixture> {
  const project = await mkdtemp(join(tmpdir(), "keel-serving-"));
  const tracking = await openTracking({ root: project });
  const telco = await readFrame(TELCO_CSV);
  const x = telco.drop(["churn"]);
  const y = telco.column("churn");
  const bundles: [string, string] = ["models/churn-v1", "models/churn-v2"];
  const sizes = [
    { nEstimators: 30, maxDepth: 4, seed: 1 },
    { nEstimators: 40, maxDepth: 5, seed: 2 },
  ];
  await tracking.models.create("churn");
  for (let i = 0; i < 2; i++) {
    const model = new GbdtClassifier(sizes[i]!).fit(x, y);
    await saveModel(join(project, bundles[i]!), {
      model,
      inputSignature: { columns: x.schema(), target: "churn" },
      positiveClass: "Yes",
      lineage: { params: model.params, codeVersion: "test", createdAt: new Date().toISOString() },
    });
    await tracking.models.createVersion("churn", { source: bundles[i]! });
  }
  await tracking.models.setAlias("churn", "champion", 1);
  return {
    project,
    tracking,
    x,
    records: x.toRecords(),
    bundles,
    async close() {
      await tracking.close();
      await rm(project, { recursive: true, force: true });
    },
  };
}
