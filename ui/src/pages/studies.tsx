import { keelGet } from "../api";
import { Bars, ParallelCoordinates, type PcAxis } from "../components/parallel-coordinates";
import { Show } from "../components/status";
import { useLoad } from "../components/use-load";
import { XYPlot, type XYSeries } from "../components/xy-plot";
import { elapsed, num } from "../format";
import { href } from "../route";

/** A study as `GET /v1/studies` lists it. */
interface StudyRow {
  name: string;
  direction: "minimize" | "maximize";
  directions: string[];
  n_trials: number;
  states: Record<string, number>;
  best_value: number | null;
}

type Distribution =
  | { kind: "float" | "int"; low: number; high: number; log: boolean }
  | { kind: "categorical"; choices: (string | number | boolean | null)[] };

interface TrialRow {
  number: number;
  state: "WAITING" | "RUNNING" | "COMPLETE" | "PRUNED" | "FAIL";
  value: number | null;
  params: Record<string, string | number | boolean | null>;
  distributions: Record<string, Distribution>;
  intermediate_values: [number, number][];
  datetime_start: number | null;
  datetime_complete: number | null;
}

interface StudyDetail {
  study: StudyRow;
  trials: TrialRow[];
  importances: Record<string, number> | null;
  importance_note: string | null;
}

/** Every tuning study in the tracking store, with trial counts per state. @example `<StudiesPage />` */
export function StudiesPage() {
  const [loaded] = useLoad(() => keelGet<{ studies: StudyRow[] }>("studies"), []);
  return (
    <section aria-labelledby="studies-title">
      <h1 id="studies-title">Tuning studies</h1>
      <Show what={loaded}>
        {({ studies }) =>
          studies.length === 0 ? (
            <p class="muted">No studies yet: keel tune --experiment NAME keeps its study here.</p>
          ) : (
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Study</th>
                  <th scope="col">Direction</th>
                  <th scope="col" class="num">
                    Trials
                  </th>
                  <th scope="col" class="num">
                    Complete
                  </th>
                  <th scope="col" class="num">
                    Pruned
                  </th>
                  <th scope="col" class="num">
                    Failed
                  </th>
                  <th scope="col" class="num">
                    Best value
                  </th>
                </tr>
              </thead>
              <tbody>
                {studies.map((s) => (
                  <tr key={s.name}>
                    <td>
                      <a href={href("studies", s.name)}>{s.name}</a>
                    </td>
                    <td>{s.directions.join(", ")}</td>
                    <td class="num">{s.n_trials}</td>
                    <td class="num">{s.states.COMPLETE ?? 0}</td>
                    <td class="num">{s.states.PRUNED ?? 0}</td>
                    <td class="num">{s.states.FAIL ?? 0}</td>
                    <td class="num">{s.best_value === null ? "" : num(s.best_value)}</td>
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

/** A parameter's value on its axis: the number, or a categorical choice's index. */
function position(d: Distribution | undefined, v: TrialRow["params"][string] | undefined): number {
  if (d === undefined || v === undefined) return Number.NaN;
  if (d.kind === "categorical") return d.choices.indexOf(v);
  return typeof v === "number" ? v : Number.NaN;
}

function axisOf(name: string, d: Distribution | undefined): PcAxis {
  if (d?.kind === "categorical") return { name, categories: d.choices.map(String) };
  return { name, log: d?.log ?? false };
}

/** The last intermediate value a trial reported (where a pruned trial stopped). */
function lastReported(t: TrialRow): [number, number] | undefined {
  return t.intermediate_values[t.intermediate_values.length - 1];
}

function historySeries(study: StudyRow, trials: TrialRow[]): XYSeries[] {
  const complete = trials.filter((t) => t.state === "COMPLETE" && t.value !== null);
  const better = (a: number, b: number) => (study.direction === "maximize" ? a > b : a < b);
  const best: [number, number][] = [];
  let so: number | undefined;
  for (const t of complete) {
    if (so === undefined || better(t.value!, so)) so = t.value!;
    best.push([t.number, so]);
  }
  const pruned = trials.flatMap((t) => {
    const last = t.state === "PRUNED" ? lastReported(t) : undefined;
    return last === undefined ? [] : [{ n: t.number, v: last[1], step: last[0] }];
  });
  return [
    {
      label: "complete",
      draw: "points",
      points: complete.map((t) => [t.number, t.value!]),
      titles: complete.map((t) => `trial ${t.number}: ${num(t.value!)}`),
    },
    {
      label: "pruned (last reported value)",
      draw: "points",
      colour: "#d55e00",
      points: pruned.map((p) => [p.n, p.v]),
      titles: pruned.map((p) => `trial ${p.n} pruned at step ${p.step}: ${num(p.v)}`),
    },
    { label: "best so far", draw: "step", colour: "#009e73", points: best },
  ];
}

function StudyCharts(props: { detail: StudyDetail }) {
  const { study, trials, importances, importance_note } = props.detail;
  const complete = trials.filter((t) => t.state === "COMPLETE" && t.value !== null);
  const distributions: Record<string, Distribution> = {};
  for (const t of trials) Object.assign(distributions, t.distributions);
  const ranked = importances ? Object.keys(importances) : Object.keys(distributions).sort();
  const params = [...ranked, ...Object.keys(distributions).filter((p) => !ranked.includes(p))];
  const values = complete.map((t) => t.value!);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const shade = (v: number) => {
    const t = hi === lo ? 1 : (v - lo) / (hi - lo);
    return study.direction === "maximize" ? t : 1 - t;
  };
  const curves = trials.filter((t) => t.intermediate_values.length > 0);
  return (
    <>
      <div class="charts">
        <XYPlot
          title="Optimisation history"
          x={{ label: "trial" }}
          y={{ label: "objective value" }}
          series={historySeries(study, trials)}
        />
        {curves.length > 0 && (
          <XYPlot
            title="Intermediate values (pruned trials stop early)"
            x={{ label: "step" }}
            y={{ label: "reported value" }}
            series={curves.map((t) => ({
              label: `trial ${t.number}${t.state === "PRUNED" ? " (pruned)" : ""}`,
              draw: "line" as const,
              dashed: t.state === "PRUNED",
              colour: t.state === "PRUNED" ? "#d55e00" : "#0072b2",
              points: t.intermediate_values,
            }))}
          />
        )}
        {importances ? (
          <Bars
            title="Parameter importance (fANOVA)"
            rows={Object.entries(importances).map(([label, value]) => ({ label, value }))}
          />
        ) : (
          <p class="muted">No parameter importances: {importance_note}</p>
        )}
      </div>
      {complete.length > 0 && params.length > 0 && (
        <ParallelCoordinates
          title="Parallel coordinates (complete trials; darker is better)"
          axes={[...params.map((p) => axisOf(p, distributions[p])), { name: "objective" }]}
          lines={complete.map((t) => ({
            label: `trial ${t.number}: ${num(t.value!)}`,
            values: [...params.map((p) => position(distributions[p], t.params[p])), t.value!],
            shade: shade(t.value!),
          }))}
        />
      )}
      <h2>Slice plots</h2>
      <div class="charts">
        {params.map((p) => {
          const d = distributions[p];
          const axis = axisOf(p, d);
          return (
            <XYPlot
              key={p}
              title={`objective by ${p}`}
              x={{
                label: p,
                ...(axis.categories ? { categories: axis.categories } : { log: axis.log ?? false }),
              }}
              y={{ label: "objective value" }}
              series={[
                {
                  label: "complete",
                  draw: "points",
                  points: complete.map((t) => [position(d, t.params[p]), t.value!]),
                  titles: complete.map((t) => `trial ${t.number}: ${p}=${String(t.params[p])}`),
                },
              ]}
            />
          );
        })}
      </div>
    </>
  );
}

/**
 * One tuning study: optimisation history (with pruned trials where they stopped), intermediate
 * values, parameter importances, parallel coordinates, slice plots and the trials table.
 *
 * @example `<StudyPage name="churn-gbdt" />`
 */
export function StudyPage(props: { name: string }) {
  const [loaded] = useLoad(
    () => keelGet<StudyDetail>("studies/get", { name: props.name }),
    [props.name],
  );
  return (
    <section aria-labelledby="study-title">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href("studies")}>Studies</a> /
      </nav>
      <h1 id="study-title">{props.name}</h1>
      <Show what={loaded}>
        {(detail) => (
          <>
            <p>
              {detail.study.directions.join(", ")} · {detail.study.n_trials} trials ·{" "}
              {detail.study.states.COMPLETE ?? 0} complete · {detail.study.states.PRUNED ?? 0}{" "}
              pruned · {detail.study.states.FAIL ?? 0} failed
              {detail.study.best_value !== null && <> · best {num(detail.study.best_value)}</>}
            </p>
            <StudyCharts detail={detail} />
            <h2>Trials</h2>
            <table class="data" aria-label="Trials">
              <thead>
                <tr>
                  <th scope="col" class="num">
                    #
                  </th>
                  <th scope="col">State</th>
                  <th scope="col" class="num">
                    Value
                  </th>
                  <th scope="col">Params</th>
                  <th scope="col" class="num">
                    Steps
                  </th>
                  <th scope="col">Duration</th>
                </tr>
              </thead>
              <tbody>
                {detail.trials.map((t) => (
                  <tr key={t.number} class={t.state === "PRUNED" ? "pruned" : undefined}>
                    <td class="num">{t.number}</td>
                    <td>{t.state}</td>
                    <td class="num">{t.value === null ? "" : num(t.value)}</td>
                    <td>
                      {Object.entries(t.params)
                        .map(([k, v]) => `${k}=${typeof v === "number" ? num(v) : String(v)}`)
                        .join(", ")}
                    </td>
                    <td class="num">{t.intermediate_values.length}</td>
                    <td>
                      {t.datetime_start === null || t.datetime_complete === null
                        ? ""
                        : elapsed(t.datetime_complete - t.datetime_start)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Show>
    </section>
  );
}
