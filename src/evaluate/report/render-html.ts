import { GATED_RATES, type GateResult } from "../gates/check-gates.js";
import type { BiasMetricName } from "../gates/policy.js";
import type { EvaluationReport } from "./build-report.js";
import { barChart, escapeHtml, heatmap, lineChart } from "./svg.js";

/**
 * The style sheet of keel's HTML reports (evaluation, drift), so every report has one look.
 *
 * @example
 * ```ts
 * const head = `<style>${REPORT_CSS}</style>`;
 * ```
 */
export const REPORT_CSS = `body{font-family:system-ui,-apple-system,sans-serif;margin:24px auto;max-width:1120px;color:#111827;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
.meta{color:#6b7280;font-size:13px}table{border-collapse:collapse;font-size:13px}
td,th{padding:4px 10px;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:top;overflow-wrap:anywhere;max-width:420px}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th{white-space:nowrap}tr.muted td{color:#9ca3af}th.gated,td.gated{background:#eff6ff;font-weight:600}.evidence{background:#f3f4f6;border-radius:6px;padding:8px 12px;margin:12px 0;font-size:13px}.rule{color:#6b7280;font-size:12px;margin-top:4px}
.pass{color:#15803d;font-weight:600}.fail{color:#b91c1c;font-weight:600}.skipped{color:#6b7280;font-weight:600}
.grid{display:flex;flex-wrap:wrap;gap:16px}.card{border:1px solid #e5e7eb;border-radius:6px;padding:8px;background:#fff}
.banner{padding:8px 12px;border-radius:6px;margin:12px 0;font-weight:600}.banner.pass{background:#dcfce7}.banner.fail{background:#fee2e2}
`;

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
    report.gates ? biasGroups(report.gates.results) : "",
    metricTable(report),
    charts(report),
    segments(report),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)}</title>
<style>
${REPORT_CSS}</style></head><body>
${sections.join("\n")}
<script type="application/json" id="report-data">${JSON.stringify(report).replace(/</g, "\\u003c")}</script>
</body></html>
`;
}

function header(r: EvaluationReport): string {
  const positive = r.positive ? `, positive class '${escapeHtml(r.positive)}'` : "";
  const threshold = r.task === "binary" ? ` · decision threshold ${r.threshold}` : "";
  const evidence = r.evidence
    ? `<div class="evidence"><b>Judged on</b> ${escapeHtml(r.evidence.candidate.statement)}.${
        r.evidence.champion
          ? `<br><b>Champion judged on</b> ${escapeHtml(r.evidence.champion.statement)}.`
          : ""
      }<div class="rule">${escapeHtml(r.rule)}</div></div>`
    : `<div class="evidence"><div class="rule">${escapeHtml(r.rule)}</div></div>`;
  return `<h1>${escapeHtml(r.title)}</h1>
<div class="meta">${r.task} model · ${r.nRows} rows${positive}${threshold} · ${escapeHtml(r.createdAt)}</div>
${evidence}`;
}

function gateTable(results: readonly GateResult[], passed: boolean): string {
  const rows = results
    .map(
      (g) =>
        `<tr><td>${escapeHtml(g.name)}</td><td class="num">${num(g.value)}</td><td>${bounds(g)}</td><td class="${g.status}">${g.status}</td><td>${escapeHtml(detail(g))}</td></tr>`,
    )
    .join("");
  return `<h2>Gates</h2><div class="banner ${passed ? "pass" : "fail"}">${passed ? "All gates passed" : "A gate failed"}</div>
<table><tr><th>gate</th><th>value</th><th>threshold</th><th>result</th><th>why / notes</th></tr>${rows}</table>`;
}

/** Every bias gate's groups with all their rates, the gated rate highlighted: why it passed or failed. */
function biasGroups(results: readonly GateResult[]): string {
  const columns = [
    ["selectionRate", "selection rate"],
    ["truePositiveRate", "true positive rate"],
    ["falsePositiveRate", "false positive rate"],
  ] as const;
  const blocks = results
    .filter((g) => g.kind === "bias" && g.groups !== undefined && g.groups.length > 0)
    .map((g) => {
      const marked = GATED_RATES[g.metric.slice(0, g.metric.indexOf("[")) as BiasMetricName] ?? [];
      const cls = (key: string) => (marked.includes(key) ? ` class="gated"` : "");
      const numCls = (key: string) =>
        marked.includes(key) ? ` class="num gated"` : ` class="num"`;
      const head = columns.map(([key, label]) => `<th${cls(key)}>${label}</th>`).join("");
      const rows = g
        .groups!.map(
          (x) =>
            `<tr${x.judged ? "" : ` class="muted"`}><td title="${escapeHtml(x.key)}">${escapeHtml(x.key)}</td><td class="num">${x.size}</td><td class="num">${x.positives}</td>${columns
              .map(([key]) => `<td${numCls(key)}>${num(x.values[key] ?? Number.NaN)}</td>`)
              .join(
                "",
              )}<td>${x.judged ? "judged" : `not judged (under ${g.minGroupSize ?? ""} rows)`}</td></tr>`,
        )
        .join("");
      return `<h3 style="font-size:14px;margin:16px 0 6px">${escapeHtml(g.name)} — <span class="${g.status}">${g.status}</span></h3>
<table><tr><th>group</th><th>rows</th><th>positives</th>${head}<th></th></tr>${rows}</table>`;
    });
  if (blocks.length === 0) return "";
  return `<h2>Bias gates: rates by group</h2>${blocks.join("")}`;
}

function detail(g: GateResult): string {
  const parts: string[] = [];
  if (g.reason) parts.push(g.reason);
  if (g.source) {
    parts.push(
      g.championSource
        ? `candidate from ${g.source}, champion from ${g.championSource} predictions`
        : `from ${g.source} predictions`,
    );
  }
  if (g.comparison) {
    const c = g.comparison;
    parts.push(
      `candidate ${num(c.candidate)} vs champion ${num(c.baseline)}; ${Math.round(c.confidence * 100)}% CI of absolute improvement [${num(c.ci.absolute[0])}, ${num(c.ci.absolute[1])}], relative [${num(c.ci.relative[0])}, ${num(c.ci.relative[1])}]; resamples better / tied / worse: ${c.outcomes.better} / ${c.outcomes.tied} / ${c.outcomes.worse}${c.nSkipped > 0 ? `; ${c.nSkipped} undefined resamples left out` : ""}${c.nRelativeUndefined > 0 ? `; ${c.nRelativeUndefined} left out of the relative interval (champion at 0)` : ""}`,
    );
  }
  if (g.groups) parts.push("rates by group below");
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
  if (rows === "") {
    return `<h2>Metrics</h2><p>No metrics: there are no out-of-sample predictions of this model (see above).</p>`;
  }
  const cvHeader = r.cv ? `recipe ${r.cv.folds}-fold CV mean ± std` : "";
  const source = r.evidence?.candidate.source === "out-of-fold" ? "out-of-fold" : "holdout";
  const cvNote = r.cv
    ? `<p class="rule">The CV column refits the training recipe on the evaluation rows: it estimates the recipe, not this fitted model, and no gate reads it.</p>`
    : "";
  return `<h2>Metrics</h2><table><tr><th>metric</th><th>${source}</th><th>${cvHeader}</th><th></th></tr>${rows}</table>${cvNote}`;
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
        title:
          r.task === "binary"
            ? `Confusion matrix (threshold ${r.threshold})`
            : "Confusion matrix (most likely class)",
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
    if (s.note) return `<p>${escapeHtml(s.column)}: ${escapeHtml(s.note)}</p>`;
    const metricNames = Object.keys(s.groups[0]?.metrics ?? {});
    const bars = metricNames.map((m) =>
      barChart({
        title: `${m} by ${s.column}`,
        max: 1,
        bars: s.groups.map((g) => ({
          label: g.key.replace(`${s.column}=`, ""),
          value: g.metrics[m] ?? Number.NaN,
          note: `n=${g.size}${g.judged ? "" : ", not judged"}`,
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
