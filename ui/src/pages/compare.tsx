import { mlflowGet } from "../api";
import { LineChart, type Series } from "../components/line-chart";
import { Show } from "../components/status";
import { useLoad } from "../components/use-load";
import { num } from "../format";
import { href } from "../route";
import type { Run } from "../types";
import { metricSeries } from "./metric-history";

const MAX = 10;

async function loadCompare(
  ids: string[],
): Promise<{ runs: Run[]; charts: { key: string; series: Series[] }[] }> {
  if (ids.length < 2 || ids.length > MAX)
    throw new Error(
      `choose 2 to ${MAX} runs to compare (got ${ids.length}): tick them in a runs table`,
    );
  const runs = await Promise.all(
    ids.map(async (id) => (await mlflowGet<{ run: Run }>("runs/get", { run_id: id })).run),
  );
  const keys = [...new Set(runs.flatMap((r) => (r.data.metrics ?? []).map((m) => m.key)))].sort();
  const charts = await Promise.all(
    keys.map(async (key) => ({
      key,
      series: await Promise.all(
        runs
          .filter((r) => (r.data.metrics ?? []).some((m) => m.key === key))
          .map((r) => metricSeries(r.info.run_id, key, r.info.run_name ?? r.info.run_id)),
      ),
    })),
  );
  return { runs, charts };
}

/** A table of keys × runs; rows whose values differ across the runs are marked. */
function SideBySide(props: {
  title: string;
  runs: Run[];
  values: (r: Run) => Map<string, string>;
}) {
  const maps = props.runs.map(props.values);
  const keys = [...new Set(maps.flatMap((m) => [...m.keys()]))].sort();
  return (
    <section aria-label={props.title}>
      <h2>{props.title}</h2>
      <table class="data compare">
        <thead>
          <tr>
            <th scope="col">Key</th>
            {props.runs.map((r) => (
              <th scope="col" key={r.info.run_id}>
                <a href={href("runs", r.info.run_id)}>{r.info.run_name ?? r.info.run_id}</a>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => {
            const values = maps.map((m) => m.get(k) ?? "");
            const differs = new Set(values).size > 1;
            return (
              <tr key={k} class={differs ? "differs" : ""}>
                <th scope="row">
                  {k}
                  {differs && <span class="visually-hidden"> (differs)</span>}
                </th>
                {values.map((v, i) => (
                  <td key={props.runs[i]!.info.run_id}>{v}</td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

/** 2–10 runs side by side: params and latest metrics, and every metric's curves overlaid. @example `<ComparePage runIds={[a, b]} />` */
export function ComparePage(props: { runIds: string[] }) {
  const [loaded] = useLoad(() => loadCompare(props.runIds), [props.runIds.join(",")]);
  return (
    <section aria-labelledby="compare-title">
      <h1 id="compare-title">Compare runs</h1>
      <Show what={loaded}>
        {({ runs, charts }) => (
          <>
            <SideBySide
              title="Parameters"
              runs={runs}
              values={(r) => new Map((r.data.params ?? []).map((p) => [p.key, p.value]))}
            />
            <SideBySide
              title="Metrics (latest)"
              runs={runs}
              values={(r) => new Map((r.data.metrics ?? []).map((m) => [m.key, num(m.value)]))}
            />
            <h2>Curves</h2>
            <div class="charts">
              {charts.map((c) => (
                <LineChart key={c.key} title={c.key} series={c.series} />
              ))}
            </div>
          </>
        )}
      </Show>
    </section>
  );
}
