/**
 * The protobuf wire format, write side only: enough to emit ONNX models without a protobuf
 * dependency. Field numbers and types come from the caller; this file only knows encodings.
 */

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

const utf8 = new TextEncoder();

/**
 * Appends protobuf fields to a growing byte buffer. Nested messages are written by building them
 * with their own writer and passing the finished bytes to {@link ProtoWriter.message}.
 * Repeated numeric fields are written packed, which every protobuf parser accepts for proto2 and
 * proto3 messages alike.
 *
 * @example
 * ```ts
 * const opset = new ProtoWriter().string(1, "ai.onnx.ml").int64(2, 5).finish();
 * const model = new ProtoWriter().int64(1, 10).message(8, opset).finish();
 * ```
 */
export class ProtoWriter {
  #bytes = new Uint8Array(256);
  #length = 0;
  readonly #scratch = new DataView(new ArrayBuffer(8));

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /** An int64 / int32 / enum / bool field (varint; negative values take ten bytes). */
  int64(field: number, value: number | bigint): this {
    this.#tag(field, VARINT);
    this.#varint(value);
    return this;
  }

  /** A double field (fixed 64-bit, little-endian). */
  double(field: number, value: number): this {
    this.#tag(field, FIXED64);
    this.#fixed64(value);
    return this;
  }

  /** A float field (fixed 32-bit, little-endian; the value is rounded to float32). */
  float(field: number, value: number): this {
    this.#tag(field, FIXED32);
    this.#fixed32(value);
    return this;
  }

  /** A string field, UTF-8 encoded. */
  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** A bytes field (length-delimited). */
  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, LENGTH_DELIMITED);
    this.#varint(value.length);
    this.#append(value);
    return this;
  }

  /** An embedded message field, from the finished bytes of another writer. */
  message(field: number, encoded: Uint8Array): this {
    return this.bytes(field, encoded);
  }

  /** A packed repeated int64 / int32 / enum field. Nothing is written for an empty list. */
  packedInt64(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.#varint(values[i]!);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated double field. Nothing is written for an empty list. */
  packedDouble(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    this.#tag(field, LENGTH_DELIMITED);
    this.#varint(values.length * 8);
    for (let i = 0; i < values.length; i++) this.#fixed64(values[i]!);
    return this;
  }

  /** A packed repeated float field (values rounded to float32). Nothing is written for an empty list. */
  packedFloat(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    this.#tag(field, LENGTH_DELIMITED);
    this.#varint(values.length * 4);
    for (let i = 0; i < values.length; i++) this.#fixed32(values[i]!);
    return this;
  }

  /** The encoded bytes (a copy sized to the content). */
  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }

  #tag(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff)
      throw new RangeError(`protobuf field number must be in 1..2^29-1, got ${field}`);
    this.#varint(field * 8 + wireType);
  }

  #varint(value: number | bigint): void {
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value))
        throw new RangeError(`protobuf varint needs a safe integer, got ${value}`);
      if (value >= 0) {
        this.#reserve(10);
        // Division instead of shifts: shifts would truncate values above 2^31.
        let v = value;
        while (v >= 0x80) {
          this.#bytes[this.#length++] = (v % 0x80) | 0x80;
          v = Math.floor(v / 0x80);
        }
        this.#bytes[this.#length++] = v;
        return;
      }
      value = BigInt(value);
    }
    // Negative int64s are encoded as their 64-bit two's complement, always ten bytes.
    let v = BigInt.asUintN(64, value);
    this.#reserve(10);
    while (v >= 0x80n) {
      this.#bytes[this.#length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#bytes[this.#length++] = Number(v);
  }

  #fixed64(value: number): void {
    this.#scratch.setFloat64(0, value, true);
    this.#reserve(8);
    for (let b = 0; b < 8; b++) this.#bytes[this.#length++] = this.#scratch.getUint8(b);
  }

  #fixed32(value: number): void {
    this.#scratch.setFloat32(0, value, true);
    this.#reserve(4);
    for (let b = 0; b < 4; b++) this.#bytes[this.#length++] = this.#scratch.getUint8(b);
  }

  #append(chunk: Uint8Array): void {
    this.#reserve(chunk.length);
    this.#bytes.set(chunk, this.#length);
    this.#length += chunk.length;
  }

  #reserve(extra: number): void {
    const needed = this.#length + extra;
    if (needed <= this.#bytes.length) return;
    let size = this.#bytes.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }
}
