import { open } from "node:fs/promises";
import { fileError } from "./file-access.js";

/**
 * The header record of a delimited text file, as {@link readCsvHeader} found it.
 *
 * @example
 * ```ts
 * const { names, bytes, regular } = await readCsvHeader("data.csv", ",", '"');
 * ```
 */
export interface CsvHeader {
  /** The field names, in order (a BOM dropped). */
  readonly names: string[];
  /** The bytes the header takes, its line break included: where the data starts. */
  readonly bytes: number;
  /** The lines the header spans (more than 1 when a quoted name holds a line break). */
  readonly lines: number;
  /**
   * False when a quoted name has text after its closing quote (`"b"c`): RFC 4180 does not
   * allow it and DuckDB cannot skip such a record, so the reader starts after its bytes. Also
   * false when blank lines precede the header (pandas skips them; DuckDB's `skip` counts them).
   */
  readonly regular: boolean;
}

const CHUNK = 64 * 1024;

/**
 * Reads the first record of a delimited text file as RFC 4180 and pandas read it, however
 * long it is: a quote opens a quoted field only at the start of a field (`b"c` is the name
 * `b"c`), `""` inside quotes is one quote, a delimiter or line break inside quotes is part of
 * the name, and text after a closing quote is kept (`"b"c` is `bc`, as pandas reads it).
 *
 * @example
 * ```ts
 * (await readCsvHeader("sizes.csv", ",", '"')).names; // ['Screen size (")', "Price"]
 * ```
 */
export async function readCsvHeader(
  path: string,
  delimiter: string,
  quote: string,
): Promise<CsvHeader> {
  const parser = new HeaderParser(delimiter.charCodeAt(0), quote.charCodeAt(0));
  try {
    const handle = await open(path, "r");
    try {
      const buffer = new Uint8Array(CHUNK);
      for (let position = 0; ; ) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK, position);
        if (bytesRead === 0) return parser.finish();
        const done = parser.feed(buffer.subarray(0, bytesRead));
        if (done) return done;
        position += bytesRead;
      }
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw fileError(path, error);
  }
}

/** A byte-level state machine: delimiter, quote and line breaks are ASCII in UTF-8 text. */
class HeaderParser {
  readonly #delimiter: number;
  readonly #quote: number;
  readonly #fields: Uint8Array[] = [];
  #field: number[] = [];
  /** 0: at a field's start, 1: unquoted, 2: inside quotes, 3: just after a quote in quotes. */
  #state = 0;
  #consumed = 0;
  #lines = 1;
  #regular = true;
  #pendingCr = false;
  /** Before the header, the last byte was the CR of a blank line (its LF is the same break). */
  #blankCr = false;

  constructor(delimiter: number, quote: number) {
    this.#delimiter = delimiter;
    this.#quote = quote;
  }

  /** Feeds the next bytes; returns the header once its record has ended. */
  feed(bytes: Uint8Array): CsvHeader | undefined {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] as number;
      if (this.#consumed === 0 && i === 0 && b === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
        i += 2; // a byte order mark is not part of the first name (nor a blank line's text)
        continue;
      }
      if (this.#fields.length === 0 && this.#field.length === 0 && this.#state === 0) {
        // Blank lines before the header are skipped, as pandas does; DuckDB cannot skip them
        // (skip=1 counts lines), so the reader starts after the header's bytes instead.
        if (b === 0x0a || b === 0x0d) {
          if (!(b === 0x0a && this.#blankCr)) this.#lines++;
          this.#blankCr = b === 0x0d;
          this.#regular = false;
          continue;
        }
        this.#blankCr = false;
      }
      if (this.#pendingCr) {
        // A CR ended the record; a LF right after it belongs to the same line break.
        return this.#done(b === 0x0a ? this.#consumed + i + 1 : this.#consumed + i);
      }
      if (this.#state === 2) {
        if (b === this.#quote) this.#state = 3;
        else {
          if (b === 0x0a) this.#lines++;
          this.#field.push(b);
        }
        continue;
      }
      if (this.#state === 3) {
        if (b === this.#quote) {
          this.#field.push(b);
          this.#state = 2;
          continue;
        }
        this.#state = 1;
        if (b !== this.#delimiter && b !== 0x0a && b !== 0x0d) this.#regular = false;
      }
      if (b === this.#delimiter) {
        this.#endField();
      } else if (b === 0x0a) {
        this.#endField();
        return this.#done(this.#consumed + i + 1);
      } else if (b === 0x0d) {
        this.#endField();
        this.#pendingCr = true;
      } else if (b === this.#quote && this.#state === 0) {
        this.#state = 2;
      } else {
        this.#state = 1;
        this.#field.push(b);
      }
    }
    this.#consumed += bytes.length;
    return undefined;
  }

  /** The header of a file that ends inside its first record. */
  finish(): CsvHeader {
    if (!this.#pendingCr) this.#endField();
    return this.#done(this.#consumed);
  }

  #endField(): void {
    this.#fields.push(Uint8Array.from(this.#field));
    this.#field = [];
    this.#state = 0;
  }

  #done(bytes: number): CsvHeader {
    const decoder = new TextDecoder("utf-8");
    const names = this.#fields.map((f) => decoder.decode(f));
    if (names.length > 0) names[0] = (names[0] as string).replace(/^\uFEFF/, "");
    return { names, bytes, lines: this.#lines, regular: this.#regular };
  }
}
