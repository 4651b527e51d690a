/**
 * Encoders for the ONNX protobuf messages the exporter needs (ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto), with the field numbers of onnx/onnx.proto.
 */
import { ProtoWriter } from "./protobuf-writer.js";

/**
 * TensorProto.DataType values used by the exporter: STRING types the categorical inputs and the
 * label output, DOUBLE the numeric ones and Cast targets; {@link tensor} writes DOUBLE, FLOAT and
 * UINT8 data.
 *
 * @example
 * ```ts
 * valueInfo("label", OnnxType.STRING, ["N"]);
 * attr.int("to", OnnxType.DOUBLE); // a Cast node's target type
 * ```
 */
export const OnnxType = {
  FLOAT: 1,
  UINT8: 2,
  STRING: 8,
  DOUBLE: 11,
} as const;

/**
 * An element type of {@link OnnxType}.
 *
 * @example
 * ```ts
 * const elemType: OnnxElemType = OnnxType.DOUBLE;
 * valueInfo("margins", elemType, ["N", 1]);
 * ```
 */
export type OnnxElemType = (typeof OnnxType)[keyof typeof OnnxType];

/** AttributeProto.AttributeType values. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 };

/**
 * One encoded AttributeProto, as {@link attr} returns it and {@link OnnxNode} takes it.
 *
 * @example
 * ```ts
 * const axis: OnnxAttribute = attr.int("axis", 1);
 * node({ opType: "Concat", inputs: ["a", "b"], outputs: ["ab"], name: "concat", attributes: [axis] });
 * ```
 */
export type OnnxAttribute = Uint8Array;

/**
 * A TensorProto holding `values` as little-endian raw data (double, float or uint8: the element
 * types the exporter's initializers and tensor attributes need).
 *
 * @example
 * ```ts
 * const t = tensor("base_score", OnnxType.DOUBLE, [2], Float64Array.of(0.1, -0.3));
 * ```
 */
export function tensor(
  name: string,
  type: typeof OnnxType.DOUBLE | typeof OnnxType.FLOAT | typeof OnnxType.UINT8,
  dims: readonly number[],
  values: ArrayLike<number>,
): Uint8Array {
  const raw =
    type === OnnxType.DOUBLE
      ? new Uint8Array(Float64Array.from(values).buffer)
      : type === OnnxType.FLOAT
        ? new Uint8Array(Float32Array.from(values).buffer)
        : Uint8Array.from(values);
  // Typed arrays are little-endian on every platform Node supports, as raw_data requires.
  const w = new ProtoWriter().packedInt64(1, dims).int64(2, type);
  if (name !== "") w.string(8, name);
  return w.bytes(9, raw).finish();
}

/**
 * Attribute encoders, one per AttributeProto type.
 *
 * @example
 * ```ts
 * const attrs = [attr.int("axis", 1), attr.ints("tree_roots", [0, 5])];
 * ```
 */
export const attr = {
  int: (name: string, value: number): OnnxAttribute =>
    new ProtoWriter().string(1, name).int64(20, AttrType.INT).int64(3, value).finish(),
  float: (name: string, value: number): OnnxAttribute =>
    new ProtoWriter().string(1, name).int64(20, AttrType.FLOAT).float(2, value).finish(),
  string: (name: string, value: string): OnnxAttribute =>
    new ProtoWriter().string(1, name).int64(20, AttrType.STRING).string(4, value).finish(),
  ints: (name: string, values: ArrayLike<number>): OnnxAttribute =>
    new ProtoWriter().string(1, name).int64(20, AttrType.INTS).packedInt64(8, values).finish(),
  floats: (name: string, values: ArrayLike<number>): OnnxAttribute =>
    new ProtoWriter().string(1, name).int64(20, AttrType.FLOATS).packedFloat(7, values).finish(),
  strings: (name: string, values: readonly string[]): OnnxAttribute => {
    const w = new ProtoWriter().string(1, name).int64(20, AttrType.STRINGS);
    for (const v of values) w.string(9, v);
    return w.finish();
  },
  tensor: (name: string, encodedTensor: Uint8Array): OnnxAttribute =>
    new ProtoWriter().string(1, name).int64(20, AttrType.TENSOR).message(5, encodedTensor).finish(),
};

/**
 * What {@link node} needs to encode a NodeProto. `domain` is empty (or absent) for the default
 * `ai.onnx` operators, `"ai.onnx.ml"` for TreeEnsemble and LabelEncoder.
 *
 * @example
 * ```ts
 * const cast: OnnxNode = {
 *   opType: "Cast",
 *   name: "tenure/to_double",
 *   inputs: ["tenure/code_f32"],
 *   outputs: ["tenure/code"],
 *   attributes: [attr.int("to", OnnxType.DOUBLE)],
 * };
 * const bytes = node(cast);
 * ```
 */
export interface OnnxNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name: string;
  readonly domain?: string;
  readonly attributes?: readonly OnnxAttribute[];
}

/**
 * A NodeProto.
 *
 * @example
 * ```ts
 * node({ opType: "Softmax", inputs: ["margins"], outputs: ["probabilities"], name: "softmax" });
 * ```
 */
export function node(n: OnnxNode): Uint8Array {
  const w = new ProtoWriter();
  for (const input of n.inputs) w.string(1, input);
  for (const output of n.outputs) w.string(2, output);
  w.string(3, n.name).string(4, n.opType);
  for (const a of n.attributes ?? []) w.message(5, a);
  if (n.domain !== undefined && n.domain !== "") w.string(7, n.domain);
  return w.finish();
}

/**
 * A ValueInfoProto for a tensor: element type and shape, where a string dimension is symbolic
 * (`"N"` for the batch) and a number is fixed.
 *
 * @example
 * ```ts
 * valueInfo("tenure", OnnxType.DOUBLE, ["N", 1], "numeric feature");
 * ```
 */
export function valueInfo(
  name: string,
  elemType: OnnxElemType,
  shape: readonly (number | string)[],
  doc?: string,
): Uint8Array {
  const dims = new ProtoWriter();
  for (const d of shape) {
    const dim =
      typeof d === "number" ? new ProtoWriter().int64(1, d) : new ProtoWriter().string(2, d);
    dims.message(1, dim.finish());
  }
  const tensorType = new ProtoWriter().int64(1, elemType).message(2, dims.finish()).finish();
  const type = new ProtoWriter().message(1, tensorType).finish();
  const w = new ProtoWriter().string(1, name).message(2, type);
  if (doc !== undefined) w.string(3, doc);
  return w.finish();
}

/**
 * What {@link model} needs to encode a ModelProto: `nodes`, `initializers`, `inputs` and
 * `outputs` are already encoded by {@link node}, {@link tensor} and {@link valueInfo}.
 *
 * @example
 * ```ts
 * const m: OnnxModel = {
 *   irVersion: 10,
 *   opsets: [{ domain: "", version: 21 }],
 *   producerName: "keel",
 *   graphName: "identity",
 *   nodes: [node({ opType: "Identity", inputs: ["x"], outputs: ["y"], name: "id" })],
 *   initializers: [],
 *   inputs: [valueInfo("x", OnnxType.DOUBLE, ["N", 1])],
 *   outputs: [valueInfo("y", OnnxType.DOUBLE, ["N", 1])],
 *   metadata: { "keel.type": "Identity" },
 * };
 * const bytes = model(m);
 * ```
 */
export interface OnnxModel {
  readonly irVersion: number;
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  readonly producerName: string;
  readonly producerVersion?: string;
  readonly docString?: string;
  readonly graphName: string;
  readonly nodes: readonly Uint8Array[];
  readonly initializers: readonly Uint8Array[];
  readonly inputs: readonly Uint8Array[];
  readonly outputs: readonly Uint8Array[];
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * A ModelProto with one graph.
 *
 * @example
 * ```ts
 * const bytes = model(m); // m: an OnnxModel, as in its example
 * ```
 */
export function model(m: OnnxModel): Uint8Array {
  const graph = new ProtoWriter();
  for (const n of m.nodes) graph.message(1, n);
  graph.string(2, m.graphName);
  for (const t of m.initializers) graph.message(5, t);
  for (const i of m.inputs) graph.message(11, i);
  for (const o of m.outputs) graph.message(12, o);
  const w = new ProtoWriter().int64(1, m.irVersion).string(2, m.producerName);
  if (m.producerVersion !== undefined) w.string(3, m.producerVersion);
  if (m.docString !== undefined) w.string(6, m.docString);
  w.message(7, graph.finish());
  for (const o of m.opsets)
    w.message(8, new ProtoWriter().string(1, o.domain).int64(2, o.version).finish());
  for (const [key, value] of Object.entries(m.metadata))
    w.message(14, new ProtoWriter().string(1, key).string(2, value).finish());
  return w.finish();
}
