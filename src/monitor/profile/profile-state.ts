import { KeelError, type StateValue } from "../../core/index.js";
import type { ColumnSummary, ReferenceProfile } from "./reference-profile.js";

/**
 * A profile as bundle state (typed arrays stay binary in the bundle's buffer file).
 *
 * @example
 * ```ts
 * await saveModel(dir, { ...parts, referenceProfile: profileToState(buildProfile(x)) });
 * ```
 */
export function profileToState(profile: ReferenceProfile): StateValue {
  return profile as unknown as StateValue;
}

/**
 * Reads a profile back from bundle state, checking its shape; `where` names the source in errors.
 *
 * @example
 * ```ts
 * const profile = profileFromState(bundle.referenceProfile, "models/churn");
 * ```
 */
export function profileFromState(state: unknown, where: string): ReferenceProfile {
  const fail = (path: string, expected: string): never => {
    throw new KeelError(
      "KEEL_ERR_BUNDLE_INVALID",
      `${where}: the reference profile is malformed at ${path}: expected ${expected}.`,
      { details: { where, path } },
    );
  };
  if (typeof state !== "object" || state === null) fail("$.referenceProfile", "an object");
  const p = state as Record<string, unknown>;
  if (p.profileVersion !== 1) fail("$.referenceProfile.profileVersion", "1");
  if (typeof p.rows !== "number") fail("$.referenceProfile.rows", "a number");
  if (typeof p.columns !== "object" || p.columns === null)
    fail("$.referenceProfile.columns", "an object");
  for (const [name, c] of Object.entries(p.columns as Record<string, unknown>)) {
    const col = c as Partial<ColumnSummary> | null;
    const path = `$.referenceProfile.columns[${JSON.stringify(name)}]`;
    if (!col || (col.kind !== "numeric" && col.kind !== "categorical"))
      fail(path, "a numeric or categorical summary");
    if (
      col?.kind === "numeric" &&
      !(col.reservoir instanceof Float64Array && col.histogram instanceof Float64Array)
    ) {
      fail(path, "a numeric summary with a reservoir and a histogram");
    }
  }
  return state as ReferenceProfile;
}

/**
 * True when `value` is a {@link ReferenceProfile} (not a Frame).
 *
 * @example
 * ```ts
 * isReferenceProfile(buildProfile(frame)); // true
 * ```
 */
export function isReferenceProfile(value: unknown): value is ReferenceProfile {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { profileVersion?: unknown }).profileVersion === 1
  );
}
