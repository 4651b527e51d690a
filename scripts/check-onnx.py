"""Checks ONNX files with the onnx package's checker (full_check=True: the graph, every
operator against its schema at the imported opsets, and shape inference), as Debian's
python3-onnx (onnx 1.12) ships it. Prints one line per file and exits 1 if any fails.

Usage: /usr/bin/python3 scripts/check-onnx.py FILE.onnx...
(scripts/check-onnx-export.mjs writes keel's default exports of binary, multiclass and
regression models with categorical splits and runs this on them.)
"""
import sys

import onnx

failed = 0
for path in sys.argv[1:]:
    model = onnx.load(path)
    opsets = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    ops = sorted({f"{n.domain + '.' if n.domain else ''}{n.op_type}" for n in model.graph.node})
    try:
        onnx.checker.check_model(model, full_check=True)
        status = "ok"
    except Exception as error:  # noqa: BLE001 - report every failure the checker raises
        failed += 1
        status = f"FAILED: {error}"
    print(f"{path}: IR {model.ir_version}, opsets {opsets}, onnx {onnx.__version__}: {status}")
    print(f"  operators: {', '.join(ops)}")
sys.exit(1 if failed else 0)
