import { PALETTE } from "./palette";
import { niceTicks, scaleOf } from "./scales";

/** One estimate with its 95% interval. @example `{ label: "challenger", value: 0.84, lower: 0.82, upper: 0.86 }` */
export interface Interval {
  label: string;
  value: number;
  lower: number;
  upper: number;
  /** Default: the palette colour of the row's index. */
  colour?: string;
}

const W = 440;
const ROW = 28;
const LEFT = 110;
const RIGHT = 16;

/**
 * Estimates with confidence intervals on one shared axis (a forest plot): a dot per estimate, a
 * bar for its interval, and an optional reference line (0 for differences).
 *
 * @example
 * ```tsx
 * <IntervalPlot title="AUC" rows={[{ label: "champion", value: 0.8, lower: 0.78, upper: 0.82 }]} />
 * ```
 */
export function IntervalPlot(props: { title: string; rows: Interval[]; reference?: number }) {
  const { rows } = props;
  const values = rows.flatMap((r) => [r.lower, r.upper]).concat(props.reference ?? []);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.1 || 0.01;
  lo -= pad;
  hi += pad;
  const H = rows.length * ROW + 36;
  const sx = scaleOf([lo, hi], [LEFT, W - RIGHT], false);
  const ticks = niceTicks(lo, hi, 5);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <svg
        class="xy-plot"
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${props.title}: ${rows.map((r) => `${r.label} ${r.value.toFixed(4)} [${r.lower.toFixed(4)}, ${r.upper.toFixed(4)}]`).join("; ")}`}
      >
        {ticks.map((t) => (
          <g key={t}>
            <line class="grid" x1={sx(t)} x2={sx(t)} y1={8} y2={H - 24} />
            <text class="tick" x={sx(t)} y={H - 8} text-anchor="middle">
              {String(Number(t.toPrecision(3)))}
            </text>
          </g>
        ))}
        {props.reference !== undefined && (
          <line
            class="axis"
            x1={sx(props.reference)}
            x2={sx(props.reference)}
            y1={8}
            y2={H - 24}
            stroke-dasharray="4 3"
          />
        )}
        {rows.map((r, i) => {
          const y = 20 + i * ROW;
          const colour = r.colour ?? PALETTE[i % PALETTE.length]!;
          return (
            <g key={r.label} class="interval" data-label={r.label}>
              <text class="axis-label" x={LEFT - 8} y={y + 4} text-anchor="end">
                {r.label}
              </text>
              <line
                x1={sx(r.lower)}
                x2={sx(r.upper)}
                y1={y}
                y2={y}
                stroke={colour}
                stroke-width={3}
              />
              <circle cx={sx(r.value)} cy={y} r={5} fill={colour} />
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
