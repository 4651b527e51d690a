import { KeelError } from "../core/index.js";

/**
 * Picks a variant for a key, in proportion to the weights, the same variant every time for
 * the same key while the weights hold. It uses weighted rendezvous hashing: each variant
 * draws `u = hash(variant, key)` uniform in (0, 1) and scores `-ln(u) / weight`; the lowest
 * score wins. Exponential races make the win probability exactly `weight / Σ weights`, and
 * since a variant's score depends only on its own name and weight, changing one variant's
 * weight moves only keys to or from that variant (the minimal share), never between others.
 * Variants with weight 0 never win. Throws `KEEL_ERR_INVALID_ARGUMENT` when no weight is
 * above 0.
 *
 * @example
 * ```ts
 * assignVariant([{ name: "champion", weight: 90 }, { name: "challenger", weight: 10 }], "customer-42");
 * // "champion" (and always "champion" for "customer-42" while the weights hold)
 * ```
 */
export function assignVariant(
  variants: readonly { readonly name: string; readonly weight: number }[],
  key: string,
): string {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const variant of variants) {
    if (!(variant.weight > 0)) continue;
    const score = -Math.log(unitHash(variant.name, key)) / variant.weight;
    if (score < bestScore) {
      bestScore = score;
      best = variant.name;
    }
  }
  if (best === undefined) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `assignVariant: expected at least one variant with a weight above 0, got ${variants.length} variant(s) and none above 0`,
      { details: { variants: variants.map((v) => ({ name: v.name, weight: v.weight })) } },
    );
  }
  return best;
}

const TWO_POW_53 = 2 ** 53;

/**
 * A uniform number in the open interval (0, 1) from a 53-bit hash of `variant` and `key`
 * (cyrb53: two 32-bit multiply-xorshift lanes; fast, well mixed, stable across processes).
 */
function unitHash(variant: string, key: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  const mix = (code: number): void => {
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  };
  for (let i = 0; i < variant.length; i++) mix(variant.charCodeAt(i));
  // A separator no name contains, so ("ab", "c") and ("a", "bc") hash apart.
  mix(0xffff);
  for (let i = 0; i < key.length; i++) mix(key.charCodeAt(i));
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const bits = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  return (bits + 0.5) / TWO_POW_53;
}
