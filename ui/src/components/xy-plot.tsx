import { PALETTE } from "./palette";
import { niceTicks, scaleOf } from "./scales";

/** One set of points, drawn as a line, dots or a step curve. @example `{ label: "ROC", points: [[0, 0], [1, 1]], draw: "line" }` */
export interface XYSeries {
  label: string;
  points: [number, number][];
  draw: "line" | "points" | "step";
  /** Default: the palette colour of the series' index. */
  colour?: string;
  dashed?: boolean;
  /** A tooltip per point (native SVG title). */
  titles?: string[];
}

/** An axis: its label, optional fixed range, log scale, or category names for integer positions. @example `{ label: "FPR", domain: [0, 1] }` */
export interface Axis {
  label: string;
  domain?: [number, number];
  log?: boolean;
  categories?: string[];
}

const W = 440;
const H = 270;
const M = { left: 52, right: 12, top: 10, bottom: 40 };

function domainOf(axis: Axis, values: number[]): [number, number] {
  if (axis.domain) return axis.domain;
  if (axis.categories) return [-0.5, axis.categories.length - 0.5];
  const finite = values.filter((v) => Number.isFinite(v) && (!axis.log || v > 0));
  if (finite.length === 0) return axis.log ? [1, 10] : [0, 1];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (lo === hi) {
    const pad = axis.log ? lo * 0.5 : Math.abs(lo) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  }
  return [lo, hi];
}

function tickText(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(0);
  return String(Number(v.toPrecision(4)));
}

/**
 * A small SVG chart for x/y data (ROC, PR, calibration, optimisation history, slice plots,
 * histograms): axes with ticks, one path or set of dots per series, a legend. SVG rather than
 * canvas, so the points are elements a screen reader and a test can find.
 *
 * @example
 * ```tsx
 * <XYPlot title="ROC" x={{ label: "FPR", domain: [0, 1] }} y={{ label: "TPR", domain: [0, 1] }}
 *   series={[{ label: "model", points: [[0, 0], [0.2, 0.7], [1, 1]], draw: "line" }]} />
 * ```
 */
export function XYPlot(props: { title: string; x: Axis; y: Axis; series: XYSeries[] }) {
  const { x, y, series } = props;
  const xd = domainOf(
    x,
    series.flatMap((s) => s.points.map((p) => p[0])),
  );
  const yd = domainOf(
    y,
    series.flatMap((s) => s.points.map((p) => p[1])),
  );
  const sx = scaleOf(xd, [M.left, W - M.right], x.log ?? false);
  const sy = scaleOf(yd, [H - M.bottom, M.top], y.log ?? false);
  // Past eight categories every k-th is labelled, so long bin names do not overlap.
  const every = x.categories ? Math.ceil(x.categories.length / 8) : 1;
  const xTicks = x.categories
    ? x.categories.map((_, i) => i).filter((i) => i % every === 0)
    : niceTicks(xd[0], xd[1], 6, x.log ?? false);
  const yTicks = niceTicks(yd[0], yd[1], 5, y.log ?? false);
  const inX = (v: number) => Number.isFinite(v) && (!x.log || v > 0);
  const inY = (v: number) => Number.isFinite(v) && (!y.log || v > 0);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <svg
        class="xy-plot"
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${props.title}: ${series.map((s) => `${s.label} (${s.points.length} points)`).join(", ")}`}
      >
        {yTicks.map((t) => (
          <g key={`y${t}`}>
            <line class="grid" x1={M.left} x2={W - M.right} y1={sy(t)} y2={sy(t)} />
            <text class="tick" x={M.left - 4} y={sy(t) + 4} text-anchor="end">
              {tickText(t)}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <g key={`x${t}`}>
            <line class="grid" x1={sx(t)} x2={sx(t)} y1={M.top} y2={H - M.bottom} />
            <text class="tick" x={sx(t)} y={H - M.bottom + 14} text-anchor="middle">
              {x.categories ? (x.categories[t] ?? "") : tickText(t)}
            </text>
          </g>
        ))}
        <text class="axis-label" x={(M.left + W - M.right) / 2} y={H - 6} text-anchor="middle">
          {x.label}
        </text>
        <text
          class="axis-label"
          transform={`translate(12 ${(M.top + H - M.bottom) / 2}) rotate(-90)`}
          text-anchor="middle"
        >
          {y.label}
        </text>
        {series.map((s, i) => {
          const colour = s.colour ?? PALETTE[i % PALETTE.length]!;
          const pts = s.points.filter((p) => inX(p[0]) && inY(p[1]));
          if (s.draw === "points")
            return (
              <g key={s.label} class="series" data-series={s.label}>
                {pts.map((p, k) => (
                  <circle
                    key={k}
                    cx={sx(p[0])}
                    cy={sy(p[1])}
                    r={3.5}
                    fill={colour}
                    fill-opacity={0.8}
                  >
                    {s.titles?.[k] !== undefined && <title>{s.titles[k]}</title>}
                  </circle>
                ))}
              </g>
            );
          const d = pts
            .map((p, k) => {
              const px = sx(p[0]).toFixed(1);
              const py = sy(p[1]).toFixed(1);
              if (k === 0) return `M${px},${py}`;
              return s.draw === "step" ? `H${px}V${py}` : `L${px},${py}`;
            })
            .join("");
          return (
            <path
              key={s.label}
              class="series"
              data-series={s.label}
              d={d}
              fill="none"
              stroke={colour}
              stroke-width={2}
              stroke-dasharray={s.dashed ? "5 4" : undefined}
            />
          );
        })}
      </svg>
      {/* Past eight series a legend is noise; the points' titles name them. */}
      {series.length <= 8 && (
        <ul class="legend">
          {series.map((s, i) => (
            <li key={s.label}>
              <span
                class="swatch"
                style={{ background: s.colour ?? PALETTE[i % PALETTE.length] }}
              />
              {s.label}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
