import { KeelError } from "./errors.js";
import type { StateValue } from "./estimator.js";

const TYPED = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
} as const;

type DType = keyof typeof TYPED;
type Typed = InstanceType<(typeof TYPED)[DType]>;

/** A JSON-safe value: what {@link encodeState} produces. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

function dtypeOf(value: unknown): DType | undefined {
  for (const [name, ctor] of Object.entries(TYPED)) if (value instanceof ctor) return name as DType;
  return undefined;
}

/**
 * Turns state holding typed arrays into plain JSON. Typed arrays either go inline as base64
 * (`{ "$typed": "float64", "base64": … }`) or, when `buffers` is given, are appended to it and
 * referenced by index (`{ "$typed": "float64", "buffer": 0 }`), which is how model bundles keep
 * large arrays out of their JSON. Non-finite numbers are encoded as `{ "$num": "NaN" }` so they
 * survive JSON. Decoding gives back the same bytes.
 *
 * @example
 * ```ts
 * const json = encodeState({ means: Float64Array.of(1, 2) });
 * const back = decodeState(json); // { means: Float64Array [1, 2] }
 * ```
 */
export function encodeState(value: StateValue, buffers?: Uint8Array[]): JsonValue {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : { $num: String(value) };
  const dtype = dtypeOf(value);
  if (dtype !== undefined) {
    const typed = value as Typed;
    const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength).slice();
    if (buffers) {
      buffers.push(bytes);
      return { $typed: dtype, buffer: buffers.length - 1 };
    }
    return { $typed: dtype, base64: Buffer.from(bytes).toString("base64") };
  }
  if (Array.isArray(value)) return value.map((v: StateValue) => encodeState(v, buffers));
  const out: { [key: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(value as { [key: string]: StateValue }))
    out[k] = encodeState(v, buffers);
  return out;
}

/**
 * The inverse of {@link encodeState}. `buffers` must be the list `encodeState` filled.
 * Malformed input is a `KEEL_ERR_STATE_INVALID` error naming the JSON path.
 *
 * @example
 * ```ts
 * decodeState({ $typed: "int32", base64: "AQAAAA==" }); // Int32Array [1]
 * ```
 */
export function decodeState(
  json: unknown,
  buffers: readonly Uint8Array[] = [],
  path = "$",
): StateValue {
  if (
    json === null ||
    typeof json === "boolean" ||
    typeof json === "string" ||
    typeof json === "number"
  )
    return json;
  if (Array.isArray(json)) return json.map((v, i) => decodeState(v, buffers, `${path}[${i}]`));
  if (typeof json !== "object") {
    throw new KeelError(
      "KEEL_ERR_STATE_INVALID",
      `${path}: expected a JSON value. Got ${typeof json} instead.`,
      {
        details: { path },
      },
    );
  }
  const record = json as Record<string, unknown>;
  if (typeof record.$num === "string" && Object.keys(record).length === 1)
    return Number(record.$num);
  if (typeof record.$typed === "string") {
    const dtype = record.$typed as DType;
    const ctor = TYPED[dtype];
    if (ctor === undefined) {
      throw new KeelError(
        "KEEL_ERR_STATE_INVALID",
        `${path}: unknown typed-array dtype '${record.$typed}'.`,
        {
          details: { path, dtype: record.$typed },
        },
      );
    }
    let bytes: Uint8Array | undefined;
    if (typeof record.base64 === "string")
      bytes = new Uint8Array(Buffer.from(record.base64, "base64"));
    else if (typeof record.buffer === "number") bytes = buffers[record.buffer];
    if (bytes === undefined || bytes.byteLength % ctor.BYTES_PER_ELEMENT !== 0) {
      throw new KeelError(
        "KEEL_ERR_STATE_INVALID",
        `${path}: typed array data is missing or has a wrong length.`,
        {
          details: { path },
        },
      );
    }
    // Copy into a fresh, aligned buffer: the source may be a slice of a larger file.
    const aligned = new Uint8Array(bytes.byteLength);
    aligned.set(bytes);
    return new ctor(aligned.buffer, 0, bytes.byteLength / ctor.BYTES_PER_ELEMENT);
  }
  const out: { [key: string]: StateValue } = {};
  for (const [k, v] of Object.entries(record)) out[k] = decodeState(v, buffers, `${path}.${k}`);
  return out;
}
