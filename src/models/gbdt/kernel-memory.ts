import { KeelError } from "../../core/index.js";
import { gbdtKernelsWasm } from "./kernels/gbdt-kernels-wasm.js";

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
  ): void;
  subtract(a: number, b: number, n: number): void;
  accumulate(a: number, b: number, n: number): void;
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
}

let compiled: WebAssembly.Module | undefined;

/**
 * The compiled kernels module, compiled once per thread and cheap to send to workers.
 *
 * @example
 * ```ts
 * new Worker(source, { eval: true, workerData: { module: kernelsModule(), memory } });
 * ```
 */
export function kernelsModule(): WebAssembly.Module {
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
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): GbdtKernelExports {
  return new WebAssembly.Instance(module, { env: { memory } })
    .exports as unknown as GbdtKernelExports;
}

/**
 * One training run's working memory: a shared WebAssembly memory that holds the binned rows,
 * gradients, row order and histograms, so the WebAssembly kernels and the histogram threads all
 * read them in place. Allocation is a bump pointer: everything lives as long as the fit, and
 * the whole memory is dropped with it.
 *
 * @example
 * ```ts
 * const memory = KernelMemory.create(nRows * nFeatures);
 * const bins = memory.uint8(nRows * nFeatures);
 * const gh = memory.float64(2 * nRows);
 * ```
 */
export class KernelMemory {
  readonly memory: WebAssembly.Memory;
  readonly kernels: GbdtKernelExports;
  #top = ALIGN;

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
    const pages = Math.min(MAX_PAGES, Math.max(1, Math.ceil((expectedBytes + ALIGN) / PAGE_BYTES)));
    return new KernelMemory(
      new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true }),
    );
  }

  /** Bytes allocated so far. */
  get allocatedBytes(): number {
    return this.#top;
  }

  /** A zeroed byte array. */
  uint8(length: number): Uint8Array {
    const at = this.#allocate(length);
    return new Uint8Array(this.memory.buffer, at, length);
  }

  /** A zeroed array of 32-bit unsigned integers. */
  uint32(length: number): Uint32Array {
    const at = this.#allocate(4 * length);
    return new Uint32Array(this.memory.buffer, at, length);
  }

  /** A zeroed array of 32-bit signed integers. */
  int32(length: number): Int32Array {
    const at = this.#allocate(4 * length);
    return new Int32Array(this.memory.buffer, at, length);
  }

  /**
   * A copy of `source` in this memory, for a kernel to read; returns its byte offset.
   *
   * @example
   * ```ts
   * const leaves = memory.copyOf(forest.leaf); // pointer for the kernel
   * ```
   */
  copyOf(source: Int32Array | Uint32Array | Float64Array): number {
    const at = this.#allocate(source.byteLength);
    new Uint8Array(this.memory.buffer, at, source.byteLength).set(
      new Uint8Array(source.buffer, source.byteOffset, source.byteLength),
    );
    return at;
  }

  /** A zeroed array of doubles. */
  float64(length: number): Float64Array {
    const at = this.#allocate(8 * length);
    return new Float64Array(this.memory.buffer, at, length);
  }

  /** Reserves `bytes`; call it before reading `memory.buffer`, which growing replaces. */
  #allocate(bytes: number): number {
    const at = this.#top;
    const end = at + Math.ceil(bytes / ALIGN) * ALIGN;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE_BYTES);
      if (have / PAGE_BYTES + pages > MAX_PAGES) {
        throw new KeelError(
          "KEEL_ERR_UNSUPPORTED",
          `GBDT training needs ${Math.ceil(end / 2 ** 20)} MiB of working memory for the binned data, gradients and histograms; the limit is 4096 MiB (one WebAssembly memory). Train on fewer rows or features, for example a sample.`,
          { details: { neededBytes: end, limitBytes: MAX_PAGES * PAGE_BYTES } },
        );
      }
      this.memory.grow(pages);
    }
    this.#top = end;
    return at;
  }
}
