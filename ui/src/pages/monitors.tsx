import { useState } from "preact/hooks";
import { keelGet } from "../api";
import { type HeatCell, HeatMap } from "../components/heat-map";
import { Show } from "../components/status";
import { useLoad } from "../components/use-load";
import { XYPlot } from "../components/xy-plot";
import { num, when } from "../format";
import { href } from "../route";

interface MonitorRow {
  name: string;
  last_run: number;
  dataset_drift: boolean;
  drift_share: number;
  prediction_shift: number | null;
}

interface ColumnDrift {
  test: string;
  statistic: number;
  pValue?: number;
  threshold: number;
  drifted: boolean;
}

interface Chart {
  labels: string[];
  reference: number[];
  current: number[];
}

/** A monitor run's stored summary (src/monitor's runMonitor). */
interface Summary {
  columns: Record<string, ColumnDrift>;
  rows?: number;
  prediction: {
    column: string;
    meanReference: number;
    meanCurrent: number;
    shifted: boolean;
  } | null;
  alerts?: string[];
  charts?: Record<string, Chart>;
}

interface Result {
  window_start: number | null;
  window_end: number | null;
  created_at: number;
  dataset_drift: boolean;
  drift_share: number;
  prediction_shift: number | null;
  summary: Summary;
}

interface Results {
  monitor: string;
  results: Result[];
  alerts: {
    kind: string;
    sink: string;
    status: string;
    attempts: number;
    error: string | null;
    at: number;
    message: string;
  }[];
}

/** Every monitor with results, and its latest verdict. @example `<MonitorsPage />` */
export function MonitorsPage() {
  const [loaded] = useLoad(() => keelGet<{ monitors: MonitorRow[] }>("monitors"), [], 30_000);
  return (
    <section aria-labelledby="monitors-title">
      <h1 id="monitors-title">Monitoring</h1>
      <Show what={loaded}>
        {({ monitors }) =>
          monitors.length === 0 ? (
            <p class="muted">No monitor results yet: keel monitor run NAME.</p>
          ) : (
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Monitor</th>
                  <th scope="col">Last run</th>
                  <th scope="col">Dataset drift</th>
                  <th scope="col" class="num">
                    Drift share
                  </th>
                  <th scope="col" class="num">
                    Prediction shift
                  </th>
                </tr>
              </thead>
              <tbody>
                {monitors.map((m) => (
                  <tr key={m.name}>
                    <td>
                      <a href={href("monitors", m.name)}>{m.name}</a>
                    </td>
                    <td>{when(m.last_run)}</td>
                    <td class={m.dataset_drift ? "fail" : "pass"}>
                      {m.dataset_drift ? "drift" : "no drift"}
                    </td>
                    <td class="num">{num(m.drift_share)}</td>
                    <td class="num">
                      {m.prediction_shift === null
                        ? ""
                        : `${(100 * m.prediction_shift).toFixed(1)}%`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </section>
  );
}

/** How far a test is toward (1) and past its threshold: p-value tests on −log10 p, distances as statistic / threshold. */
function scoreOf(c: ColumnDrift): number {
  if (c.pValue !== undefined) {
    const p = Math.max(c.pValue, 1e-300);
    return Math.log10(p) / Math.log10(c.threshold);
  }
  return c.threshold > 0 ? c.statistic / c.threshold : 0;
}

/**
 * Short labels for windows by their end: the time of day when they all fall on one day, the
 * date when they all end at the same time of day (a daily monitor's), else both.
 * @example `windowLabels([Date.UTC(2026, 3, 11, 23), Date.UTC(2026, 3, 12, 23)]); // ["04-11", "04-12"] in UTC`
 */
function windowLabels(ends: (number | null)[]): string[] {
  const pad = (n: number) => String(n).padStart(2, "0");
  const parts = ends.map((ms) => {
    if (ms === null) return undefined;
    const d = new Date(ms);
    return {
      day: `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
      time: `${pad(d.getHours())}:${pad(d.getMinutes())}`,
    };
  });
  const days = new Set(parts.map((p) => p?.day)).size;
  const times = new Set(parts.map((p) => p?.time)).size;
  return parts.map((p) => {
    if (p === undefined) return "?";
    if (days <= 1) return p.time;
    return times <= 1 ? p.day : `${p.day} ${p.time}`;
  });
}

function Overlay(props: { title: string; chart: Chart | undefined }) {
  const c = props.chart;
  if (c === undefined) return <p class="muted">No histogram recorded for {props.title}.</p>;
  // Step curves over bin indices, so numeric bins and categories read the same way.
  const steps = (shares: number[]) =>
    shares.flatMap(
      (s, i) =>
        [
          [i - 0.5, s],
          [i + 0.5, s],
        ] as [number, number][],
    );
  return (
    <XYPlot
      title={props.title}
      x={{ label: "bin", categories: c.labels }}
      y={{ label: "share of rows", domain: [0, Math.max(...c.reference, ...c.current) * 1.1 || 1] }}
      series={[
        { label: "reference", draw: "line", colour: "#999999", points: steps(c.reference) },
        { label: "window", draw: "line", colour: "#0072b2", points: steps(c.current) },
      ]}
    />
  );
}

function MonitorView(props: { data: Results }) {
  const { results, alerts } = props.data;
  const features = [...new Set(results.flatMap((r) => Object.keys(r.summary.columns)))];
  const predictionColumn = results.find((r) => r.summary.prediction)?.summary.prediction?.column;
  const rows = features.filter((f) => f !== predictionColumn);
  const [pick, setPick] = useState<[number, number]>([0, results.length - 1]);
  const feature = rows[pick[0]] ?? rows[0] ?? "";
  const result = results[pick[1]] ?? results[results.length - 1]!;
  const labels = windowLabels(results.map((r) => r.window_end));
  const resultEnd = result.window_end === null ? "?" : when(result.window_end);
  const cells: HeatCell[][] = rows.map((f) =>
    results.map((r) => {
      const c = r.summary.columns[f];
      if (c === undefined) return { score: null, flagged: false, title: "not tested" };
      return {
        score: scoreOf(c),
        flagged: c.drifted,
        title: `${c.test} ${num(c.statistic)}${c.pValue === undefined ? "" : `, p ${num(c.pValue)}`} (threshold ${num(c.threshold)})${c.drifted ? ", drifted" : ""}`,
      };
    }),
  );
  return (
    <>
      <HeatMap
        caption="Drift by feature and window (darker: further past the test's threshold; ● drifted)"
        rows={rows}
        columns={labels}
        cells={cells}
        selected={pick}
        onPick={(r, c) => setPick([r, c])}
      />
      <div class="charts">
        <XYPlot
          title="Drift share and prediction shift over time"
          x={{ label: "window", categories: labels }}
          y={{ label: "share", domain: [0, 1] }}
          series={[
            {
              label: "drift share",
              draw: "line",
              points: results.map((r, i) => [i, r.drift_share]),
            },
            {
              label: "prediction shift",
              draw: "line",
              colour: "#d55e00",
              points: results.flatMap((r, i) =>
                r.prediction_shift === null ? [] : [[i, r.prediction_shift] as [number, number]],
              ),
            },
          ]}
        />
        <div>
          <label for="feature-pick">Feature</label>{" "}
          <select
            id="feature-pick"
            value={feature}
            onChange={(e) => setPick([rows.indexOf(e.currentTarget.value), pick[1]])}
          >
            {rows.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
          <Overlay
            title={`${feature}: reference vs window ending ${resultEnd}`}
            chart={result.summary.charts?.[feature]}
          />
        </div>
        {predictionColumn !== undefined && (
          <Overlay
            title={`Prediction distribution, window ending ${resultEnd}`}
            chart={result.summary.charts?.[predictionColumn]}
          />
        )}
      </div>
      <h2>Alerts</h2>
      {alerts.length === 0 ? (
        <p class="muted">No alerts.</p>
      ) : (
        <table class="data" aria-label="Alerts">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Kind</th>
              <th scope="col">Message</th>
              <th scope="col">Sink</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {alerts.map((a, i) => (
              <tr key={i}>
                <td>{when(a.at)}</td>
                <td>{a.kind}</td>
                <td>{a.message}</td>
                <td>{a.sink}</td>
                <td class={a.status === "failed" ? "fail" : undefined}>
                  {a.status}
                  {a.error ? `: ${a.error}` : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/**
 * One monitor: a feature × window drift heat map (click a cell to pick the feature and window),
 * drift share over time, the histogram overlay of the picked feature, the prediction
 * distribution and the alerts.
 *
 * @example `<MonitorPage name="churn" />`
 */
export function MonitorPage(props: { name: string }) {
  const [loaded] = useLoad(
    () => keelGet<Results>(`monitors/${encodeURIComponent(props.name)}/results`),
    [props.name],
  );
  return (
    <section aria-labelledby="monitor-title">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href("monitors")}>Monitoring</a> /
      </nav>
      <h1 id="monitor-title">{props.name}</h1>
      <Show what={loaded}>{(data) => <MonitorView data={data} />}</Show>
    </section>
  );
}
