/** One cell: how strong the signal is (0 none … 1 at the threshold … 2+ far past it), whether it crossed, and a tooltip. @example `{ score: 1.4, flagged: true, title: "ks p=0.001" }` */
export interface HeatCell {
  score: number | null;
  flagged: boolean;
  title: string;
}

/** Light at 0, orange at the threshold (1), deep red from 2 on; grey when not tested. */
function fill(score: number | null): string {
  if (score === null) return "var(--panel)";
  const t = Math.min(1, Math.max(0, score / 2));
  return `hsl(${45 - 45 * t} ${55 + 35 * t}% ${92 - 47 * t}%)`;
}

/**
 * A heat map as a table of buttons (rows × columns): each cell is focusable and clickable, so
 * a keyboard user can pick a feature and window as well as a mouse user; flagged cells carry a
 * mark besides their colour.
 *
 * @example
 * ```tsx
 * <HeatMap caption="Drift" rows={["tenure"]} columns={["09:00"]} cells={[[{ score: 0.2, flagged: false, title: "" }]]}
 *   onPick={(r, c) => select(r, c)} />
 * ```
 */
export function HeatMap(props: {
  caption: string;
  rows: string[];
  columns: string[];
  cells: HeatCell[][];
  selected?: [number, number];
  onPick: (row: number, column: number) => void;
}) {
  return (
    <div class="heat-box">
      <table class="heat" aria-label={props.caption}>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">feature</th>
            {/* Keyed by position: two columns may carry the same label. */}
            {props.columns.map((c, j) => (
              <th scope="col" key={j}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r, i) => (
            <tr key={r}>
              <th scope="row">{r}</th>
              {props.columns.map((c, j) => {
                const cell = props.cells[i]?.[j] ?? { score: null, flagged: false, title: "" };
                const chosen = props.selected?.[0] === i && props.selected?.[1] === j;
                return (
                  <td key={j} class={cell.flagged ? "flagged" : undefined}>
                    <button
                      type="button"
                      style={{ background: fill(cell.score) }}
                      class={chosen ? "chosen" : undefined}
                      title={cell.title}
                      aria-label={`${r} at ${c}: ${cell.title}`}
                      aria-pressed={chosen}
                      onClick={() => props.onPick(i, j)}
                    >
                      {cell.flagged ? "●" : ""}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
