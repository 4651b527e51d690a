// AssemblyScript source of keel's GBDT training kernels, compiled to WebAssembly (SIMD, shared
// memory) by scripts/build-wasm.mjs into src/models/gbdt/kernels/gbdt-kernels-wasm.ts.
// Every pointer is a byte offset into the shared memory that src/models/gbdt/kernel-memory.ts
// allocates; the TypeScript side owns the layout and passes views' byteOffsets here.
// Why WebAssembly: the histogram loop is a scatter-add over bytes, and in JavaScript every load
// and store carries a bounds check; compiled here it runs about twice as fast (bench/gbdt).

/**
 * Sums the (gradient, hessian) pair of each row `rows[begin..end)` into the bins of features
 * `[featureBegin, featureEnd)`, after zeroing those features' part of `hist`.
 * `bins` is row-major, one byte per cell (`nFeatures` bytes per row); feature `f`'s bins start
 * at byte `slots[f]` of `hist` (u32 per feature, plus one for the end), as (gradient, hessian)
 * pairs; `gh` holds one pair per row. Each bin is summed in row order, so the result does not
 * depend on how features are split across threads.
 */
export function histogram(
  bins: usize,
  nFeatures: i32,
  gh: usize,
  rows: usize,
  begin: i32,
  end: i32,
  featureBegin: i32,
  featureEnd: i32,
  hist: usize,
  slots: usize,
): void {
  const firstSlot = slots + ((<usize>featureBegin) << 2);
  const histBegin = hist + <usize>load<u32>(firstSlot);
  memory.fill(
    histBegin,
    0,
    hist + <usize>load<u32>(slots + ((<usize>featureEnd) << 2)) - histBegin,
  );
  const width = <usize>(featureEnd - featureBegin);
  for (let i = begin; i < end; i++) {
    const r = <usize>load<u32>(rows + ((<usize>i) << 2));
    const pair = v128.load(gh + (r << 4));
    let cell = bins + r * <usize>nFeatures + <usize>featureBegin;
    const stop = cell + width;
    let slot = firstSlot;
    // Four features per step: fewer loop branches, and four independent load-add-store chains.
    for (; cell + 4 <= stop; cell += 4, slot += 16) {
      const k0 = hist + <usize>load<u32>(slot) + ((<usize>load<u8>(cell)) << 4);
      const k1 = hist + <usize>load<u32>(slot, 4) + ((<usize>load<u8>(cell, 1)) << 4);
      const k2 = hist + <usize>load<u32>(slot, 8) + ((<usize>load<u8>(cell, 2)) << 4);
      const k3 = hist + <usize>load<u32>(slot, 12) + ((<usize>load<u8>(cell, 3)) << 4);
      v128.store(k0, f64x2.add(v128.load(k0), pair));
      v128.store(k1, f64x2.add(v128.load(k1), pair));
      v128.store(k2, f64x2.add(v128.load(k2), pair));
      v128.store(k3, f64x2.add(v128.load(k3), pair));
    }
    for (; cell < stop; cell++, slot += 4) {
      const k = hist + <usize>load<u32>(slot) + ((<usize>load<u8>(cell)) << 4);
      v128.store(k, f64x2.add(v128.load(k), pair));
    }
  }
}

/** `a[i] -= b[i]` for `n` doubles (`n` even): the larger child's histogram from its parent's. */
export function subtract(a: usize, b: usize, n: i32): void {
  const stop = a + ((<usize>n) << 3);
  for (; a < stop; a += 16, b += 16) v128.store(a, f64x2.sub(v128.load(a), v128.load(b)));
}

/**
 * Stable partition of `rows[begin..end)` by a split: rows whose bin `column[row]` has
 * `goLeft[bin] == 1` first, the others after, each in their original order. Returns the index
 * of the first right row. Branch-free: every row is written to both sides and only the side it
 * belongs to advances, because the left/right choice is as unpredictable as a coin.
 */
export function partition(
  rows: usize,
  begin: i32,
  end: i32,
  column: usize,
  goLeft: usize,
  scratch: usize,
): i32 {
  let left = rows + ((<usize>begin) << 2);
  let right = scratch;
  const stop = rows + ((<usize>end) << 2);
  for (let at = left; at < stop; at += 4) {
    const row = load<u32>(at);
    const toLeft = <usize>load<u8>(goLeft + <usize>load<u8>(column + <usize>row));
    store<u32>(left, row);
    store<u32>(right, row);
    left += toLeft << 2;
    right += (toLeft ^ 1) << 2;
  }
  memory.copy(left, scratch, right - scratch);
  return <i32>((left - rows) >> 2);
}
