import { randomInt, randomUUID } from "node:crypto";

const ADJECTIVES = [
  "amber",
  "brisk",
  "calm",
  "deft",
  "eager",
  "fleet",
  "gentle",
  "hardy",
  "keen",
  "lucid",
  "merry",
  "nimble",
  "placid",
  "quiet",
  "rapid",
  "sturdy",
  "tidy",
  "vivid",
  "wise",
  "zesty",
];
const NOUNS = [
  "anchor",
  "beacon",
  "cedar",
  "delta",
  "ember",
  "falcon",
  "grove",
  "harbor",
  "island",
  "juniper",
  "kestrel",
  "lagoon",
  "meadow",
  "nebula",
  "otter",
  "pine",
  "quarry",
  "river",
  "summit",
  "tide",
];

/**
 * A new run id: 32 lower-case hex characters, as MLflow's.
 *
 * @example
 * ```ts
 * newRunId(); // "3f2a9c…" (32 chars)
 * ```
 */
export function newRunId(): string {
  return randomUUID().replaceAll("-", "");
}

/**
 * A readable run name for runs started without one (`brisk-falcon-417`).
 *
 * @example
 * ```ts
 * randomRunName(); // "calm-otter-52"
 * ```
 */
export function randomRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
