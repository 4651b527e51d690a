/** Which src/ modules each module may import (`"(root)"` is src/index.ts). */
export declare const ALLOWED: Readonly<Record<string, readonly string[]>>;
