import { mlflowGet } from "../api";
import { LineChart, type Series } from "../components/line-chart";
import { Show } from "../components/status";
import { useLoad } from "../components/use-load";
import { duration, num, when } from "../format";
import { href } from "../route";
import type { Run } from "../types";
import { Artifacts } from "./artifact-view";
import { metricSeries } from "./metric-history";
import { experimentName } from "./run-rows";

/** Tags that record where a run came from, shown as its lineage. */
const LINEAGE_TAGS: Record<string, string> = {
  "mlflow.parentRunId": "Parent run",
  "mlflow.source.git.commit": "Code version (git commit)",
  "mlflow.source.name": "Source",
  "mlflow.source.type": "Source type",
};

async function loadRun(runId: string): Promise<{ run: Run; experiment: string; charts: Series[] }> {
  const { run } = await mlflowGet<{ run: Run }>("runs/get", { run_id: runId });
  const keys = (run.data.metrics ?? []).map((m) => m.key).sort();
  const [experiment, charts] = await Promise.all([
    experimentName(run.info.experiment_id),
    Promise.all(keys.map((k) => metricSeries(runId, k, k))),
  ]);
  return { run, experiment, charts };
}

/** One run: its summary, lineage, params, latest metrics, a chart per metric and its artifacts. @example `<RunPage runId="3f2a…" />` */
export function RunPage(props: { runId: string }) {
  const [loaded] = useLoad(() => loadRun(props.runId), [props.runId]);
  return (
    <Show what={loaded}>
      {({ run, experiment, charts }) => {
        const tags = new Map((run.data.tags ?? []).map((t) => [t.key, t.value]));
        const lineage = Object.entries(LINEAGE_TAGS).filter(([k]) => tags.has(k));
        const datasets = run.inputs?.dataset_inputs ?? [];
        const name = run.info.run_name ?? run.info.run_id;
        return (
          <article aria-labelledby="run-title">
            <nav aria-label="Breadcrumb" class="crumbs">
              <a href={href("experiments")}>Experiments</a> /{" "}
              <a href={href("experiments", run.info.experiment_id)}>{experiment}</a> /{" "}
              <span>{name}</span>
            </nav>
            <h1 id="run-title">{name}</h1>
            <dl class="facts">
              <dt>Run ID</dt>
              <dd>
                <code>{run.info.run_id}</code>
              </dd>
              <dt>Status</dt>
              <dd>{run.info.status}</dd>
              <dt>Started</dt>
              <dd>{when(run.info.start_time)}</dd>
              <dt>Duration</dt>
              <dd>{duration(run.info.start_time, run.info.end_time)}</dd>
              <dt>User</dt>
              <dd>{run.info.user_id ?? ""}</dd>
            </dl>
            <section aria-labelledby="lineage-title">
              <h2 id="lineage-title">Lineage</h2>
              {lineage.length === 0 && datasets.length === 0 ? (
                <p class="muted">No lineage recorded (parent run, code version or dataset).</p>
              ) : (
                <dl class="facts">
                  {lineage.map(([key, label]) => (
                    <>
                      <dt key={`${key}-t`}>{label}</dt>
                      <dd key={`${key}-d`}>
                        {key === "mlflow.parentRunId" ? (
                          <a href={href("runs", tags.get(key)!)}>{tags.get(key)}</a>
                        ) : (
                          <code>{tags.get(key)}</code>
                        )}
                      </dd>
                    </>
                  ))}
                  {datasets.map((d, i) => (
                    <>
                      <dt key={`ds-${i}-t`}>Dataset {d.dataset.name ?? ""}</dt>
                      <dd key={`ds-${i}-d`}>
                        digest <code>{d.dataset.digest ?? "?"}</code>
                        {d.dataset.source ? (
                          <>
                            {" "}
                            from <code>{d.dataset.source}</code>
                          </>
                        ) : null}
                      </dd>
                    </>
                  ))}
                </dl>
              )}
            </section>
            <div class="two-col">
              <section aria-labelledby="params-title">
                <h2 id="params-title">Parameters</h2>
                <table class="data">
                  <tbody>
                    {(run.data.params ?? []).map((p) => (
                      <tr key={p.key}>
                        <th scope="row">{p.key}</th>
                        <td>{p.value}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
              <section aria-labelledby="metrics-title">
                <h2 id="metrics-title">Metrics (latest)</h2>
                <table class="data">
                  <tbody>
                    {(run.data.metrics ?? []).map((m) => (
                      <tr key={m.key}>
                        <th scope="row">{m.key}</th>
                        <td class="num">{num(m.value)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
            </div>
            <section aria-labelledby="charts-title">
              <h2 id="charts-title">Metric charts</h2>
              <div class="charts">
                {charts.map((s) => (
                  <LineChart key={s.label} title={s.label} series={[s]} />
                ))}
              </div>
            </section>
            <section aria-labelledby="artifacts-title">
              <h2 id="artifacts-title">Artifacts</h2>
              <Artifacts experimentId={run.info.experiment_id} runId={run.info.run_id} />
            </section>
            <section aria-labelledby="tags-title">
              <h2 id="tags-title">Tags</h2>
              <table class="data">
                <tbody>
                  {[...tags]
                    .filter(([k]) => !k.startsWith("mlflow.log-model"))
                    .map(([k, v]) => (
                      <tr key={k}>
                        <th scope="row">{k}</th>
                        <td>{v}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </section>
          </article>
        );
      }}
    </Show>
  );
}
