import { createReadStream, createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileError } from "./file-access.js";

const CR = 0x0d;
const LF = 0x0a;

/**
 * Whether a file holds a carriage return from byte `from` on: only such a file can mix line
 * endings (`\r\n`, `\r` and `\n` in one file), which DuckDB's CSV reader refuses and pandas
 * reads. Asked only after a read failed, so a clean file pays nothing for it.
 *
 * @example
 * ```ts
 * await holdsCarriageReturn("windows.csv", 0); // true
 * ```
 */
export async function holdsCarriageReturn(path: string, from = 0): Promise<boolean> {
  const buffer = Buffer.allocUnsafe(1 << 22);
  try {
    const handle = await open(path, "r");
    try {
      for (let position = from; ; ) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) return false;
        if (buffer.subarray(0, bytesRead).indexOf(CR) >= 0) return true;
        position += bytesRead;
      }
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw fileError(path, error);
  }
}

/**
 * Copies a delimited text file from byte `from` to `target` with every line break outside
 * quotes written as `\n` (`\r\n` and a lone `\r` alike), as pandas' parser accepts any of the
 * three in one file. Line breaks inside a quoted field are part of its value and are copied
 * unchanged; the number of lines stays the same, so line numbers in messages still hold.
 *
 * @example
 * ```ts
 * await copyWithUnifiedLineEndings("mixed.csv", "/tmp/x/body.csv", 4, '"');
 * ```
 */
export async function copyWithUnifiedLineEndings(
  path: string,
  target: string,
  from: number,
  quote: string,
): Promise<void> {
  try {
    await pipeline(
      createReadStream(path, { start: from, highWaterMark: 1 << 20 }),
      new LineEndingUnifier(quote.charCodeAt(0)),
      createWriteStream(target),
    );
  } catch (error) {
    throw fileError(path, error);
  }
}

/** The byte-level state machine of {@link copyWithUnifiedLineEndings}. */
class LineEndingUnifier extends Transform {
  #quoted = false;
  /** A `\r` ended the previous chunk: whether a `\n` follows decides nothing, it is a break. */
  #pendingCr = false;

  constructor(private readonly quote: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const out = Buffer.allocUnsafe(chunk.length);
    let n = 0;
    let i = 0;
    if (this.#pendingCr) {
      this.#pendingCr = false;
      // The `\n` of a `\r\n` split across chunks was already written as the `\r`'s `\n`.
      if (chunk[0] === LF) i = 1;
    }
    const quote = this.quote;
    for (; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (b === quote) {
        // `""` inside quotes toggles twice: the field stays quoted, as it should.
        this.#quoted = !this.#quoted;
      } else if (b === CR && !this.#quoted) {
        out[n++] = LF;
        if (i + 1 === chunk.length) this.#pendingCr = true;
        else if (chunk[i + 1] === LF) i++;
        continue;
      }
      out[n++] = b;
    }
    done(null, out.subarray(0, n));
  }
}
