import { KeelError } from "../../core/index.js";
import { gbdtKernelsReservedBytes, gbdtKernelsWasm } from "./kernels/gbdt-kernels-wasm.js";

const PAGE_BYTES = 65_536;
/** wasm32 addresses 4 GiB: 65,536 pages. */
const MAX_PAGES = 65_536;
/** Allocations start on 16-byte boundaries, as the kernels' SIMD loads and stores prefer. */
const ALIGN = 16;

/** The exports of wasm/gbdt-kernels.ts; pointers are byte offsets into the shared memory. */
export interface GbdtKernelExports {
  histogram(
    bins: number,
    nFeatures: number,
    gh: number,
    rows: number,
    begin: number,
    end: number,
    featureBegin: number,
    featureEnd: number,
    hist: number,
    slots: number,
    spare: number,
  ): void;
  subtract(a: number, b: number, n: number): void;
  accumulate(a: number, b: number, n: number): void;
  binaryGradients(
    score: number,
    y: number,
    w: number,
    gh: number,
    begin: number,
    end: number,
  ): void;
  forestMargins(
    x: number,
    rowBegin: number,
    rowEnd: number,
    nFeatures: number,
    nOutputs: number,
    nTrees: number,
    depth: number,
    nodes: number,
    catBits: number,
    leaf: number,
    treeOutput: number,
    out: number,
    mode: number,
  ): void;
  rankedForestMargins(
    inputs: number,
    nInputs: number,
    rowBegin: number,
    rowEnd: number,
    nOutputs: number,
    nTrees: number,
    depth: number,
    nodes: number,
    masks: number,
    leaf: number,
    treeOutput: number,
    out: number,
    mode: number,
    scratch: number,
    blockRows: number,
  ): void;
  rowMargins(
    row: number,
    nTrees: number,
    depth: number,
    nodes: number,
    catBits: number,
    leaf: number,
    treeOutput: number,
    out: number,
    mode: number,
  ): void;
  partition(
    rows: number,
    begin: number,
    end: number,
    column: number,
    goLeft: number,
    scratch: number,
  ): number;
  gradientSums(gh: number, rows: number, begin: number, end: number, out: number): void;
  partitionChunk(
    rows: number,
    begin: number,
    end: number,
    column: number,
    goLeft: number,
    lefts: number,
    rights: number,
  ): number;
  partitionPlace(
    lefts: number,
    rights: number,
    begin: number,
    end: number,
    nLeft: number,
    rows: number,
    leftAt: number,
    rightAt: number,
  ): void;
  addLeaves(
    rows: number,
    score: number,
    ends: number,
    values: number,
    nLeaves: number,
    begin: number,
    end: number,
  ): void;
}

/**
 * A shared `WebAssembly.Memory` as the rest of keel sees it. Declared here so that keel's type
 * declarations name no WebAssembly global (TypeScript keeps those in lib "DOM", which a
 * consumer of keel may not load).
 *
 * @example
 * ```ts
 * const memory: SharedWasmMemory = KernelMemory.create(0).memory;
 * ```
 */
export interface SharedWasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

/**
 * The compiled kernels (a `WebAssembly.Module`), opaque: only {@link instantiateKernels} looks
 * inside. Cheap to send to worker threads.
 *
 * @example
 * ```ts
 * const module: KernelsModule = kernelsModule();
 * ```
 */
export type KernelsModule = object;

let compiled: WebAssembly.Module | undefined;

/**
 * The compiled kernels module, compiled once per thread and cheap to send to workers.
 *
 * @example
 * ```ts
 * new Worker(source, { eval: true, workerData: { module: kernelsModule(), memory } });
 * ```
 */
export function kernelsModule(): KernelsModule {
  compiled ??= new WebAssembly.Module(Buffer.from(gbdtKernelsWasm, "base64"));
  return compiled;
}

/**
 * Instantiates the kernels over `memory` (on any thread that holds the memory).
 *
 * @example
 * ```ts
 * const kernels = instantiateKernels(kernelsModule(), memory);
 * ```
 */
export function instantiateKernels(
  module: KernelsModule,
  memory: SharedWasmMemory,
): GbdtKernelExports {
  return new WebAssembly.Instance(module as WebAssembly.Module, { env: { memory } })
    .exports as unknown as GbdtKernelExports;
}

/**
 * Usable bytes: wasm32 addresses 4 GiB, but the kernels' loops compare against an end pointer,
 * which must not wrap to 0, so the last 64 bytes stay unused.
 */
const MAX_BYTES = MAX_PAGES * PAGE_BYTES - 64;

/**
 * Working memory of the GBDT kernels: a shared WebAssembly memory holding what a kernel reads
 * and writes (a fit's binned rows, gradients, row order and histograms; a prediction batch's
 * forest, inputs and margins; a model's resident forest), so the kernels and helper threads
 * all use it in place. Allocation is a bump pointer; {@link reset} starts over for the next
 * batch, and the memory goes when its owner drops it. (Each memory reserves, but does not use,
 * about 10 GiB of address space: V8's guard regions for WebAssembly.)
 *
 * @example
 * ```ts
 * const memory = KernelMemory.create(nRows * nFeatures);
 * const bins = memory.uint8(nRows * nFeatures);
 * const gh = memory.float64(2 * nRows);
 * ```
 */
export class KernelMemory {
  readonly memory: SharedWasmMemory;
  readonly kernels: GbdtKernelExports;
  // The module's static data sits at the bottom, rewritten by every instantiation (a helper
  // thread's too): allocations start above it.
  #top = gbdtKernelsReservedBytes;
  /** Bytes below this were handed out before a {@link reset} and may hold old values. */
  #used = gbdtKernelsReservedBytes;

  private constructor(memory: WebAssembly.Memory) {
    this.memory = memory;
    this.kernels = instantiateKernels(kernelsModule(), memory);
  }

  /**
   * A memory with room for `expectedBytes` up front (it grows past that when needed).
   *
   * @example
   * ```ts
   * const memory = KernelMemory.create(50_000_000);
   * ```
   */
  static create(expectedBytes: number): KernelMemory {
    const bytes = expectedBytes + gbdtKernelsReservedBytes;
    const pages = Math.min(MAX_PAGES, Math.max(1, Math.ceil(bytes / PAGE_BYTES)));
    return new KernelMemory(
      new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true }),
    );
  }

  /** Bytes allocated so far. */
  get allocatedBytes(): number {
    return this.#top;
  }

  /**
   * Frees everything at once, keeping the memory (it never shrinks) for the next user. Earlier
   * views then alias later allocations: only the owner of every view may call this.
   *
   * @example
   * ```ts
   * memory.reset(); // next batch
   * ```
   */
  reset(): void {
    this.#used = Math.max(this.#used, this.#top);
    this.#top = gbdtKernelsReservedBytes;
  }

  /** A zeroed byte array. */
  uint8(length: number): Uint8Array {
    const at = this.#allocate(length, true);
    return new Uint8Array(this.memory.buffer, at, length);
  }

  /** A zeroed array of 32-bit unsigned integers. */
  uint32(length: number): Uint32Array {
    const at = this.#allocate(4 * length, true);
    return new Uint32Array(this.memory.buffer, at, length);
  }

  /**
   * An array of doubles, zeroed unless `zero` is false (for a caller that writes every element,
   * so a reused memory need not be cleared first).
   */
  float64(length: number, zero = true): Float64Array {
    const at = this.#allocate(8 * length, zero);
    return new Float64Array(this.memory.buffer, at, length);
  }

  /**
   * A copy of `source` in this memory, for a kernel to read; returns its byte offset.
   *
   * @example
   * ```ts
   * const leaves = memory.copyOf(forest.leaf); // pointer for the kernel
   * ```
   */
  copyOf(source: Uint8Array | Int32Array | Uint32Array | Float64Array): number {
    const at = this.#allocate(source.byteLength, false);
    new Uint8Array(this.memory.buffer, at, source.byteLength).set(
      new Uint8Array(source.buffer, source.byteOffset, source.byteLength),
    );
    return at;
  }

  /** Reserves `bytes`; call it before reading `memory.buffer`, which growing replaces. */
  #allocate(bytes: number, zero: boolean): number {
    const at = this.#top;
    const end = at + Math.ceil(bytes / ALIGN) * ALIGN;
    if (end > MAX_BYTES) {
      throw new KeelError(
        "KEEL_ERR_UNSUPPORTED",
        `The GBDT kernels need ${Math.ceil(end / 2 ** 20)} MiB of working memory here (binned data, gradients and histograms when training; inputs and margins when predicting); one WebAssembly memory holds at most 4096 MiB. Use fewer rows or features at once, for example a sample or smaller batches.`,
        { details: { neededBytes: end, limitBytes: MAX_BYTES } },
      );
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE_BYTES));
    // Fresh pages are zero; only bytes handed out before a reset need clearing.
    if (zero && at < this.#used)
      new Uint8Array(this.memory.buffer, at, Math.min(end, this.#used) - at).fill(0);
    this.#top = end;
    return at;
  }
}
