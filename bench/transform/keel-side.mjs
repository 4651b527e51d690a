// keel's side of bench/transform: prints one JSON line with timings.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { categoricalColumn, Frame, numericColumn } from "../../dist/core/index.js";
import { readFrame } from "../../dist/data/index.js";
import {
  ColumnTransformer,
  OneHotEncoder,
  Pipeline,
  SimpleImputer,
  StandardScaler,
  selectCategorical,
  selectNumeric,
} from "../../dist/transform/index.js";

const [dir, repeats] = [process.argv[2], Number(process.argv[3] ?? 3)];
const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
const n = meta.rows;
const numeric = new Float64Array(readFileSync(join(dir, "numeric.f64")).buffer.slice(0));
const codes = new Int32Array(readFileSync(join(dir, "categorical.i32")).buffer.slice(0));
const frame = Frame.fromColumns([
  ...meta.numeric.map((name, j) => [name, numericColumn(numeric.subarray(j * n, (j + 1) * n))]),
  ...meta.categorical.map((name, j) => [
    name,
    categoricalColumn(codes.subarray(j * n, (j + 1) * n), meta.levels[j]),
  ]),
]);

const preprocessing = () =>
  new ColumnTransformer([
    [
      "num",
      new Pipeline([
        ["impute", new SimpleImputer()],
        ["scale", new StandardScaler()],
      ]),
      selectNumeric(),
    ],
    ["cat", new OneHotEncoder({ handleUnknown: "ignore" }), selectCategorical()],
  ]);

const runs = [];
let shape;
for (let r = 0; r < repeats; r++) {
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const [t0, c0] = [process.hrtime.bigint(), cpu()];
  const fitted = await preprocessing().fit(frame);
  const [t1, c1] = [process.hrtime.bigint(), cpu()];
  const out = fitted.transform(frame);
  const [t2, c2] = [process.hrtime.bigint(), cpu()];
  shape = [out.nRows, out.nColumns];
  runs.push({
    fit: Number(t1 - t0) / 1e9,
    transform: Number(t2 - t1) / 1e9,
    fitCpu: c1 - c0,
    transformCpu: c2 - c1,
  });
}

// transformRecord on a 20-column Telco pipeline (19 features; churn is the target).
const telco = await readFrame(join(import.meta.dirname, "..", "..", "data", "telco_churn.csv"));
const x = telco.drop(["churn"]);
const served = await preprocessing().fit(x);
const records = x.toRecords();
const batch = 1000;
for (let i = 0; i < 20_000; i++) served.transformRecord(records[i % records.length]);
const perCall = [];
const perCallCpu = [];
for (let b = 0; b < 200; b++) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) served.transformRecord(records[(b * batch + i) % records.length]);
  perCall.push(Number(process.hrtime.bigint() - t0) / batch / 1000);
  const c = process.cpuUsage(c0);
  perCallCpu.push((c.user + c.system) / batch);
}
perCall.sort((a, b) => a - b);
perCallCpu.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    runs,
    shape,
    recordMedianMicros: perCall[perCall.length >> 1],
    recordMedianCpuMicros: perCallCpu[perCallCpu.length >> 1],
    recordColumnsIn: x.nColumns,
    recordColumnsOut: served.featureNamesOut().length,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
