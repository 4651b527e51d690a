// AssemblyScript source of keel's GBDT kernels (training: histograms, partition, subtraction,
// lane sums; prediction: the padded-forest walks for batches and single rows), compiled to
// WebAssembly (SIMD, shared memory) by scripts/build-wasm.mjs into
// src/models/gbdt/kernels/gbdt-kernels-wasm.ts. Every pointer is a byte offset into the shared
// memory that src/models/gbdt/kernel-memory.ts allocates; the TypeScript side owns the layout
// and passes views' byteOffsets here. Why WebAssembly: these loops are scatter-adds and chains
// of dependent loads, and in JavaScript every load and store carries a bounds check; compiled
// here they run about 1.5-2x faster (bench/gbdt). Loops compare pointers against an end
// pointer; the allocator keeps the top 64 bytes of the 4 GiB space unused so none wraps.

/**
 * Sums the (gradient, hessian) pair of each row `rows[begin..end)` into the bins of features
 * `[featureBegin, featureEnd)`, after zeroing those features' part of `hist`.
 * `bins` is row-major, one byte per cell (`nFeatures` bytes per row); feature `f`'s bins start
 * at byte `slots[f]` of `hist` (u32 per feature, plus one for the end), as (gradient, hessian)
 * pairs; `gh` holds one pair per row. Rows are taken in pairs: the first of each pair is summed
 * into `hist`, the second into `spare` (a buffer of the same layout), and `spare` is added in at
 * the end. Two independent chains of additions: with few bins, consecutive rows often hit the
 * same bin, and one chain would wait for each store before the next add (about a third faster
 * on bench/gbdt's 204k × 7 table). Every bin's sum is (first rows, in row order) + (second
 * rows, in row order), so it depends on the row range alone, not on how features are split
 * across threads.
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
  spare: usize,
): void {
  const firstSlot = slots + ((<usize>featureBegin) << 2);
  const histBegin = hist + <usize>load<u32>(firstSlot);
  const histBytes = hist + <usize>load<u32>(slots + ((<usize>featureEnd) << 2)) - histBegin;
  memory.fill(histBegin, 0, histBytes);
  // `spare`'s bins lie at the same offsets from it as `hist`'s from `hist`.
  const toSpare = spare - hist;
  memory.fill(histBegin + toSpare, 0, histBytes);
  const width = <usize>(featureEnd - featureBegin);
  let i = begin;
  for (; i + 2 <= end; i += 2) {
    const ra = <usize>load<u32>(rows + ((<usize>i) << 2));
    const rb = <usize>load<u32>(rows + ((<usize>i) << 2), 4);
    const pa = v128.load(gh + (ra << 4));
    const pb = v128.load(gh + (rb << 4));
    let ca = bins + ra * <usize>nFeatures + <usize>featureBegin;
    let cb = bins + rb * <usize>nFeatures + <usize>featureBegin;
    const stop = ca + width;
    let slot = firstSlot;
    // Two features per step, each for both rows: four independent load-add-store chains.
    for (; ca + 2 <= stop; ca += 2, cb += 2, slot += 8) {
      const s0 = hist + <usize>load<u32>(slot);
      const s1 = hist + <usize>load<u32>(slot, 4);
      const a0 = s0 + ((<usize>load<u8>(ca)) << 4);
      const a1 = s1 + ((<usize>load<u8>(ca, 1)) << 4);
      const b0 = s0 + toSpare + ((<usize>load<u8>(cb)) << 4);
      const b1 = s1 + toSpare + ((<usize>load<u8>(cb, 1)) << 4);
      v128.store(a0, f64x2.add(v128.load(a0), pa));
      v128.store(a1, f64x2.add(v128.load(a1), pa));
      v128.store(b0, f64x2.add(v128.load(b0), pb));
      v128.store(b1, f64x2.add(v128.load(b1), pb));
    }
    for (; ca < stop; ca++, cb++, slot += 4) {
      const s0 = hist + <usize>load<u32>(slot);
      const a = s0 + ((<usize>load<u8>(ca)) << 4);
      const b = s0 + toSpare + ((<usize>load<u8>(cb)) << 4);
      v128.store(a, f64x2.add(v128.load(a), pa));
      v128.store(b, f64x2.add(v128.load(b), pb));
    }
  }
  if (i < end) {
    const r = <usize>load<u32>(rows + ((<usize>i) << 2));
    const pair = v128.load(gh + (r << 4));
    let cell = bins + r * <usize>nFeatures + <usize>featureBegin;
    const stop = cell + width;
    for (let slot = firstSlot; cell < stop; cell++, slot += 4) {
      const k = hist + <usize>load<u32>(slot) + ((<usize>load<u8>(cell)) << 4);
      v128.store(k, f64x2.add(v128.load(k), pair));
    }
  }
  const histEnd = histBegin + histBytes;
  for (let a = histBegin; a < histEnd; a += 16)
    v128.store(a, f64x2.add(v128.load(a), v128.load(a + toSpare)));
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
 * Sums of gradients, hessians and squared gradients over the rows `rows[begin..end)` into
 * `out` (three f64), each added in row order as the JavaScript loop it replaced did, so the
 * sums are the same to the bit (WebAssembly has no fused multiply-add to change a rounding).
 */
export function gradientSums(gh: usize, rows: usize, begin: i32, end: i32, out: usize): void {
  let g = 0.0;
  let h = 0.0;
  let g2 = 0.0;
  const stop = rows + ((<usize>end) << 2);
  for (let at = rows + ((<usize>begin) << 2); at < stop; at += 4) {
    const pair = gh + ((<usize>load<u32>(at)) << 4);
    const gi = load<f64>(pair);
    g += gi;
    g2 += gi * gi;
    h += load<f64>(pair, 8);
  }
  store<f64>(out, g);
  store<f64>(out, h, 8);
  store<f64>(out, g2, 16);
}

/**
 * One chunk `[begin, end)` of a partition shared between threads (first of two steps): the
 * chunk's rows whose bin `column[row]` has `goLeft[bin] == 1` go to `lefts[begin..]`, the
 * others to `rights[begin..]`, each in their order. Returns how many went left. Every chunk
 * writes only its own range of the two buffers, so chunks can run on any threads at once.
 */
export function partitionChunk(
  rows: usize,
  begin: i32,
  end: i32,
  column: usize,
  goLeft: usize,
  lefts: usize,
  rights: usize,
): i32 {
  const first = lefts + ((<usize>begin) << 2);
  let left = first;
  let right = rights + ((<usize>begin) << 2);
  const stop = rows + ((<usize>end) << 2);
  for (let at = rows + ((<usize>begin) << 2); at < stop; at += 4) {
    const row = load<u32>(at);
    const toLeft = <usize>load<u8>(goLeft + <usize>load<u8>(column + <usize>row));
    store<u32>(left, row);
    store<u32>(right, row);
    left += toLeft << 2;
    right += (toLeft ^ 1) << 2;
  }
  return <i32>((left - first) >> 2);
}

/**
 * The second step of a shared partition, for one chunk that {@link partitionChunk} split:
 * copies its `nLeft` left rows from `lefts[begin..]` to `rows[leftAt..]` and its other rows
 * from `rights[begin..]` to `rows[rightAt..]`. With every chunk's `leftAt` and `rightAt` the
 * running counts of the chunks before it, the result is exactly the one-thread partition.
 */
export function partitionPlace(
  lefts: usize,
  rights: usize,
  begin: i32,
  end: i32,
  nLeft: i32,
  rows: usize,
  leftAt: i32,
  rightAt: i32,
): void {
  const from = (<usize>begin) << 2;
  memory.copy(rows + ((<usize>leftAt) << 2), lefts + from, (<usize>nLeft) << 2);
  memory.copy(rows + ((<usize>rightAt) << 2), rights + from, (<usize>(end - begin - nLeft)) << 2);
}

/**
 * Adds a grown tree's leaf values to the scores of the rows at positions `[begin, end)` of the
 * row order `rows`: the leaves tile the positions left to right, leaf `l` ending at
 * `ends[l]` (u32, ascending) with value `values[l]` (f64). `score[row] += value` once per row,
 * so any split of the positions between threads gives the same sums.
 */
export function addLeaves(
  rows: usize,
  score: usize,
  ends: usize,
  values: usize,
  nLeaves: i32,
  begin: i32,
  end: i32,
): void {
  // The first leaf ending after `begin` (binary search: lossguide trees may have many leaves).
  let lo = 0;
  let hi = nLeaves;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (load<u32>(ends + ((<usize>mid) << 2)) > <u32>begin) hi = mid;
    else lo = mid + 1;
  }
  let i = begin;
  for (let l = lo; l < nLeaves && i < end; l++) {
    const stop = min(end, <i32>load<u32>(ends + ((<usize>l) << 2)));
    const v = load<f64>(values + ((<usize>l) << 3));
    for (; i < stop; i++) {
      const at = score + ((<usize>load<u32>(rows + ((<usize>i) << 2))) << 3);
      store<f64>(at, load<f64>(at) + v);
    }
  }
}

/** How {@link forestMargins} reads categorical splits; the cheapest mode a forest allows. */
const NUMERIC_ONLY = 0;
/**
 * Every category set fits in 64 bits and is kept in the node in place of the threshold; the
 * caller encodes categorical inputs as `1 << code` bit patterns (NaN stays missing).
 */
const NARROW_CATEGORIES = 1;
/** Some bitset is wider: categorical nodes point into `catBits`. */
const WIDE_CATEGORIES = 2;

/**
 * Which way a value goes at a padded-forest node: 1 for right, 0 for left, matching bit for bit
 * `goesRight` in src/models/gbdt/compiled-forest.ts (see there). A node is 16 bytes: 8 bytes of
 * split (the threshold as f64; for a categorical split in NARROW_CATEGORIES mode its 64-bit
 * category set, in WIDE_CATEGORIES mode the i32 index of its set's first word in `catBits`), the
 * feature as i32, and flags as i32 (bit 0: missing goes right, bit 1: categorical, bits 2 and
 * up: set length in 32-bit words). Conversions to i32 saturate (non-trapping), so a missing
 * value's code is 0 as JavaScript's `v | 0` gives; a code only matters at categorical splits,
 * whose inputs are small whole numbers or missing.
 */
@inline
function goesRight(node: usize, v: f64, catBits: usize, mode: i32): i32 {
  const flags = load<i32>(node, 12);
  const missing = <i32>isNaN(v);
  if (mode === NUMERIC_ONLY) return (flags & missing) | <i32>(v > load<f64>(node));
  if (mode === NARROW_CATEGORIES) {
    // Branch-free; inputs of categorical features arrive as the bit pattern `1 << code`, so
    // membership is one AND with the node's set (no float-to-int conversion).
    // Both rules evaluated, one picked by `select` (a conditional move, not a branch).
    const split = load<u64>(node);
    const outOfSet = <i32>((split & reinterpret<u64>(v)) === 0);
    const above = <i32>(v > reinterpret<f64>(split));
    const right = select<i32>(outOfSet, above, flags & 2);
    return select<i32>(flags & 1, right, missing);
  }
  if ((flags & 2) === 0) return (flags & missing) | <i32>(v > load<f64>(node));
  const code = <i32>v;
  const word = <u32>code >>> 5;
  const inRange = <i32>(word < <u32>flags >>> 2);
  const wordAt = <usize>(load<i32>(node) + <i32>word * inRange);
  const inSet = (load<u32>(catBits + (wordAt << 2)) >>> (<u32>code & 31)) & <u32>inRange;
  return (missing & flags) | ((<i32>inSet ^ 1) & (missing ^ 1));
}

/** One step down a padded tree from heap slot `slot` for the row at `row`. */
@inline
function step(nodes: usize, slot: usize, row: usize, catBits: usize, mode: i32): usize {
  const node = nodes + (slot << 4);
  const v = load<f64>(row + ((<usize>load<i32>(node, 8)) << 3));
  return 2 * slot + 1 + <usize>goesRight(node, v, catBits, mode);
}

/**
 * Adds the margins of trees `[0, nTrees)` of a padded forest (`2^depth - 1` nodes, see
 * {@link goesRight}, and `2^depth` leaves per tree, as `CompiledForest` in
 * src/models/gbdt/compiled-forest.ts) to `out` (`nRows × nOutputs`, already holding the base
 * scores) for rows `[rowBegin, rowEnd)` of row-major `x`, in the same order as the JavaScript
 * walk so every sum is bit-identical. Rows go through each tree in blocks that stay in cache,
 * eight rows descending together (independent chains of loads keep the CPU busy; eight beat
 * four by about 17% on numeric forests). `mode` says how categorical splits are stored (see
 * {@link goesRight}).
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
  mode: i32,
): void {
  const nInternal = (1 << depth) - 1;
  const rowBytes = (<usize>nFeatures) << 3;
  const outStep = (<usize>nOutputs) << 3;
  for (let b0 = rowBegin; b0 < rowEnd; b0 += 128) {
    const b1 = min(rowEnd, b0 + 128);
    const groupEnd = b0 + ((b1 - b0) & ~7);
    for (let t = 0; t < nTrees; t++) {
      const treeNodes = nodes + ((<usize>(t * nInternal)) << 4);
      const leafBase = leaf + ((<usize>(t * (nInternal + 1))) << 3) - ((<usize>nInternal) << 3);
      const k = load<i32>(treeOutput + ((<usize>t) << 2));
      let i = b0;
      for (; i < groupEnd; i += 8) {
        const r0 = x + <usize>i * rowBytes;
        const r1 = r0 + rowBytes;
        const r2 = r1 + rowBytes;
        const r3 = r2 + rowBytes;
        const r4 = r3 + rowBytes;
        const r5 = r4 + rowBytes;
        const r6 = r5 + rowBytes;
        const r7 = r6 + rowBytes;
        let s0: usize = 0;
        let s1: usize = 0;
        let s2: usize = 0;
        let s3: usize = 0;
        let s4: usize = 0;
        let s5: usize = 0;
        let s6: usize = 0;
        let s7: usize = 0;
        for (let d = 0; d < depth; d++) {
          s0 = step(treeNodes, s0, r0, catBits, mode);
          s1 = step(treeNodes, s1, r1, catBits, mode);
          s2 = step(treeNodes, s2, r2, catBits, mode);
          s3 = step(treeNodes, s3, r3, catBits, mode);
          s4 = step(treeNodes, s4, r4, catBits, mode);
          s5 = step(treeNodes, s5, r5, catBits, mode);
          s6 = step(treeNodes, s6, r6, catBits, mode);
          s7 = step(treeNodes, s7, r7, catBits, mode);
        }
        const o = out + ((<usize>(i * nOutputs + k)) << 3);
        store<f64>(o, load<f64>(o) + load<f64>(leafBase + (s0 << 3)));
        store<f64>(o + outStep, load<f64>(o + outStep) + load<f64>(leafBase + (s1 << 3)));
        store<f64>(o + 2 * outStep, load<f64>(o + 2 * outStep) + load<f64>(leafBase + (s2 << 3)));
        store<f64>(o + 3 * outStep, load<f64>(o + 3 * outStep) + load<f64>(leafBase + (s3 << 3)));
        store<f64>(o + 4 * outStep, load<f64>(o + 4 * outStep) + load<f64>(leafBase + (s4 << 3)));
        store<f64>(o + 5 * outStep, load<f64>(o + 5 * outStep) + load<f64>(leafBase + (s5 << 3)));
        store<f64>(o + 6 * outStep, load<f64>(o + 6 * outStep) + load<f64>(leafBase + (s6 << 3)));
        store<f64>(o + 7 * outStep, load<f64>(o + 7 * outStep) + load<f64>(leafBase + (s7 << 3)));
      }
      for (; i < b1; i++) {
        const row = x + <usize>i * rowBytes;
        let slot: usize = 0;
        for (let d = 0; d < depth; d++) slot = step(treeNodes, slot, row, catBits, mode);
        const o = out + ((<usize>(i * nOutputs + k)) << 3);
        store<f64>(o, load<f64>(o) + load<f64>(leafBase + (slot << 3)));
      }
    }
  }
}

/**
 * {@link forestMargins} for one row, four trees descending together: a single walk is a chain
 * of dependent loads, and trees are independent, so four chains at once keep the CPU busy.
 * Leaves are added to `out` in tree order, so sums stay bit-identical to the batch walk.
 */
export function rowMargins(
  row: usize,
  nTrees: i32,
  depth: i32,
  nodes: usize,
  catBits: usize,
  leaf: usize,
  treeOutput: usize,
  out: usize,
  mode: i32,
): void {
  const nInternal = (1 << depth) - 1;
  const treeBytes = (<usize>nInternal) << 4;
  const leafBytes = (<usize>(nInternal + 1)) << 3;
  const quadEnd = nTrees & ~3;
  let t = 0;
  for (; t < quadEnd; t += 4) {
    const n0 = nodes + <usize>t * treeBytes;
    const n1 = n0 + treeBytes;
    const n2 = n1 + treeBytes;
    const n3 = n2 + treeBytes;
    let s0: usize = 0;
    let s1: usize = 0;
    let s2: usize = 0;
    let s3: usize = 0;
    for (let d = 0; d < depth; d++) {
      s0 = step(n0, s0, row, catBits, mode);
      s1 = step(n1, s1, row, catBits, mode);
      s2 = step(n2, s2, row, catBits, mode);
      s3 = step(n3, s3, row, catBits, mode);
    }
    const l0 = leaf + <usize>t * leafBytes - ((<usize>nInternal) << 3);
    const o0 = out + ((<usize>load<i32>(treeOutput + ((<usize>t) << 2))) << 3);
    store<f64>(o0, load<f64>(o0) + load<f64>(l0 + (s0 << 3)));
    const o1 = out + ((<usize>load<i32>(treeOutput + ((<usize>t) << 2), 4)) << 3);
    store<f64>(o1, load<f64>(o1) + load<f64>(l0 + leafBytes + (s1 << 3)));
    const o2 = out + ((<usize>load<i32>(treeOutput + ((<usize>t) << 2), 8)) << 3);
    store<f64>(o2, load<f64>(o2) + load<f64>(l0 + 2 * leafBytes + (s2 << 3)));
    const o3 = out + ((<usize>load<i32>(treeOutput + ((<usize>t) << 2), 12)) << 3);
    store<f64>(o3, load<f64>(o3) + load<f64>(l0 + 3 * leafBytes + (s3 << 3)));
  }
  for (; t < nTrees; t++) {
    const treeNodes = nodes + <usize>t * treeBytes;
    let slot: usize = 0;
    for (let d = 0; d < depth; d++) slot = step(treeNodes, slot, row, catBits, mode);
    const l = leaf + <usize>t * leafBytes - ((<usize>nInternal) << 3);
    const o = out + ((<usize>load<i32>(treeOutput + ((<usize>t) << 2))) << 3);
    store<f64>(o, load<f64>(o) + load<f64>(l + (slot << 3)));
  }
}

/** `a[i] += b[i]` for `n` doubles (`n` even): folds a lane's partial histogram into the total. */
export function accumulate(a: usize, b: usize, n: i32): void {
  const stop = a + ((<usize>n) << 3);
  for (; a < stop; a += 16, b += 16) v128.store(a, f64x2.add(v128.load(a), v128.load(b)));
}

/**
 * Binary log-loss (gradient, hessian) pairs of rows `[begin, end)`: p = sigmoid(score),
 * g = (p - y) w, h = max(p (1 - p), 1e-16) w, as the JavaScript objective in
 * src/models/gbdt/objectives.ts (whose exp may differ in the last bit; a model always uses one).
 */
export function binaryGradients(
  score: usize,
  y: usize,
  w: usize,
  gh: usize,
  begin: i32,
  end: i32,
): void {
  for (let i = <usize>begin; i < <usize>end; i++) {
    const p = 1.0 / (1.0 + Math.exp(-load<f64>(score + (i << 3))));
    const weight = load<f64>(w + (i << 3));
    store<f64>(gh + (i << 4), (p - load<f64>(y + (i << 3))) * weight);
    store<f64>(gh + (i << 4), max(p * (1.0 - p), 1e-16) * weight, 8);
  }
}

/**
 * Encodes rows `[b0, b1)` for {@link rankedForestMargins}: each input the forest reads becomes
 * one byte, its rank among the thresholds its feature is split at (the number of thresholds
 * below it: `v > t_j` exactly when `rank > j`), a categorical code clamped to the first code no
 * split mentions, or 255 when missing. Rows are laid out in groups of eight, feature-major
 * within a group (byte `u * 8 + j` of a group is feature `u` of its row `j`), so the eight rows
 * walking a tree together share one base pointer. `features` holds 16 bytes per feature read:
 * the source column's pointer (row `b0` at `source + b0 * width`), its kind (0: f64 numbers,
 * NaN missing; 1: i32 category codes, -1 missing), then for numbers the pointer and length (a
 * power of two, padded with +Infinity) of its sorted thresholds, for codes the clamp code.
 */
function encodeRanks(features: usize, nUsed: i32, b0: i32, b1: i32, scratch: usize): void {
  const groupBytes = (<usize>nUsed) << 3;
  for (let u = 0; u < nUsed; u++) {
    const spec = features + ((<usize>u) << 4);
    const source = <usize>load<u32>(spec);
    const kind = load<i32>(spec, 4);
    let at = scratch + ((<usize>u) << 3);
    if (kind === 0) {
      const thresholds = <usize>load<u32>(spec, 8);
      const size = <usize>load<u32>(spec, 12);
      for (let i = b0; i < b1; ) {
        const stop = min(b1, i + 8);
        for (let j: usize = 0; i < stop; i++, j++) {
          const v = load<f64>(source + ((<usize>i) << 3));
          // Branch-free lower bound: how many thresholds lie below v (none for NaN).
          let rank: usize = 0;
          for (let step = size >> 1; step > 0; step >>= 1)
            rank += select<usize>(step, 0, load<f64>(thresholds + ((rank + step - 1) << 3)) < v);
          rank += <usize>(load<f64>(thresholds + (rank << 3)) < v);
          store<u8>(at + j, <u8>select<usize>(255, rank, isNaN(v)));
        }
        at += groupBytes;
      }
    } else {
      const clamp = load<u32>(spec, 8);
      for (let i = b0; i < b1; ) {
        const stop = min(b1, i + 8);
        for (let j: usize = 0; i < stop; i++, j++) {
          const code = load<i32>(source + ((<usize>i) << 2));
          const clamped = select<u32>(clamp, <u32>code, <u32>code > clamp);
          store<u8>(at + j, <u8>select<u32>(255, clamped, code < 0));
        }
        at += groupBytes;
      }
    }
  }
}

/**
 * How {@link rankedWalk} decides at a node, as a type so each walk is compiled for one rule:
 * `IntervalRule` goes right when `rank - low < width` (unsigned: `rank` in `[low, low +
 * width)`), `MaskRule` when bit `rank` of the node's 32-byte mask is set.
 */
type IntervalRule = u8;
type MaskRule = u16;

/**
 * One step down a ranked tree from `slot` with input byte `rank`: slots are byte offsets of
 * 4-byte nodes (the input's byte offset within a group as u16, then `low` and `width` as u8) in
 * heap order, and so is the result.
 */
@inline
function rankedStep<Rule>(nodes: usize, masks: usize, slot: usize, rank: u32): usize {
  let right: usize;
  if (sizeof<Rule>() === sizeof<IntervalRule>()) {
    right = <usize>(rank - <u32>load<u8>(nodes + slot, 2) < <u32>load<u8>(nodes + slot, 3));
  } else {
    const bits = <u32>load<u8>(masks + (slot << 3) + <usize>(rank >> 3));
    right = <usize>((bits >> (rank & 7)) & 1);
  }
  return (slot << 1) + 4 + (right << 2);
}

/**
 * Adds the margins of trees `[0, nTrees)` of a ranked forest (src/models/gbdt/ranked-forest.ts:
 * every tree padded to `depth` levels in heap order, `2^depth - 1` nodes of 4 bytes and, in mask
 * mode, 32-byte masks, then `2^depth` leaves) to `out` (`nRows × nOutputs`, holding the base
 * scores) for rows `[rowBegin, rowEnd)`, each tree's leaf added in tree order as the other
 * walks do, so sums are bit-identical. Rows are encoded `blockRows` at a time (a block small
 * enough for its encoded inputs to stay in L1) into `scratch` (`blockRows × nUsed` bytes, one
 * area per thread) by {@link encodeRanks}; every tree then
 * walks the block eight rows at a time, one byte load and one compare per level. `mode` 0 is
 * the interval rule, 1 the mask rule (see {@link rankedStep}).
 */
export function rankedForestMargins(
  features: usize,
  nUsed: i32,
  rowBegin: i32,
  rowEnd: i32,
  nOutputs: i32,
  nTrees: i32,
  depth: i32,
  nodes: usize,
  masks: usize,
  leaf: usize,
  treeOutput: usize,
  out: usize,
  mode: i32,
  scratch: usize,
  blockRows: i32,
): void {
  for (let b0 = rowBegin; b0 < rowEnd; b0 += blockRows) {
    const b1 = min(rowEnd, b0 + blockRows);
    encodeRanks(features, nUsed, b0, b1, scratch);
    if (mode === 0)
      rankedWalk<IntervalRule>(b0, b1, nUsed, nOutputs, nTrees, depth, nodes, masks, leaf, treeOutput, out, scratch);
    else
      rankedWalk<MaskRule>(b0, b1, nUsed, nOutputs, nTrees, depth, nodes, masks, leaf, treeOutput, out, scratch);
  }
}

/** Every tree over the encoded rows `[b0, b1)` in `scratch` (see {@link rankedForestMargins}). */
function rankedWalk<Rule>(
  b0: i32,
  b1: i32,
  nUsed: i32,
  nOutputs: i32,
  nTrees: i32,
  depth: i32,
  nodes: usize,
  masks: usize,
  leaf: usize,
  treeOutput: usize,
  out: usize,
  scratch: usize,
): void {
  const nInternal = (1 << depth) - 1;
  const treeBytes = (<usize>nInternal) << 2;
  const groupBytes = (<usize>nUsed) << 3;
  const outStep = (<usize>nOutputs) << 3;
  const nFull = (b1 - b0) >> 3;
  const tail = (b1 - b0) & 7;
  for (let t = 0; t < nTrees; t++) {
    const n = nodes + <usize>t * treeBytes;
    const m = masks + ((<usize>t * treeBytes) << 3);
    // Slots are byte offsets (4 × heap index), so a leaf's value lies at leafBase + 2 × slot.
    const leafBase = leaf + ((<usize>(t * (nInternal + 1) - nInternal)) << 3);
    const k = <usize>load<i32>(treeOutput + ((<usize>t) << 2));
    let g = scratch;
    let o = out + ((<usize>b0 * <usize>nOutputs + k) << 3);
    for (let group = 0; group < nFull; group++, g += groupBytes, o += outStep << 3) {
      let s0: usize = 0;
      let s1: usize = 0;
      let s2: usize = 0;
      let s3: usize = 0;
      let s4: usize = 0;
      let s5: usize = 0;
      let s6: usize = 0;
      let s7: usize = 0;
      // Row j's byte of the node's input is at g + (node's offset) + j.
      for (let d = 0; d < depth; d++) {
        s0 = rankedStep<Rule>(n, m, s0, <u32>load<u8>(g + <usize>load<u16>(n + s0)));
        s1 = rankedStep<Rule>(n, m, s1, <u32>load<u8>(g + <usize>load<u16>(n + s1), 1));
        s2 = rankedStep<Rule>(n, m, s2, <u32>load<u8>(g + <usize>load<u16>(n + s2), 2));
        s3 = rankedStep<Rule>(n, m, s3, <u32>load<u8>(g + <usize>load<u16>(n + s3), 3));
        s4 = rankedStep<Rule>(n, m, s4, <u32>load<u8>(g + <usize>load<u16>(n + s4), 4));
        s5 = rankedStep<Rule>(n, m, s5, <u32>load<u8>(g + <usize>load<u16>(n + s5), 5));
        s6 = rankedStep<Rule>(n, m, s6, <u32>load<u8>(g + <usize>load<u16>(n + s6), 6));
        s7 = rankedStep<Rule>(n, m, s7, <u32>load<u8>(g + <usize>load<u16>(n + s7), 7));
      }
      store<f64>(o, load<f64>(o) + load<f64>(leafBase + (s0 << 1)));
      store<f64>(o + outStep, load<f64>(o + outStep) + load<f64>(leafBase + (s1 << 1)));
      store<f64>(o + 2 * outStep, load<f64>(o + 2 * outStep) + load<f64>(leafBase + (s2 << 1)));
      store<f64>(o + 3 * outStep, load<f64>(o + 3 * outStep) + load<f64>(leafBase + (s3 << 1)));
      store<f64>(o + 4 * outStep, load<f64>(o + 4 * outStep) + load<f64>(leafBase + (s4 << 1)));
      store<f64>(o + 5 * outStep, load<f64>(o + 5 * outStep) + load<f64>(leafBase + (s5 << 1)));
      store<f64>(o + 6 * outStep, load<f64>(o + 6 * outStep) + load<f64>(leafBase + (s6 << 1)));
      store<f64>(o + 7 * outStep, load<f64>(o + 7 * outStep) + load<f64>(leafBase + (s7 << 1)));
    }
    for (let j = 0; j < tail; j++, o += outStep) {
      let s: usize = 0;
      for (let d = 0; d < depth; d++)
        s = rankedStep<Rule>(n, m, s, <u32>load<u8>(g + <usize>j + <usize>load<u16>(n + s)));
      store<f64>(o, load<f64>(o) + load<f64>(leafBase + (s << 1)));
    }
  }
}
