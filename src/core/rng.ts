import { KeelError } from "./errors.js";

/** The serialisable state of an {@link Rng}: four 32-bit words. */
export type RngState = readonly [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * A seeded pseudo-random generator (xoshiro128**, seeded through splitmix32). Every random
 * choice in keel goes through one of these so that a seed reproduces a result exactly; the
 * same seed gives the same stream on every platform. Not for cryptography.
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * rng.next();          // a float in [0, 1)
 * rng.int(10);         // an integer in [0, 10)
 * rng.permutation(5);  // Int32Array, a shuffle of 0..4
 * const child = rng.fork(3); // an independent stream, e.g. for worker 3
 * ```
 */
export class Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  #spareNormal: number | undefined;

  constructor(seed: number | RngState = 0) {
    if (typeof seed === "number") {
      if (!Number.isFinite(seed)) {
        throw new KeelError(
          "KEEL_ERR_INVALID_ARGUMENT",
          `A seed must be a finite number. Got ${seed} instead.`,
        );
      }
      // Fold the high bits in so that seeds above 2^32 still give distinct streams.
      const next = splitmix32((seed >>> 0) ^ Math.floor(seed / 2 ** 32));
      this.#s0 = next();
      this.#s1 = next();
      this.#s2 = next();
      this.#s3 = next();
    } else {
      [this.#s0, this.#s1, this.#s2, this.#s3] = seed.map((w) => w >>> 0) as [
        number,
        number,
        number,
        number,
      ];
    }
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  /**
   * The next 32-bit unsigned integer.
   *
   * @example
   * ```ts
   * new Rng(1).uint32(); // deterministic
   * ```
   */
  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /**
   * A float uniformly in [0, 1) with 53 random bits.
   *
   * @example
   * ```ts
   * const u = rng.next();
   * ```
   */
  next(): number {
    const hi = this.uint32() >>> 5;
    const lo = this.uint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /**
   * A float uniformly in [low, high).
   *
   * @example
   * ```ts
   * rng.uniform(-1, 1);
   * ```
   */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /**
   * An integer uniformly in [0, n), without modulo bias.
   *
   * @example
   * ```ts
   * rng.int(6) + 1; // a die roll
   * ```
   */
  int(n: number): number {
    if (!(Number.isInteger(n) && n > 0 && n <= 2 ** 32)) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `Rng.int(n) needs an integer n in [1, 2^32]. Got ${n} instead.`,
      );
    }
    const limit = 2 ** 32 - (2 ** 32 % n);
    let x = this.uint32();
    while (x >= limit) x = this.uint32();
    return x % n;
  }

  /**
   * A standard normal draw (Box–Muller, caching the second value).
   *
   * @example
   * ```ts
   * const noise = 0.1 * rng.normal();
   * ```
   */
  normal(): number {
    if (this.#spareNormal !== undefined) {
      const spare = this.#spareNormal;
      this.#spareNormal = undefined;
      return spare;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /**
   * Shuffles an array or typed array in place (Fisher–Yates) and returns it.
   *
   * @example
   * ```ts
   * rng.shuffle([1, 2, 3]);
   * ```
   */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /**
   * A random permutation of `0 .. n-1`.
   *
   * @example
   * ```ts
   * rng.permutation(4); // e.g. Int32Array [2, 0, 3, 1]
   * ```
   */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }

  /**
   * An independent generator derived from this one's seed and a stream id, without advancing
   * this one: the same parent and id always give the same child, so work split across threads
   * stays reproducible whatever the thread count.
   *
   * @example
   * ```ts
   * const perFold = [0, 1, 2].map((k) => rng.fork(k));
   * ```
   */
  fork(streamId: number): Rng {
    const mix = splitmix32((this.#s0 ^ Math.imul(streamId + 1, 0x9e3779b9)) >>> 0);
    return new Rng([mix() ^ this.#s1, mix() ^ this.#s2, mix() ^ this.#s3, mix()]);
  }

  /**
   * The current state, to save and restore a stream.
   *
   * @example
   * ```ts
   * const saved = rng.state(); const again = new Rng(saved);
   * ```
   */
  state(): RngState {
    return [this.#s0, this.#s1, this.#s2, this.#s3];
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
