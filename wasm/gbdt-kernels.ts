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

/**
 * 1 when value `v` goes right at the padded-forest node at byte `node`, else 0, without
 * branches: the same rule, bit for bit, as `goesRight` in src/models/gbdt/compiled-forest.ts
 * (see there). A node is 16 bytes: the threshold as f64 (for a categorical split, the i32 index
 * of its category bitset's first word in `catBits` instead), the feature as i32, and the flags as
 * i32 (bit 0: missing goes right, bit 1: categorical, bits 2 and up: bitset length in words).
 * The conversions to i32 saturate (non-trapping), so a missing value's code is 0 as JavaScript's
 * `v | 0` gives; a code only matters for categorical splits, whose inputs are small whole numbers.
 */
@inline
function goesRight(node: usize, v: f64, catBits: usize): i32 {
  const threshold = load<f64>(node);
  const bits = load<i32>(node, 12);
  const missing = <i32>isNaN(v);
  const isCategorical = (bits >>> 1) & 1;
  const code = <i32>v;
  const word = <u32>code >>> 5;
  const inRange = <i32>(word < <u32>bits >>> 2);
  const wordAt = <usize>((load<i32>(node) & -isCategorical) + <i32>word * inRange);
  const inSet = (load<u32>(catBits + (wordAt << 2)) >>> (<u32>code & 31)) & <u32>inRange;
  return (
    (missing & bits) |
    (isCategorical & (<i32>inSet ^ 1) & (missing ^ 1)) |
    ((isCategorical ^ 1) & <i32>(v > threshold))
  );
}

/** {@link goesRight} for a forest without categorical splits: a missing value fails `v > t`. */
@inline
function goesRightNumeric(node: usize, v: f64): i32 {
  return (load<i32>(node, 12) & <i32>isNaN(v)) | <i32>(v > load<f64>(node));
}

/** One step down a padded tree from heap slot `slot` for the row at `row`. */
@inline
function step(nodes: usize, slot: usize, row: usize, catBits: usize, categorical: bool): usize {
  const node = nodes + (slot << 4);
  const v = load<f64>(row + ((<usize>load<i32>(node, 8)) << 3));
  const right =
    categorical && (load<i32>(node, 12) & 2) !== 0
      ? goesRight(node, v, catBits)
      : goesRightNumeric(node, v);
  return 2 * slot + 1 + <usize>right;
}

/**
 * Adds the margins of trees `[0, nTrees)` of a padded forest (`2^depth - 1` nodes, see
 * {@link goesRight}, and `2^depth` leaves per tree, as `CompiledForest` in
 * src/models/gbdt/compiled-forest.ts) to `out` (`nRows × nOutputs`, already holding the base
 * scores) for rows `[rowBegin, rowEnd)` of row-major `x`, in the same order as the JavaScript
 * walk so every sum is bit-identical. Rows go through each tree in blocks that stay in cache,
 * four rows descending together. `categorical` is 0 when no split is categorical, which skips
 * the bitset work.
 */
export function forestMargins(
  x: usize,
  rowBegin: i32,
  rowEnd: i32,
  nFeatures: i32,
  nOutputs: i32,
  nTrees: i32,
  depth: i32,
  nodes: usize,
  catBits: usize,
  leaf: usize,
  treeOutput: usize,
  out: usize,
  categorical: bool,
): void {
  const nInternal = (1 << depth) - 1;
  const rowBytes = (<usize>nFeatures) << 3;
  const outStep = (<usize>nOutputs) << 3;
  for (let b0 = rowBegin; b0 < rowEnd; b0 += 128) {
    const b1 = min(rowEnd, b0 + 128);
    const quadEnd = b0 + ((b1 - b0) & ~3);
    for (let t = 0; t < nTrees; t++) {
      const treeNodes = nodes + ((<usize>(t * nInternal)) << 4);
      const leafBase = leaf + ((<usize>(t * (nInternal + 1))) << 3) - ((<usize>nInternal) << 3);
      const k = load<i32>(treeOutput + ((<usize>t) << 2));
      let i = b0;
      for (; i < quadEnd; i += 4) {
        const r0 = x + <usize>i * rowBytes;
        const r1 = r0 + rowBytes;
        const r2 = r1 + rowBytes;
        const r3 = r2 + rowBytes;
        let s0: usize = 0;
        let s1: usize = 0;
        let s2: usize = 0;
        let s3: usize = 0;
        for (let d = 0; d < depth; d++) {
          s0 = step(treeNodes, s0, r0, catBits, categorical);
          s1 = step(treeNodes, s1, r1, catBits, categorical);
          s2 = step(treeNodes, s2, r2, catBits, categorical);
          s3 = step(treeNodes, s3, r3, catBits, categorical);
        }
        const o = out + ((<usize>(i * nOutputs + k)) << 3);
        store<f64>(o, load<f64>(o) + load<f64>(leafBase + (s0 << 3)));
        store<f64>(o + outStep, load<f64>(o + outStep) + load<f64>(leafBase + (s1 << 3)));
        const o2 = o + 2 * outStep;
        store<f64>(o2, load<f64>(o2) + load<f64>(leafBase + (s2 << 3)));
        const o3 = o + 3 * outStep;
        store<f64>(o3, load<f64>(o3) + load<f64>(leafBase + (s3 << 3)));
      }
      for (; i < b1; i++) {
        const row = x + <usize>i * rowBytes;
        let slot: usize = 0;
        for (let d = 0; d < depth; d++) slot = step(treeNodes, slot, row, catBits, categorical);
        const o = out + ((<usize>(i * nOutputs + k)) << 3);
        store<f64>(o, load<f64>(o) + load<f64>(leafBase + (slot << 3)));
      }
    }
  }
}
