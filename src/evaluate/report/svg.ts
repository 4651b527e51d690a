/**
 * Minimal inline-SVG charts for the evaluation report: no library, no network, readable in
 * any browser and in a file viewer. Coordinates are in a fixed viewBox so charts scale.
 */

const WIDTH = 360;
const HEIGHT = 280;
const PAD = { left: 48, right: 12, top: 28, bottom: 40 };
const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c"];

/**
 * One line of a {@link lineChart}.
 *
 * @example
 * ```ts
 * lineChart({ title: "ROC", xLabel: "FPR", yLabel: "TPR", series: [{ name: "model", x: fpr, y: tpr }] });
 * ```
 */
export interface Series {
  readonly name: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** Draw markers instead of a line (calibration points). */
  readonly points?: boolean;
}

/**
 * Escapes text for HTML and SVG.
 *
 * @example
 * ```ts
 * escapeHtml("a < b"); // "a &lt; b"
 * ```
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/**
 * A text label that fits `maxChars`: cut in the middle with "…" when longer, the full text kept as a
 * `<title>` child so browsers show it on hover. Attributes go on the `<text>` element.
 *
 * @example
 * ```ts
 * svgLabel("Electronic check (automatic)", 12, 'x="10" y="20"'); // <text …>Electr…matic)<title>…</title></text>
 * ```
 */
export function svgLabel(text: string, maxChars: number, attributes: string): string {
  const chars = [...text];
  // Cut in the middle: class names often share a prefix ("Consumer - prepaid", "Consumer -
  // postpaid") and differ at the end, so both ends stay.
  const head = Math.ceil((maxChars - 1) / 2);
  const tail = Math.max(0, maxChars - 1 - head);
  const shown =
    chars.length > maxChars
      ? `${chars.slice(0, head).join("")}…${tail > 0 ? chars.slice(-tail).join("") : ""}`
      : text;
  return `<text ${attributes}>${escapeHtml(shown)}<title>${escapeHtml(text)}</title></text>`;
}

/**
 * A line chart on [0, 1] × [0, 1] axes by default, with an optional diagonal reference.
 *
 * @example
 * ```ts
 * lineChart({ title: "ROC", xLabel: "FPR", yLabel: "TPR", series: [{ name: "model", x: fpr, y: tpr }], diagonal: true });
 * ```
 */
export function lineChart(options: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  diagonal?: boolean;
  yMax?: number;
  reference?: { y: number; label: string };
}): string {
  const yMax = options.yMax ?? 1;
  const sx = (x: number) => PAD.left + x * (WIDTH - PAD.left - PAD.right);
  const sy = (y: number) => HEIGHT - PAD.bottom - (y / yMax) * (HEIGHT - PAD.top - PAD.bottom);
  const parts: string[] = [frame(options.title, options.xLabel, options.yLabel, yMax)];
  if (options.diagonal) {
    parts.push(
      `<line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(1)}" y2="${sy(Math.min(1, yMax))}" stroke="#9ca3af" stroke-dasharray="4 4"/>`,
    );
  }
  if (options.reference) {
    const y = sy(options.reference.y);
    parts.push(
      `<line x1="${sx(0)}" y1="${y}" x2="${sx(1)}" y2="${y}" stroke="#9ca3af" stroke-dasharray="4 4"/>`,
      `<text x="${sx(1) - 4}" y="${y - 4}" text-anchor="end" font-size="10" fill="#6b7280">${escapeHtml(options.reference.label)}</text>`,
    );
  }
  options.series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length]!;
    const xy = Array.from({ length: s.x.length }, (_, i) => [
      sx(s.x[i] as number),
      sy(Math.min(yMax, s.y[i] as number)),
    ]);
    if (s.points) {
      for (const [x, y] of xy)
        parts.push(`<circle cx="${fmt(x!)}" cy="${fmt(y!)}" r="3.5" fill="${color}"/>`);
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="1" points="${xy.map(([x, y]) => `${fmt(x!)},${fmt(y!)}`).join(" ")}"/>`,
      );
    } else {
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${xy.map(([x, y]) => `${fmt(x!)},${fmt(y!)}`).join(" ")}"/>`,
      );
    }
    parts.push(
      `<text x="${PAD.left + 8}" y="${PAD.top + 14 + 14 * k}" font-size="11" fill="${color}">${escapeHtml(s.name)}</text>`,
    );
  });
  return svg(parts);
}

/**
 * Horizontal bars with a label and a note (group size) per bar, values on [0, max].
 *
 * @example
 * ```ts
 * barChart({ title: "recall by segment", bars: [{ label: "senior", value: 0.7, note: "n=1142" }] });
 * ```
 */
export function barChart(options: {
  title: string;
  bars: readonly { label: string; value: number; note?: string; muted?: boolean }[];
  max?: number;
}): string {
  const rowHeight = 26;
  const height = PAD.top + 12 + rowHeight * options.bars.length;
  const labelWidth = 150;
  // Room right of the longest bar for its value and note ("0.750  (n=12, not judged)").
  const barSpace = WIDTH + 120 - labelWidth - 170;
  const max =
    options.max ??
    Math.max(1e-12, ...options.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)));
  const parts = [svgLabel(options.title, 70, `x="8" y="18" font-size="13" font-weight="600"`)];
  options.bars.forEach((bar, i) => {
    const y = PAD.top + i * rowHeight;
    const w = Number.isFinite(bar.value) ? (bar.value / max) * barSpace : 0;
    parts.push(
      // ~6 px a character at 11 px: long group names are cut to the label column, not drawn over the bars.
      svgLabel(
        bar.label,
        Math.floor((labelWidth - 10) / 6),
        `x="${labelWidth - 6}" y="${y + 15}" text-anchor="end" font-size="11"`,
      ),
      `<rect x="${labelWidth}" y="${y + 3}" width="${fmt(Math.max(0, w))}" height="${rowHeight - 8}" fill="${bar.muted ? "#cbd5e1" : COLORS[0]}"/>`,
      `<text x="${labelWidth + Math.max(0, w) + 4}" y="${y + 15}" font-size="11">${Number.isFinite(bar.value) ? bar.value.toFixed(3) : "undefined"}${bar.note ? `  (${escapeHtml(bar.note)})` : ""}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH + 120} ${height}" width="${WIDTH + 120}" height="${height}" font-family="system-ui, sans-serif">${parts.join("")}</svg>`;
}

/**
 * A confusion matrix as a shaded grid with counts. Cells keep a readable size however many
 * classes there are (the chart grows instead); column labels are slanted and, like row
 * labels, cut with "…" past 20 characters, the full name shown on hover.
 *
 * @example
 * ```ts
 * heatmap({ title: "Confusion matrix", labels: ["No", "Yes"], matrix: [[50, 5], [8, 20]] });
 * ```
 */
export function heatmap(options: {
  title: string;
  labels: readonly string[];
  matrix: readonly (readonly number[])[];
}): string {
  const k = options.labels.length;
  const cell = Math.max(30, Math.min(90, 240 / k));
  const maxChars = 20;
  const longest = Math.min(maxChars, Math.max(1, ...options.labels.map((l) => [...l].length)));
  const slanted = k > 2 || longest * 6.5 > cell;
  const left = 34 + longest * 6.5;
  // Slanted column labels need height for their longest name (at 45°: width / √2).
  const top = 30 + (slanted ? Math.ceil(longest * 6.5 * 0.71) : 12);
  const max = Math.max(1, ...options.matrix.flat());
  const parts = [
    svgLabel(options.title, 60, `x="8" y="18" font-size="13" font-weight="600"`),
    // Under the grid: above it the slanted class names would run into it.
    `<text x="${fmt(left + (cell * k) / 2)}" y="${fmt(top + cell * k + 16)}" text-anchor="middle" font-size="11" fill="#4b5563">predicted</text>`,
    `<text x="12" y="${fmt(top + (cell * k) / 2)}" font-size="11" fill="#4b5563" text-anchor="middle" transform="rotate(-90 12 ${fmt(top + (cell * k) / 2)})">actual</text>`,
  ];
  options.labels.forEach((label, j) => {
    const cx = left + j * cell + cell / 2;
    parts.push(
      slanted
        ? svgLabel(
            label,
            maxChars,
            `x="${fmt(cx)}" y="${top - 6}" font-size="11" transform="rotate(-45 ${fmt(cx)} ${top - 6})"`,
          )
        : svgLabel(
            label,
            maxChars,
            `x="${fmt(cx)}" y="${top - 6}" text-anchor="middle" font-size="11"`,
          ),
      svgLabel(
        label,
        maxChars,
        `x="${fmt(left - 6)}" y="${fmt(top + j * cell + cell / 2 + 4)}" text-anchor="end" font-size="11"`,
      ),
    );
  });
  const fontSize = cell >= 44 ? 13 : 11;
  options.matrix.forEach((row, i) => {
    row.forEach((count, j) => {
      const shade = count / max;
      const fill = `rgba(37, 99, 235, ${fmt(0.08 + 0.82 * shade)})`;
      parts.push(
        `<rect x="${fmt(left + j * cell)}" y="${fmt(top + i * cell)}" width="${fmt(cell)}" height="${fmt(cell)}" fill="${fill}" stroke="#fff"><title>actual ${escapeHtml(options.labels[i] ?? "")}, predicted ${escapeHtml(options.labels[j] ?? "")}: ${count}</title></rect>`,
        `<text x="${fmt(left + j * cell + cell / 2)}" y="${fmt(top + i * cell + cell / 2 + 4)}" text-anchor="middle" font-size="${fontSize}" fill="${shade > 0.55 ? "#fff" : "#111"}">${count}</text>`,
      );
    });
  });
  const width = Math.max(WIDTH, Math.ceil(left + cell * k + (slanted ? longest * 4.6 : 0) + 12));
  const height = Math.ceil(top + cell * k + 26);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif">${parts.join("")}</svg>`;
}

function frame(title: string, xLabel: string, yLabel: string, yMax: number): string {
  const x0 = PAD.left;
  const x1 = WIDTH - PAD.right;
  const y0 = HEIGHT - PAD.bottom;
  const y1 = PAD.top;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const parts = [
    `<text x="8" y="18" font-size="13" font-weight="600">${escapeHtml(title)}</text>`,
    `<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="#fafafa" stroke="#d1d5db"/>`,
  ];
  for (const t of ticks) {
    const x = x0 + t * (x1 - x0);
    const y = y0 - t * (y0 - y1);
    parts.push(
      `<line x1="${fmt(x)}" y1="${y0}" x2="${fmt(x)}" y2="${y0 + 4}" stroke="#6b7280"/>`,
      `<text x="${fmt(x)}" y="${y0 + 15}" text-anchor="middle" font-size="10">${t}</text>`,
      `<line x1="${x0 - 4}" y1="${fmt(y)}" x2="${x0}" y2="${fmt(y)}" stroke="#6b7280"/>`,
      `<text x="${x0 - 6}" y="${fmt(y + 3)}" text-anchor="end" font-size="10">${fmtTick(t * yMax)}</text>`,
    );
  }
  parts.push(
    `<text x="${(x0 + x1) / 2}" y="${HEIGHT - 6}" text-anchor="middle" font-size="11" fill="#4b5563">${escapeHtml(xLabel)}</text>`,
    `<text x="12" y="${(y0 + y1) / 2}" text-anchor="middle" font-size="11" fill="#4b5563" transform="rotate(-90 12 ${(y0 + y1) / 2})">${escapeHtml(yLabel)}</text>`,
  );
  return parts.join("");
}

function svg(parts: readonly string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="system-ui, sans-serif">${parts.join("")}</svg>`;
}

function fmt(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

function fmtTick(v: number): string {
  return Number(v.toPrecision(3)).toString();
}
