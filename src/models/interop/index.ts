/**
 * Interop with other systems: import XGBoost JSON models, export GBDT models to ONNX.
 *
 * @module
 */
export {
  exportOnnx,
  ONNX_IR_VERSION,
  ONNX_ML_OPSET,
  ONNX_OPSET,
  type OnnxExportOptions,
  onnxVersions,
} from "./onnx-export.js";
export { importXgboostJson, keelThreshold, parseXgboostJsonText } from "./xgboost-json.js";
