import * as core from "../core/index.js";
import * as data from "../data/index.js";
import * as evaluate from "../evaluate/index.js";
import * as features from "../features/index.js";
import * as models from "../models/index.js";
import * as monitor from "../monitor/index.js";
import * as serve from "../serve/index.js";
import * as store from "../store/index.js";
import * as track from "../track/index.js";
import * as transform from "../transform/index.js";
import * as tune from "../tune/index.js";
import { checkFeatureFreshness, materializeFeatures } from "./feature-steps.js";
import { promoteChallenger, rollbackChampion } from "./promote.js";

/**
 * The keel SDK as steps get it (`ctx.keel`), one namespace per module, plus the built-in steps'
 * implementations. A `keel.config.ts` is compiled with only the definition functions, so a step
 * reaches the heavy parts (models, data engine, registry) through here, loaded once by the
 * runner.
 *
 * @example
 * ```ts
 * step({ run: async (ctx) => {
 *   const frame = await ctx.keel.data.readFrame("data/telco_churn.csv");
 *   return { rows: frame.nRows };
 * } });
 * ```
 */
export const keelSdk = {
  core,
  data,
  transform,
  models,
  evaluate,
  tune,
  store,
  track,
  features,
  serve,
  monitor,
  orchestrate: { promoteChallenger, rollbackChampion, materializeFeatures, checkFeatureFreshness },
} as const;

/**
 * The type of {@link keelSdk}.
 *
 * @example
 * ```ts
 * const sdk: KeelSdk = ctx.keel;
 * ```
 */
export type KeelSdk = typeof keelSdk;
