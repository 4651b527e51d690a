import { artifactBytes, mlflowGet } from "../api";
import { Show } from "../components/status";
import { useLoad } from "../components/use-load";
import { XYPlot } from "../components/xy-plot";
import { num, when } from "../format";
import { href } from "../route";
import type { FileInfo, ModelVersion, Run } from "../types";

/** The parts of the evaluation report's `report.json` (src/evaluate/report) this page draws. */
interface EvaluationReport {
  title: string;
  createdAt: string;
  task: string;
  positive: string | null;
  nRows: number;
  threshold: number;
  metrics: Record<string, number | null>;
  notes: Record<string, string>;
  curves: {
    roc: { x: number[]; y: number[] };
    precisionRecall: { x: number[]; y: number[] };
    calibration: { x: number[]; y: number[]; counts: number[] };
  } | null;
  segments: {
    column: string;
    note?: string;
    minGroupSize: number;
    groups: {
      key: string;
      size: number;
      judged: boolean;
      metrics: Record<string, number | null>;
    }[];
  }[];
  gates: {
    passed: boolean;
    results: {
      name: string;
      kind: string;
      value: number | null;
      threshold: { min?: number; max?: number };
      status: "pass" | "fail" | "skipped";
      reason?: string;
    }[];
  } | null;
}

/** What the page found: the version, its run, and the report with the artifact it came from. */
interface VersionData {
  version: ModelVersion;
  run: Run | null;
  report: { path: string; value: EvaluationReport } | null;
  /** Why there is no report (no run, no evaluation/*.json, a file that is not a report). */
  missing: string | null;
}

function isReport(v: unknown): v is EvaluationReport {
  const r = v as Partial<EvaluationReport> | null;
  return (
    typeof r === "object" &&
    r !== null &&
    typeof r.metrics === "object" &&
    Array.isArray(r.segments) &&
    "curves" in r &&
    "gates" in r
  );
}

async function loadVersion(name: string, version: string): Promise<VersionData> {
  const { model_version: mv } = await mlflowGet<{ model_version: ModelVersion }>(
    "model-versions/get",
    { name, version },
  );
  if (!mv.run_id)
    return { version: mv, run: null, report: null, missing: "the version has no source run" };
  const { run } = await mlflowGet<{ run: Run }>("runs/get", { run_id: mv.run_id });
  const { files = [] } = await mlflowGet<{ files?: FileInfo[] }>("artifacts/list", {
    run_id: mv.run_id,
    path: "evaluation",
  });
  const json = files.filter((f) => !f.is_dir && f.path.endsWith(".json")).map((f) => f.path);
  // keel eval names the file after its --report; `report.json` first when there are several.
  json.sort((a, b) => Number(b.endsWith("/report.json")) - Number(a.endsWith("/report.json")));
  for (const path of json) {
    const parsed: unknown = JSON.parse(
      await (await artifactBytes(run.info.experiment_id, mv.run_id, path)).text(),
    );
    if (isReport(parsed))
      return { version: mv, run, report: { path, value: parsed }, missing: null };
  }
  return {
    version: mv,
    run,
    report: null,
    missing: `no evaluation report in run ${mv.run_id.slice(0, 8)}'s artifacts (evaluation/*.json, as keel eval --experiment logs it)`,
  };
}

function threshold(t: { min?: number; max?: number }): string {
  return [
    t.min === undefined ? "" : `≥ ${num(t.min)}`,
    t.max === undefined ? "" : `≤ ${num(t.max)}`,
  ]
    .filter((s) => s !== "")
    .join(" and ");
}

function ReportView(props: { report: EvaluationReport; path: string }) {
  const r = props.report;
  const zip = (c: { x: number[]; y: number[] }) =>
    c.x.map((x, i) => [x, c.y[i]!] as [number, number]);
  const segmentMetrics = [
    ...new Set(r.segments.flatMap((s) => s.groups.flatMap((g) => Object.keys(g.metrics)))),
  ];
  return (
    <>
      <p>
        {r.title} · {r.nRows} rows · {r.task}
        {r.positive !== null && <> · positive class “{r.positive}”</>} · threshold {r.threshold} ·{" "}
        <span class="muted">{props.path}</span>
      </p>
      {r.gates !== null && (
        <>
          <h3>
            Gates:{" "}
            <span class={r.gates.passed ? "pass" : "fail"}>
              {r.gates.passed ? "passed" : "failed"}
            </span>
          </h3>
          <table class="data" aria-label="Gates">
            <thead>
              <tr>
                <th scope="col">Gate</th>
                <th scope="col" class="num">
                  Value
                </th>
                <th scope="col">Threshold</th>
                <th scope="col">Status</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {r.gates.results.map((g) => (
                <tr key={g.name}>
                  <td>{g.name}</td>
                  <td class="num">{g.value === null ? "—" : num(g.value)}</td>
                  <td>{threshold(g.threshold)}</td>
                  <td class={g.status === "pass" ? "pass" : g.status === "fail" ? "fail" : "muted"}>
                    {g.status}
                  </td>
                  <td>{g.reason ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {r.curves === null ? (
        <p class="muted">No curves: the report has no binary predictions with both classes.</p>
      ) : (
        <div class="charts">
          <XYPlot
            title={`ROC (AUC ${num(r.metrics.rocAuc ?? undefined)})`}
            x={{ label: "false positive rate", domain: [0, 1] }}
            y={{ label: "true positive rate", domain: [0, 1] }}
            series={[
              { label: "model", draw: "line", points: zip(r.curves.roc) },
              {
                label: "chance",
                draw: "line",
                dashed: true,
                colour: "#999999",
                points: [
                  [0, 0],
                  [1, 1],
                ],
              },
            ]}
          />
          <XYPlot
            title={`Precision–recall (AP ${num(r.metrics.averagePrecision ?? undefined)})`}
            x={{ label: "recall", domain: [0, 1] }}
            y={{ label: "precision", domain: [0, 1] }}
            series={[{ label: "model", draw: "line", points: zip(r.curves.precisionRecall) }]}
          />
          <XYPlot
            title={`Calibration (ECE ${num(r.metrics.expectedCalibrationError ?? undefined)})`}
            x={{ label: "mean predicted probability", domain: [0, 1] }}
            y={{ label: "observed frequency", domain: [0, 1] }}
            series={[
              {
                label: "model",
                draw: "line",
                points: zip(r.curves.calibration),
                titles: r.curves.calibration.counts.map((c) => `${c} rows`),
              },
              {
                label: "perfect",
                draw: "line",
                dashed: true,
                colour: "#999999",
                points: [
                  [0, 0],
                  [1, 1],
                ],
              },
            ]}
          />
        </div>
      )}
      <h3>Metrics</h3>
      <table class="data metrics" aria-label="Evaluation metrics">
        <tbody>
          {Object.entries(r.metrics).map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td class="num">{v === null ? "—" : num(v)}</td>
              <td class="muted">{r.notes[k] ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.segments.map((s) => (
        <div key={s.column}>
          <h3>Per segment: {s.column}</h3>
          {s.note !== undefined && <p class="muted">{s.note}</p>}
          <table class="data" aria-label={`Metrics by ${s.column}`}>
            <thead>
              <tr>
                <th scope="col">{s.column}</th>
                <th scope="col" class="num">
                  Rows
                </th>
                {segmentMetrics.map((m) => (
                  <th scope="col" class="num" key={m}>
                    {m}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {s.groups.map((g) => (
                <tr key={g.key} class={g.judged ? undefined : "pruned"}>
                  <th scope="row">
                    {g.key}
                    {!g.judged && (
                      <span class="muted"> (under {s.minGroupSize} rows, not judged)</span>
                    )}
                  </th>
                  <td class="num">{g.size}</td>
                  {segmentMetrics.map((m) => (
                    <td class="num" key={m}>
                      {g.metrics[m] === null || g.metrics[m] === undefined
                        ? "—"
                        : num(g.metrics[m])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </>
  );
}

/**
 * One model version: its facts and the evaluation report found in its run's artifacts (gates,
 * ROC, precision–recall and calibration curves, metrics, per-segment metrics).
 *
 * @example `<ModelVersionPage name="churn" version="2" />`
 */
export function ModelVersionPage(props: { name: string; version: string }) {
  const [loaded] = useLoad(
    () => loadVersion(props.name, props.version),
    [props.name, props.version],
  );
  return (
    <section aria-labelledby="version-title">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href("models")}>Models</a> / <a href={href("models", props.name)}>{props.name}</a>{" "}
        /
      </nav>
      <h1 id="version-title">
        {props.name} v{props.version}
      </h1>
      <Show what={loaded}>
        {({ version, run, report, missing }) => (
          <>
            <dl class="facts">
              <dt>Aliases</dt>
              <dd>{(version.aliases ?? []).map((a) => `@${a}`).join(", ") || "none"}</dd>
              <dt>Run</dt>
              <dd>
                {run ? (
                  <a href={href("runs", run.info.run_id)}>{run.info.run_name || run.info.run_id}</a>
                ) : (
                  "—"
                )}
              </dd>
              <dt>Source</dt>
              <dd>{version.source ?? ""}</dd>
              <dt>Created</dt>
              <dd>{when(version.creation_timestamp)}</dd>
            </dl>
            <h2>Evaluation report</h2>
            {report === null ? (
              <p class="muted">{missing}</p>
            ) : (
              <ReportView report={report.value} path={report.path} />
            )}
          </>
        )}
      </Show>
    </section>
  );
}
