import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Frame } from "../core/index.js";
import { fileError } from "./file-access.js";

/**
 * The version of a dataset: the hex SHA-256 of a file's bytes, or of a canonical encoding of
 * a Frame. Equal data gives equal versions: for a Frame the encoding covers the column
 * names, kinds and values in order (numbers as IEEE-754 little-endian doubles with one NaN
 * for every missing value, categoricals by their labels rather than their codes, strings as
 * length-prefixed UTF-8), so two frames with the same cells and kinds hash alike however
 * their dictionaries were built.
 *
 * @example
 * ```ts
 * await datasetVersion("data/telco_churn.csv"); // "9f2c…" (64 hex digits)
 * await datasetVersion(frame);
 * ```
 */
export async function datasetVersion(data: string | Frame): Promise<string> {
  if (data instanceof Frame) return frameDigest(data);
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(data, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
    }
  } catch (error) {
    throw fileError(data, error);
  }
  return hash.digest("hex");
}

function frameDigest(frame: Frame): string {
  const hash = createHash("sha256");
  hash.update("keel-frame-v1\n");
  writeInt(hash, frame.nRows);
  for (const [name, column] of frame.entries()) {
    writeString(hash, name);
    writeString(hash, column.kind);
    switch (column.kind) {
      case "numeric":
      case "timestamp": {
        const canonical = Float64Array.from(column.values, (v) =>
          Number.isNaN(v) ? Number.NaN : v,
        );
        hash.update(new Uint8Array(canonical.buffer));
        break;
      }
      case "boolean":
        hash.update(
          new Uint8Array(column.values.buffer, column.values.byteOffset, column.values.length),
        );
        break;
      case "categorical":
        for (const code of column.codes) {
          if (code < 0) writeInt(hash, -1);
          else writeString(hash, column.categories[code] ?? "");
        }
        break;
      case "string":
        for (const value of column.values) {
          if (value === null) writeInt(hash, -1);
          else writeString(hash, value);
        }
        break;
    }
  }
  return hash.digest("hex");
}

function writeInt(hash: Hash, value: number): void {
  const bytes = new DataView(new ArrayBuffer(8));
  bytes.setFloat64(0, value, true);
  hash.update(new Uint8Array(bytes.buffer));
}

function writeString(hash: Hash, value: string): void {
  const bytes = Buffer.from(value, "utf8");
  writeInt(hash, bytes.length);
  hash.update(bytes);
}
