import { niceTicks, scaleOf } from "./scales";

/** One vertical axis: numeric (optionally log) or categorical. @example `{ name: "lr", log: true }` */
export interface PcAxis {
  name: string;
  log?: boolean;
  categories?: string[];
}

/** One line through every axis; `values[i]` is on `axes[i]` (a category's index for a categorical axis). @example `{ label: "trial 3", values: [0.01, 2, 0.81], colour: 0.9 }` */
export interface PcLine {
  label: string;
  values: number[];
  /** Where the line sits between worst (0) and best (1), for its colour. */
  shade: number;
}

const W = 1100;
const H = 320;
const TOP = 26;
const BOTTOM = 24;

/** Worst is a pale grey-blue, best a deep blue (lines drawn worst first, so the best are on top). */
function colourOf(shade: number): string {
  const t = Math.min(1, Math.max(0, shade));
  return `hsl(215 ${25 + 60 * t}% ${78 - 45 * t}%)`;
}

function rangeOf(axis: PcAxis, values: number[]): [number, number] {
  if (axis.categories) return [-0.5, axis.categories.length - 0.5];
  const ok = values.filter((v) => Number.isFinite(v) && (!axis.log || v > 0));
  if (ok.length === 0) return [0, 1];
  const lo = Math.min(...ok);
  const hi = Math.max(...ok);
  return lo === hi ? [lo - (Math.abs(lo) * 0.1 || 1), hi + (Math.abs(hi) * 0.1 || 1)] : [lo, hi];
}

/**
 * A parallel-coordinates plot in SVG: one axis per parameter and one for the objective, one
 * line per trial, darker for better trials (as Optuna's plot_parallel_coordinate).
 *
 * @example
 * ```tsx
 * <ParallelCoordinates title="Parameters" axes={[{ name: "lr", log: true }, { name: "auc" }]}
 *   lines={[{ label: "trial 0", values: [0.01, 0.8], shade: 1 }]} />
 * ```
 */
export function ParallelCoordinates(props: { title: string; axes: PcAxis[]; lines: PcLine[] }) {
  const { axes, lines } = props;
  const gap = axes.length > 1 ? (W - 120) / (axes.length - 1) : 0;
  const xs = axes.map((_, i) => 60 + i * gap);
  const scales = axes.map((a, i) =>
    scaleOf(
      rangeOf(
        a,
        lines.map((l) => l.values[i] ?? Number.NaN),
      ),
      [H - BOTTOM, TOP],
      a.log ?? false,
    ),
  );
  const ordered = [...lines].sort((a, b) => a.shade - b.shade);
  return (
    <figure class="chart wide">
      <figcaption>{props.title}</figcaption>
      <svg
        class="parallel"
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${props.title}: ${lines.length} trials over ${axes.map((a) => a.name).join(", ")}`}
      >
        {ordered.map((l) => (
          <polyline
            key={l.label}
            class="pc-line"
            points={l.values
              .map((v, i) => `${xs[i]!.toFixed(1)},${scales[i]!(v).toFixed(1)}`)
              .join(" ")}
            fill="none"
            stroke={colourOf(l.shade)}
            stroke-width={1.5}
          >
            <title>{l.label}</title>
          </polyline>
        ))}
        {axes.map((a, i) => {
          const [lo, hi] = rangeOf(
            a,
            lines.map((l) => l.values[i] ?? Number.NaN),
          );
          const ticks = a.categories ? a.categories.map((_, k) => k) : niceTicks(lo, hi, 4, a.log);
          return (
            <g key={a.name} class="pc-axis">
              <line x1={xs[i]} x2={xs[i]} y1={TOP} y2={H - BOTTOM} class="axis" />
              <text class="axis-label" x={xs[i]} y={14} text-anchor="middle">
                {a.name}
              </text>
              {ticks.map((t) => (
                <text key={t} class="tick" x={xs[i]! + 4} y={scales[i]!(t) + 4}>
                  {a.categories ? a.categories[t] : String(Number(t.toPrecision(3)))}
                </text>
              ))}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

/**
 * Horizontal bars with their values, for importances and other shares.
 *
 * @example
 * ```tsx
 * <Bars title="Parameter importance" rows={[{ label: "lr", value: 0.7 }, { label: "depth", value: 0.3 }]} />
 * ```
 */
export function Bars(props: { title: string; rows: { label: string; value: number }[] }) {
  const max = Math.max(1e-12, ...props.rows.map((r) => r.value));
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <table class="bars">
        <tbody>
          {props.rows.map((r) => (
            <tr key={r.label}>
              <th scope="row">{r.label}</th>
              <td>
                <span class="bar" style={{ width: `${(100 * r.value) / max}%` }} />
              </td>
              <td class="num">{r.value.toFixed(3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
