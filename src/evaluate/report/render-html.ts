import type { GateResult } from "../gates/check-gates.js";
import type { EvaluationReport } from "./build-report.js";
import { barChart, escapeHtml, heatmap, lineChart } from "./svg.js";

/**
 * Renders the report as one self-contained HTML file: inline CSS and SVG, no scripts, no
 * network. The report's data is embedded as JSON too, so the file alone is the record.
 *
 * @example
 * ```ts
 * writeFileSync("report.html", renderReportHtml(buildReport({ predictions, gates })));
 * ```
 */
export function renderReportHtml(report: EvaluationReport): string {
  const sections = [
    header(report),
    report.gates ? gateTable(report.gates.results, report.gates.passed) : "",
    metricTable(report),
    charts(report),
    segments(report),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)}</title>
<style>
body{font-family:system-ui,-apple-system,sans-serif;margin:24px auto;max-width:1120px;color:#111827;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
.meta{color:#6b7280;font-size:13px}table{border-collapse:collapse;font-size:13px}
td,th{padding:4px 10px;border-bottom:1px solid #e5e7eb;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#15803d;font-weight:600}.fail{color:#b91c1c;font-weight:600}.skipped{color:#6b7280;font-weight:600}
.grid{display:flex;flex-wrap:wrap;gap:16px}.card{border:1px solid #e5e7eb;border-radius:6px;padding:8px;background:#fff}
.banner{padding:8px 12px;border-radius:6px;margin:12px 0;font-weight:600}.banner.pass{background:#dcfce7}.banner.fail{background:#fee2e2}
</style></head><body>
${sections.join("\n")}
<script type="application/json" id="report-data">${JSON.stringify(report).replace(/</g, "\\u003c")}</script>
</body></html>
`;
}

function header(r: EvaluationReport): string {
  const positive = r.positive ? `, positive class '${escapeHtml(r.positive)}'` : "";
  return `<h1>${escapeHtml(r.title)}</h1>
<div class="meta">${r.task} model · ${r.nRows} rows${positive} · decision threshold ${r.threshold} · ${escapeHtml(r.createdAt)}</div>`;
}

function gateTable(results: readonly GateResult[], passed: boolean): string {
  const rows = results
    .map(
      (g) =>
        `<tr><td>${escapeHtml(g.name)}</td><td class="num">${num(g.value)}</td><td>${bounds(g)}</td><td class="${g.status}">${g.status}</td><td>${escapeHtml(detail(g))}</td></tr>`,
    )
    .join("");
  return `<h2>Gates</h2><div class="banner ${passed ? "pass" : "fail"}">${passed ? "All gates passed" : "A gate failed"}</div>
<table><tr><th>gate</th><th>value</th><th>threshold</th><th>result</th><th>notes</th></tr>${rows}</table>`;
}

function detail(g: GateResult): string {
  const parts: string[] = [];
  if (g.source) parts.push(`from ${g.source}`);
  if (g.comparison) {
    const c = g.comparison;
    parts.push(
      `candidate ${num(c.candidate)} vs champion ${num(c.baseline)}; ${Math.round(c.confidence * 100)}% CI of relative improvement [${num(c.ci.relative[0])}, ${num(c.ci.relative[1])}]`,
    );
  }
  if (g.groups)
    parts.push(
      g.groups.map((x) => `${x.key} n=${x.size}${x.judged ? "" : " (not judged)"}`).join(", "),
    );
  if (g.reason) parts.push(g.reason);
  return parts.join("; ");
}

function metricTable(r: EvaluationReport): string {
  const rows = Object.entries(r.metrics)
    .map(([key, value]) => {
      const cvMean = r.cv?.mean[key];
      const cv =
        cvMean === undefined ? "" : `${num(cvMean)} ± ${num(r.cv?.std[key] ?? Number.NaN)}`;
      return `<tr><td>${escapeHtml(key)}</td><td class="num">${value === null ? `undefined` : num(value)}</td><td class="num">${cv}</td><td>${escapeHtml(r.notes[key] ?? "")}</td></tr>`;
    })
    .join("");
  const cvHeader = r.cv ? `${r.cv.folds}-fold CV mean ± std` : "";
  return `<h2>Metrics</h2><table><tr><th>metric</th><th>value</th><th>${cvHeader}</th><th></th></tr>${rows}</table>`;
}

function charts(r: EvaluationReport): string {
  const cards: string[] = [];
  if (r.curves) {
    const c = r.curves;
    cards.push(
      lineChart({
        title: `ROC (AUC ${num(r.metrics.rocAuc ?? Number.NaN)})`,
        xLabel: "false positive rate",
        yLabel: "true positive rate",
        series: [{ name: "model", ...c.roc }],
        diagonal: true,
      }),
      lineChart({
        title: `Precision-recall (AP ${num(r.metrics.averagePrecision ?? Number.NaN)})`,
        xLabel: "recall",
        yLabel: "precision",
        series: [{ name: "model", ...c.precisionRecall }],
      }),
      lineChart({
        title: "Calibration (10 bins)",
        xLabel: "mean predicted probability",
        yLabel: "observed frequency",
        series: [{ name: "model", ...c.calibration, points: true }],
        diagonal: true,
      }),
      lineChart({
        title: "Cumulative gain",
        xLabel: "fraction of rows flagged (by score)",
        yLabel: "fraction of positives captured",
        series: [{ name: "model", ...c.gain }],
        diagonal: true,
      }),
      barChart({
        title: "Lift in the top k% of scores",
        bars: c.lift.map((l) => ({ label: `top ${Math.round(l.k * 100)}%`, value: l.lift })),
      }),
    );
  }
  if (r.confusionMatrix) {
    cards.push(
      heatmap({
        title: `Confusion matrix (threshold ${r.threshold})`,
        labels: r.confusionMatrix.labels,
        matrix: r.confusionMatrix.matrix,
      }),
    );
  }
  if (cards.length === 0) return "";
  return `<h2>Charts</h2><div class="grid">${cards.map((c) => `<div class="card">${c}</div>`).join("")}</div>`;
}

function segments(r: EvaluationReport): string {
  if (r.segments.length === 0) return "";
  const blocks = r.segments.map((s) => {
    const metricNames = Object.keys(s.groups[0]?.metrics ?? {});
    const bars = metricNames.map((m) =>
      barChart({
        title: `${m} by ${s.column}`,
        max: 1,
        bars: s.groups.map((g) => ({
          label: g.key.replace(`${s.column}=`, ""),
          value: g.metrics[m] ?? Number.NaN,
          note: `n=${g.size}${g.judged ? "" : `, < ${s.minGroupSize}: not judged`}`,
          muted: !g.judged,
        })),
      }),
    );
    return `<div class="grid">${bars.map((b) => `<div class="card">${b}</div>`).join("")}</div>`;
  });
  return `<h2>Segments</h2>${blocks.join("")}`;
}

function bounds(g: GateResult): string {
  const parts: string[] = [];
  if (g.threshold.min !== undefined) parts.push(`≥ ${g.threshold.min}`);
  if (g.threshold.max !== undefined) parts.push(`≤ ${g.threshold.max}`);
  return parts.join(" and ");
}

function num(v: number | null): string {
  if (v === null || Number.isNaN(v)) return "—";
  return Number(v.toPrecision(4)).toString();
}
