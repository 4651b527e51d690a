// Writes keel's default ONNX export (opset 17, ai.onnx.ml 3, IR 8) of a binary, a multiclass
// and a regression GBDT trained on Telco (categorical splits, missing values), and checks each
// with Debian's python3-onnx checker (scripts/check-onnx.py, full_check=True).
// Usage: npm run build && node scripts/check-onnx-export.mjs [--target-opset N]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { GbdtClassifier, GbdtRegressor, exportOnnx, readFrame } = await import(
  pathToFileURL(join(root, "dist", "index.js")).href
);
const at = process.argv.indexOf("--target-opset");
const options = at > 0 ? { targetOpset: Number(process.argv[at + 1]) } : {};

const telco = await readFrame(join(root, "data", "telco_churn.csv"));
const params = { nEstimators: 30, maxDepth: 4 };
const models = {
  binary: new GbdtClassifier({ ...params, positiveClass: "Yes" }).fit(
    telco.drop(["churn"]),
    telco.column("churn"),
  ),
  multiclass: new GbdtClassifier(params).fit(
    telco.drop(["payment_method"]),
    telco.column("payment_method"),
  ),
  regression: new GbdtRegressor(params).fit(
    telco.drop(["monthly_charges"]),
    telco.column("monthly_charges"),
  ),
};
const dir = mkdtempSync(join(tmpdir(), "keel-onnx-check-"));
try {
  const files = Object.entries(models).map(([name, model]) => {
    const file = join(dir, `${name}.onnx`);
    writeFileSync(file, exportOnnx(model, options));
    return file;
  });
  execFileSync("/usr/bin/python3", [join(root, "scripts", "check-onnx.py"), ...files], {
    stdio: "inherit",
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
