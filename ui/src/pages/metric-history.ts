import { mlflowGet } from "../api";
import type { Series } from "../components/line-chart";
import { type Metric, metricNumber } from "../types";

/** A metric's full history for one run, as a chart series ordered by step. @example `const auc = await metricSeries(runId, "auc", "baseline");` */
export async function metricSeries(runId: string, key: string, label: string): Promise<Series> {
  const answer = await mlflowGet<{ metrics?: Metric[] }>("metrics/get-history", {
    run_id: runId,
    metric_key: key,
  });
  const points = (answer.metrics ?? [])
    .map((m) => ({ step: m.step, value: metricNumber(m.value), timestamp: m.timestamp }))
    .sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
  return { label, steps: points.map((p) => p.step), values: points.map((p) => p.value) };
}
