// The part of the WebAssembly JavaScript API the GBDT kernels use. Node 20 provides it at run
// time, but @types/node 20 does not declare it, and lib "DOM" (where TypeScript keeps it) would
// declare a browser's globals too.

declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBufferLike;
    grow(pages: number): number;
  }
}
