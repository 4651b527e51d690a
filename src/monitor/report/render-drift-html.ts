import { escapeHtml, REPORT_CSS, svgLabel } from "../../evaluate/index.js";
import type { ColumnDrift, DriftChart, DriftReport } from "./drift-types.js";

const W = 360;
const H = 200;
const PAD = { left: 36, right: 8, top: 26, bottom: 34 };
const REF = "#2563eb";
const CUR = "#ea580c";

/**
 * Reference and current shares over the same bins as paired bars (inline SVG).
 *
 * @example
 * ```ts
 * overlayChart("tenure", report.charts.tenure!);
 * ```
 */
export function overlayChart(title: string, chart: DriftChart): string {
  const k = chart.labels.length;
  const max = Math.max(1e-12, ...chart.reference, ...chart.current);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = k ? plotW / k : plotW;
  const bar = Math.max(1, slot / 2 - 1);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const parts = [
    svgLabel(title, 44, `x="6" y="16" font-size="12" font-weight="600"`),
    `<text x="${W - 8}" y="16" text-anchor="end" font-size="10"><tspan fill="${REF}">■ reference</tspan> <tspan fill="${CUR}">■ current</tspan></text>`,
    `<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${W - PAD.right}" y2="${PAD.top + plotH}" stroke="#9ca3af"/>`,
    `<text x="${PAD.left - 4}" y="${PAD.top + 8}" text-anchor="end" font-size="9">${fmt(max)}</text>`,
  ];
  for (let i = 0; i < k; i++) {
    const x0 = PAD.left + i * slot;
    const r = chart.reference[i] ?? 0;
    const c = chart.current[i] ?? 0;
    parts.push(
      `<rect x="${fmt(x0)}" y="${fmt(y(r))}" width="${fmt(bar)}" height="${fmt(PAD.top + plotH - y(r))}" fill="${REF}"><title>${escapeHtml(chart.labels[i] ?? "")}: reference ${fmt(r)}</title></rect>`,
      `<rect x="${fmt(x0 + bar + 1)}" y="${fmt(y(c))}" width="${fmt(bar)}" height="${fmt(PAD.top + plotH - y(c))}" fill="${CUR}"><title>${escapeHtml(chart.labels[i] ?? "")}: current ${fmt(c)}</title></rect>`,
    );
  }
  // Label at most ~8 bins so text never overlaps.
  const every = Math.max(1, Math.ceil(k / 8));
  for (let i = 0; i < k; i += every) {
    parts.push(
      svgLabel(
        chart.labels[i] ?? "",
        9,
        `x="${fmt(PAD.left + i * slot + slot / 2)}" y="${H - PAD.bottom + 14}" text-anchor="middle" font-size="9"`,
      ),
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif">${parts.join("")}</svg>`;
}

/**
 * Renders a drift report as one self-contained HTML file (inline CSS and SVG, no scripts or
 * network), in the evaluation report's style, with the report's JSON embedded. Its size grows
 * with the number of columns, not rows (one small chart per column).
 *
 * @example
 * ```ts
 * writeFileSync("drift.html", renderDriftHtml(driftReport(reference, current)));
 * ```
 */
export function renderDriftHtml(report: DriftReport): string {
  const verdict =
    report.status === "insufficient data"
      ? `<div class="banner skipped">Insufficient data: no column had at least ${report.minRows} values on both sides (minRows), so nothing was tested and no drift is reported</div>`
      : report.datasetDrift
        ? `<div class="banner fail">Dataset drift: ${report.driftedColumns} of ${report.testedColumns} columns drifted (share ${num(report.driftShare)} ≥ ${report.driftShareThreshold})</div>`
        : `<div class="banner pass">No dataset drift: ${report.driftedColumns} of ${report.testedColumns} columns drifted (share ${num(report.driftShare)} &lt; ${report.driftShareThreshold})</div>`;
  const corrections = [
    report.multipleTesting === "benjamini-hochberg"
      ? "p-values adjusted by Benjamini–Hochberg"
      : "",
    report.effectSizeFloor > 0 ? `effect-size floor ${report.effectSizeFloor}` : "",
    report.referenceSource === "profile"
      ? "reference from a stored profile (numeric tests on its reservoir sample)"
      : "",
  ].filter(Boolean);
  const rows = Object.entries(report.columns)
    .map(([name, c]) => columnRow(name, c, report))
    .join("");
  const p = report.prediction;
  const prediction = p
    ? `<h2>Prediction</h2>${
        p.relativeShift === null
          ? `<div class="banner skipped">Mean ${escapeHtml(p.column)}: insufficient data (${escapeHtml(p.drift.reason ?? `fewer than ${report.minRows} predictions`)}); no shift measured</div>`
          : `<div class="banner ${p.shifted ? "fail" : "pass"}">Mean ${escapeHtml(p.column)} ${num(p.meanReference)} → ${num(p.meanCurrent ?? Number.NaN)}: relative shift ${num(p.relativeShift * 100)}% (${p.shifted ? "above" : "within"} ${num(p.maxShift * 100)}%)</div>`
      }
<div class="grid"><div class="card">${overlayChart(`${p.column} distribution`, report.charts[p.column] ?? { labels: [], reference: [], current: [] })}</div></div>`
    : "";
  const charts = Object.keys(report.columns)
    .map((name) => {
      const chart = report.charts[name];
      return chart ? `<div class="card">${overlayChart(name, chart)}</div>` : "";
    })
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)}</title>
<style>${REPORT_CSS}</style></head><body>
<h1>${escapeHtml(report.title)}</h1>
<div class="meta">reference ${report.referenceRows} rows · current ${report.currentRows} rows · columns tested with at least ${report.minRows} values a side · ${escapeHtml(report.createdAt)}</div>
${verdict}${corrections.length ? `<div class="rule">${escapeHtml(corrections.join("; "))}</div>` : ""}
${prediction}
<h2>Columns</h2>
<table><tr><th>column</th><th>test</th><th>statistic</th><th>p-value</th><th>threshold</th><th>result</th><th>missing (ref → cur)</th><th>quality</th></tr>${rows}</table>
<h2>Distributions</h2><div class="grid">${charts}</div>
<script type="application/json" id="report-data">${JSON.stringify({ ...report, charts: undefined }).replace(/</g, "\\u003c")}</script>
</body></html>
`;
}

function columnRow(name: string, c: ColumnDrift, report: DriftReport): string {
  const q = report.dataQuality[name];
  const quality: string[] = [];
  if (q?.newCategoryCount)
    quality.push(
      `${q.newCategoryCount} new categor${q.newCategoryCount === 1 ? "y" : "ies"}: ${(q.newCategories ?? []).join(", ")}`,
    );
  if (q?.outOfRange?.count)
    quality.push(
      `${q.outOfRange.count} out of reference range (${num(q.outOfRange.share * 100)}%)`,
    );
  const p =
    c.pValue === undefined
      ? ""
      : c.adjustedPValue !== undefined
        ? `${num(c.adjustedPValue)} (raw ${num(c.pValue)})`
        : num(c.pValue);
  const result =
    c.status !== "ok"
      ? `<td class="skipped" title="${escapeHtml(c.reason ?? "")}">${c.status}</td>`
      : `<td class="${c.drifted ? "fail" : "pass"}">${c.drifted ? "drift" : "ok"}</td>`;
  const missing = q
    ? `${num(q.missingShareReference * 100)}% → ${num(q.missingShareCurrent * 100)}%`
    : "";
  return `<tr><td>${escapeHtml(name)}</td><td>${c.test}</td><td class="num">${c.statistic === null ? "—" : num(c.statistic)}</td><td class="num">${p}</td><td class="num">${c.test === "ks" || c.test === "chiSquare" || c.test === "zTest" ? "p &lt; " : "≥ "}${c.threshold}</td>${result}<td class="num">${missing}</td><td>${escapeHtml(quality.join("; "))}</td></tr>`;
}

function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Number(v.toPrecision(4)).toString();
}

function fmt(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}
