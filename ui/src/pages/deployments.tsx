import { keelGet } from "../api";
import { type Interval, IntervalPlot } from "../components/interval-plot";
import { PALETTE } from "../components/palette";
import { Show } from "../components/status";
import { useLoad } from "../components/use-load";
import { XYPlot } from "../components/xy-plot";
import { num, when } from "../format";
import { href } from "../route";

interface CanarySpec {
  variant: string;
  steps: number[];
  intervalMs: number;
}

interface DeploymentRow {
  name: string;
  revision: number;
  updated_at: number;
  variants: { name: string; model: string; weight: number }[];
  effective_weights: Record<string, number>;
  shadow: { name: string; model: string }[];
  canary: CanarySpec | null;
  canary_state: {
    stepIndex: number;
    stepStartedAt: number;
    outcome: "running" | "complete" | "rolled_back";
    reason?: string;
  } | null;
}

interface Estimate {
  value: number;
  standardError: number;
  lower: number;
  upper: number;
}

interface Difference {
  difference: number;
  lower: number;
  upper: number;
  pValue: number;
}

/** The A/B analysis as src/serve's analyzeExperiment returns it. */
interface Analysis {
  from: number;
  control: string;
  totalRequests: number;
  variants: {
    name: string;
    weight: number;
    expectedShare: number;
    requests: number;
    share: number;
    labelled: number;
    metrics?: { auc?: Estimate; logLoss: Estimate; positiveRate: Estimate };
    versusControl?: { auc?: Difference; logLoss?: Difference; positiveRate?: Difference };
  }[];
  sampleRatio: { statistic: number; pValue: number; mismatch: boolean };
  notes: string[];
}

interface Overview {
  deployment: DeploymentRow;
  events: { kind: string; revision: number; actor: string; reason: string; created_at: number }[];
  window: { from: number; to: number; bucket_ms: number; rows: number; truncated: boolean };
  traffic: {
    variant: string;
    requests: number;
    perSecond: number;
    p50Ms: number | null;
    p95Ms: number | null;
    p99Ms: number | null;
    buckets: { start: number; perSecond: number; p50Ms: number | null; p95Ms: number | null }[];
  }[];
  shadows: {
    shadow: string;
    compared: number;
    errors: number;
    agreement: number | null;
    meanAbsDifference: number | null;
    maxAbsDifference: number | null;
  }[];
  analysis: Analysis | null;
  analysis_note: string | null;
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

function canaryText(d: DeploymentRow): string {
  if (d.canary === null) return "";
  const s = d.canary_state;
  const step = d.canary.steps[s?.stepIndex ?? 0];
  return `${d.canary.variant} at ${step}% (${s?.outcome ?? "running"})`;
}

/** Every stored deployment with its weights, shadows and canary step. @example `<DeploymentsPage />` */
export function DeploymentsPage() {
  const [loaded] = useLoad(
    () => keelGet<{ deployments: DeploymentRow[] }>("deployments"),
    [],
    10_000,
  );
  return (
    <section aria-labelledby="deployments-title">
      <h1 id="deployments-title">Deployments</h1>
      <Show what={loaded}>
        {({ deployments }) =>
          deployments.length === 0 ? (
            <p class="muted">No deployments yet: keel deploy create.</p>
          ) : (
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Deployment</th>
                  <th scope="col">Variants (weight in force)</th>
                  <th scope="col">Shadows</th>
                  <th scope="col">Canary</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {deployments.map((d) => (
                  <tr key={d.name}>
                    <td>
                      <a href={href("deployments", d.name)}>{d.name}</a>
                    </td>
                    <td>
                      {d.variants.map((v) => (
                        <span class="badge" key={v.name}>
                          {v.name} {num(d.effective_weights[v.name] ?? 0)}
                        </span>
                      ))}
                    </td>
                    <td>{d.shadow.map((s) => s.name).join(", ")}</td>
                    <td>{canaryText(d)}</td>
                    <td>{when(d.updated_at)}</td>
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

function CanaryProgress(props: { d: DeploymentRow }) {
  const { canary, canary_state: state } = props.d;
  if (canary === null) return null;
  const at = state?.stepIndex ?? 0;
  const next = state ? state.stepStartedAt + canary.intervalMs : undefined;
  return (
    <>
      <h2>Canary</h2>
      <p>
        {canary.variant}: step {at + 1} of {canary.steps.length}, {state?.outcome ?? "running"}
        {state?.reason ? ` (${state.reason})` : ""}
        {state?.outcome === "running" && next !== undefined && (
          <>
            {" "}
            · next step {next < Date.now() ? "was due" : "due"} {when(next)}
          </>
        )}
      </p>
      <ol class="canary-steps" aria-label="Canary steps">
        {canary.steps.map((s, i) => (
          <li
            key={s}
            class={i < at ? "done" : i === at ? "current" : "todo"}
            aria-current={i === at ? "step" : undefined}
          >
            {s}%
          </li>
        ))}
      </ol>
    </>
  );
}

function ciRows(
  analysis: Analysis,
  pick: (v: Analysis["variants"][number]) => Estimate | Difference | undefined,
  colour: (variant: string) => string,
): Interval[] {
  return analysis.variants.flatMap((v) => {
    const e = pick(v);
    if (e === undefined) return [];
    const value = "value" in e ? e.value : e.difference;
    return [{ label: v.name, value, lower: e.lower, upper: e.upper, colour: colour(v.name) }];
  });
}

function ci(e: Estimate | undefined): string {
  return e === undefined ? "—" : `${num(e.value)} [${num(e.lower)}, ${num(e.upper)}]`;
}

function AbResults(props: { analysis: Analysis; colour: (variant: string) => string }) {
  const a = props.analysis;
  const aucs = ciRows(a, (v) => v.metrics?.auc, props.colour);
  const diffs = ciRows(a, (v) => v.versusControl?.auc, props.colour);
  return (
    <>
      <p>
        Since {when(a.from)} · {a.totalRequests} requests · control {a.control} · sample ratio{" "}
        <span class={a.sampleRatio.mismatch ? "fail" : "pass"}>
          {a.sampleRatio.mismatch ? "MISMATCH" : "ok"}
        </span>{" "}
        (χ² {num(a.sampleRatio.statistic)}, p {num(a.sampleRatio.pValue)})
      </p>
      <table class="data" aria-label="A/B results">
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col" class="num">
              Requests
            </th>
            <th scope="col" class="num">
              Share (expected)
            </th>
            <th scope="col" class="num">
              Labelled
            </th>
            <th scope="col">AUC [95% CI]</th>
            <th scope="col">Log loss [95% CI]</th>
            <th scope="col">Δ AUC vs control [95% CI], p</th>
          </tr>
        </thead>
        <tbody>
          {a.variants.map((v) => {
            const d = v.versusControl?.auc;
            return (
              <tr key={v.name}>
                <th scope="row">{v.name}</th>
                <td class="num">{v.requests}</td>
                <td class="num">
                  {pct(v.share)} ({pct(v.expectedShare)})
                </td>
                <td class="num">{v.labelled}</td>
                <td>{ci(v.metrics?.auc)}</td>
                <td>{ci(v.metrics?.logLoss)}</td>
                <td>
                  {d === undefined
                    ? v.name === a.control
                      ? "control"
                      : "—"
                    : `${num(d.difference)} [${num(d.lower)}, ${num(d.upper)}], p ${num(d.pValue)}`}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div class="charts">
        {aucs.length > 0 && <IntervalPlot title="AUC by variant (95% CI)" rows={aucs} />}
        {diffs.length > 0 && (
          <IntervalPlot
            title={`AUC difference vs ${a.control} (95% CI)`}
            rows={diffs}
            reference={0}
          />
        )}
      </div>
      {a.notes.map((n) => (
        <p class="muted" key={n}>
          {n}
        </p>
      ))}
    </>
  );
}

function DeploymentView(props: { o: Overview }) {
  const { deployment: d, traffic, window: w } = props.o;
  const minutes = (t: number) => (t - w.to) / 60_000;
  const byVariant = new Map(traffic.map((t) => [t.variant, t]));
  // One colour per variant on every chart of the page: its position in the spec.
  const colour = (variant: string) => {
    const i = d.variants.findIndex((v) => v.name === variant);
    return PALETTE[(i < 0 ? d.variants.length : i) % PALETTE.length]!;
  };
  return (
    <>
      <h2>Variants</h2>
      <table class="data" aria-label="Variants">
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col">Model</th>
            <th scope="col" class="num">
              Weight
            </th>
            <th scope="col" class="num">
              In force
            </th>
            <th scope="col" class="num">
              Requests
            </th>
            <th scope="col" class="num">
              Requests/s
            </th>
            <th scope="col" class="num">
              p50 ms
            </th>
            <th scope="col" class="num">
              p95 ms
            </th>
            <th scope="col" class="num">
              p99 ms
            </th>
          </tr>
        </thead>
        <tbody>
          {d.variants.map((v) => {
            const t = byVariant.get(v.name);
            return (
              <tr key={v.name}>
                <th scope="row">{v.name}</th>
                <td>{v.model}</td>
                <td class="num">{num(v.weight)}</td>
                <td class="num">{num(d.effective_weights[v.name] ?? 0)}</td>
                <td class="num">{t?.requests ?? 0}</td>
                <td class="num">{t === undefined ? "0" : t.perSecond.toFixed(2)}</td>
                <td class="num">{t?.p50Ms == null ? "—" : t.p50Ms.toFixed(1)}</td>
                <td class="num">{t?.p95Ms == null ? "—" : t.p95Ms.toFixed(1)}</td>
                <td class="num">{t?.p99Ms == null ? "—" : t.p99Ms.toFixed(1)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p class="muted">
        Last {Math.round((w.to - w.from) / 60_000)} minutes, {w.rows} logged predictions
        {w.truncated ? " (the oldest left out)" : ""}; refreshes every 10 s.
      </p>
      <div class="charts">
        <XYPlot
          title="Requests/s per variant"
          x={{ label: "minutes ago" }}
          y={{ label: "requests/s" }}
          series={traffic.map((t) => ({
            label: t.variant,
            draw: "line" as const,
            colour: colour(t.variant),
            points: t.buckets.map((b) => [minutes(b.start), b.perSecond] as [number, number]),
          }))}
        />
        <XYPlot
          title="p95 latency per variant (ms)"
          x={{ label: "minutes ago" }}
          y={{ label: "ms" }}
          series={traffic.map((t) => ({
            label: t.variant,
            draw: "line" as const,
            colour: colour(t.variant),
            points: t.buckets.flatMap((b) =>
              b.p95Ms === null ? [] : [[minutes(b.start), b.p95Ms] as [number, number]],
            ),
          }))}
        />
      </div>
      <CanaryProgress d={d} />
      <h2>A/B results</h2>
      {props.o.analysis === null ? (
        <p class="muted">{props.o.analysis_note}</p>
      ) : (
        <AbResults analysis={props.o.analysis} colour={colour} />
      )}
      <h2>Shadow comparison</h2>
      {props.o.shadows.length === 0 ? (
        <p class="muted">No shadow models.</p>
      ) : (
        <table class="data" aria-label="Shadow comparison">
          <thead>
            <tr>
              <th scope="col">Shadow</th>
              <th scope="col">Model</th>
              <th scope="col" class="num">
                Compared
              </th>
              <th scope="col" class="num">
                Errors
              </th>
              <th scope="col" class="num">
                Agreement
              </th>
              <th scope="col" class="num">
                Mean |Δ|
              </th>
              <th scope="col" class="num">
                Max |Δ|
              </th>
            </tr>
          </thead>
          <tbody>
            {props.o.shadows.map((s) => (
              <tr key={s.shadow}>
                <th scope="row">{s.shadow}</th>
                <td>{d.shadow.find((x) => x.name === s.shadow)?.model ?? ""}</td>
                <td class="num">{s.compared}</td>
                <td class="num">{s.errors}</td>
                <td class="num">{s.agreement === null ? "—" : pct(s.agreement)}</td>
                <td class="num">{s.meanAbsDifference === null ? "—" : num(s.meanAbsDifference)}</td>
                <td class="num">{s.maxAbsDifference === null ? "—" : num(s.maxAbsDifference)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>History</h2>
      <table class="data" aria-label="Deployment history">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Change</th>
            <th scope="col" class="num">
              Revision
            </th>
            <th scope="col">Who</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {props.o.events.map((e) => (
            <tr key={e.revision}>
              <td>{when(e.created_at)}</td>
              <td>{e.kind}</td>
              <td class="num">{e.revision}</td>
              <td>{e.actor}</td>
              <td>{e.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/**
 * One deployment, live: variants with weights, requests/s and latency per variant, canary
 * progress, A/B results with confidence intervals, the shadow comparison and the history.
 *
 * @example `<DeploymentPage name="churn" />`
 */
export function DeploymentPage(props: { name: string }) {
  const [loaded] = useLoad(
    () => keelGet<Overview>(`deployments/${encodeURIComponent(props.name)}/overview`),
    [props.name],
    10_000,
  );
  return (
    <section aria-labelledby="deployment-title">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href("deployments")}>Deployments</a> /
      </nav>
      <h1 id="deployment-title">{props.name}</h1>
      <Show what={loaded}>{(o) => <DeploymentView o={o} />}</Show>
    </section>
  );
}
