import { resolve } from "node:path";
import { loadModel, type ModelBundle } from "../models/index.js";
import { loadModelRef } from "../orchestrate/index.js";
import { openTracking } from "../track/index.js";

/**
 * Loads a model bundle named the way every keel command takes one: a directory, or a registry
 * URI (`models:/churn@champion`, `models:/churn/3`) in the project's tracking store (see the
 * track module's `loadModelRef` for how a registered source is checked and copied).
 *
 * @example
 * ```ts
 * const bundle = await openModelBundle(process.cwd(), "models:/churn@champion");
 * bundle.task; // "binary"
 * ```
 */
export async function openModelBundle(cwd: string, ref: string): Promise<ModelBundle> {
  if (!ref.startsWith("models:/")) return loadModel(resolve(cwd, ref));
  const tracking = await openTracking({ root: cwd });
  try {
    return await loadModelRef(tracking, cwd, ref);
  } finally {
    await tracking.close();
  }
}
