/** A node of the graph with its state (drives its colour). @example `{ id: "train", state: "succeeded", detail: "2 tries, 12s" }` */
export interface DagNode {
  id: string;
  state: string;
  detail: string;
}

const NODE_W = 150;
const NODE_H = 42;
const GAP_X = 60;
const GAP_Y = 16;

/** Each node's column: 0 without upstream steps, else one past its deepest upstream step. */
function depths(nodes: DagNode[], edges: { from: string; to: string }[]): Map<string, number> {
  const ups = new Map(
    nodes.map((n) => [n.id, edges.filter((e) => e.to === n.id).map((e) => e.from)]),
  );
  const depth = new Map<string, number>();
  const visit = (id: string, seen: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // a cycle cannot be stored, but never loop on one
    seen.add(id);
    const d = Math.max(-1, ...(ups.get(id) ?? []).map((u) => visit(u, seen))) + 1;
    depth.set(id, d);
    return d;
  };
  for (const n of nodes) visit(n.id, new Set());
  return depth;
}

/**
 * A pipeline run's steps as a left-to-right DAG in SVG: one box per step, coloured and labelled
 * by state (colour is never the only cue), arrows from each step to the steps that wait for it.
 *
 * @example
 * ```tsx
 * <Dag title="retrain" nodes={[{ id: "load", state: "succeeded", detail: "" }, { id: "train", state: "failed", detail: "" }]}
 *   edges={[{ from: "load", to: "train" }]} />
 * ```
 */
export function Dag(props: {
  title: string;
  nodes: DagNode[];
  edges: { from: string; to: string }[];
}) {
  const depth = depths(props.nodes, props.edges);
  const columns = new Map<number, string[]>();
  for (const n of props.nodes) {
    const d = depth.get(n.id) ?? 0;
    columns.set(d, [...(columns.get(d) ?? []), n.id]);
  }
  const at = new Map<string, { x: number; y: number }>();
  for (const [d, ids] of columns)
    for (const [i, id] of ids.entries())
      at.set(id, { x: 8 + d * (NODE_W + GAP_X), y: 8 + i * (NODE_H + GAP_Y) });
  const width = 16 + Math.max(1, columns.size) * (NODE_W + GAP_X) - GAP_X;
  const height =
    16 + Math.max(1, ...[...columns.values()].map((c) => c.length)) * (NODE_H + GAP_Y) - GAP_Y;
  return (
    <figure class="chart dag">
      <figcaption>{props.title}</figcaption>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        style={{ maxWidth: `${width}px` }}
        role="img"
        aria-label={`${props.title}: ${props.nodes.map((n) => `${n.id} ${n.state}`).join(", ")}`}
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="10"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" class="dag-arrow" />
          </marker>
        </defs>
        {props.edges.map((e) => {
          const a = at.get(e.from);
          const b = at.get(e.to);
          if (a === undefined || b === undefined) return null;
          const x1 = a.x + NODE_W;
          const y1 = a.y + NODE_H / 2;
          const x2 = b.x;
          const y2 = b.y + NODE_H / 2;
          const mid = (x1 + x2) / 2;
          return (
            <path
              key={`${e.from}-${e.to}`}
              class="dag-edge"
              data-edge={`${e.from}->${e.to}`}
              d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`}
              marker-end="url(#arrow)"
            />
          );
        })}
        {props.nodes.map((n) => {
          const p = at.get(n.id)!;
          return (
            <g
              key={n.id}
              class={`dag-node state-${n.state}`}
              data-step={n.id}
              transform={`translate(${p.x} ${p.y})`}
            >
              <rect width={NODE_W} height={NODE_H} rx={6} />
              <text x={8} y={17} class="dag-name">
                {n.id}
              </text>
              <text x={8} y={33} class="dag-detail">
                {n.state}
                {n.detail ? ` · ${n.detail}` : ""}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
