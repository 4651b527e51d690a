import { useState } from "preact/hooks";
import { ApiError, keelGet, keelPost } from "../api";
import { Dag } from "../components/dag";
import { Show } from "../components/status";
import { useLoad } from "../components/use-load";
import { duration, elapsed, when } from "../format";
import { href } from "../route";

interface RunRow {
  run_id: string;
  pipeline: string;
  logical_date: number;
  status: string;
  trigger: string;
  error: string | null;
  created_at: number;
  finished_at: number | null;
  steps: Record<string, number>;
}

interface Letter {
  id: number;
  kind: "step" | "record";
  pipeline: string;
  runId: string;
  step: string;
  error: string;
  attempts: number;
  status: "open" | "replayed";
  createdAt: number;
  replayedAt: number | null;
}

interface RunDetail {
  run: RunRow & { params: Record<string, unknown>; executor: string };
  steps: {
    step: string;
    status: string;
    attempts: number;
    error: string | null;
    started_at: number | null;
    finished_at: number | null;
    duration_ms: number | null;
  }[];
  edges: { from: string; to: string }[] | null;
  logs: { step: string; attempt: number; level: string; message: string; time: number }[];
  dead_letters: Letter[];
  can_replay: boolean;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A dead letters table with a confirmed replay per open step letter. */
function DeadLetters(props: { letters: Letter[]; canReplay: boolean; onReplayed: () => void }) {
  const [asking, setAsking] = useState<number | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const replay = async (id: number) => {
    setAsking(null);
    try {
      const r = await keelPost<{ run_id: string; status: string }>(
        `pipelines/dead-letters/${id}/replay`,
        {},
      );
      setMessage({
        ok: r.status === "succeeded",
        text: `Dead letter ${id} replayed: run ${r.run_id.slice(0, 8)} ${r.status}`,
      });
      props.onReplayed();
    } catch (e) {
      setMessage({
        ok: false,
        text: e instanceof ApiError ? `${e.code}: ${e.message}` : String(e),
      });
    }
  };
  if (props.letters.length === 0) return <p class="muted">No dead letters.</p>;
  return (
    <>
      {message !== null && (
        <p class={message.ok ? "notice" : "error"} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      )}
      <table class="data" aria-label="Dead letters">
        <thead>
          <tr>
            <th scope="col" class="num">
              #
            </th>
            <th scope="col">Pipeline</th>
            <th scope="col">Step</th>
            <th scope="col">Kind</th>
            <th scope="col">Error</th>
            <th scope="col" class="num">
              Tries
            </th>
            <th scope="col">Filed</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {props.letters.map((l) => (
            <tr key={l.id}>
              <td class="num">{l.id}</td>
              <td>{l.pipeline}</td>
              <td>{l.step}</td>
              <td>{l.kind}</td>
              <td>{l.error}</td>
              <td class="num">{l.attempts}</td>
              <td>{when(l.createdAt)}</td>
              <td>
                {l.status === "replayed" ? (
                  `replayed ${when(l.replayedAt ?? undefined)}`
                ) : l.kind !== "step" ? (
                  "open (a rejected record: fix the data)"
                ) : !props.canReplay ? (
                  "open (start keel server in the project to replay)"
                ) : asking === l.id ? (
                  <span class="confirm">
                    Run step {l.step} again and what follows it?{" "}
                    <button type="button" class="danger" onClick={() => void replay(l.id)}>
                      Confirm replay
                    </button>{" "}
                    <button type="button" onClick={() => setAsking(null)}>
                      Cancel
                    </button>
                  </span>
                ) : (
                  <button type="button" onClick={() => setAsking(l.id)}>
                    Replay #{l.id}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** Pipeline runs (newest first) with their step states, and every open dead letter. @example `<PipelinesPage />` */
export function PipelinesPage() {
  const [loaded, reload] = useLoad(
    async () => {
      const [runs, letters] = await Promise.all([
        keelGet<{ runs: RunRow[] }>("pipelines/runs"),
        keelGet<{ dead_letters: Letter[]; can_replay: boolean }>("pipelines/dead-letters", {
          status: "open",
        }),
      ]);
      return { runs: runs.runs, letters: letters.dead_letters, canReplay: letters.can_replay };
    },
    [],
    15_000,
  );
  return (
    <section aria-labelledby="pipelines-title">
      <h1 id="pipelines-title">Pipelines</h1>
      <Show what={loaded}>
        {({ runs, letters, canReplay }) => (
          <>
            {runs.length === 0 ? (
              <p class="muted">No pipeline runs yet: keel run NAME.</p>
            ) : (
              <table class="data" aria-label="Pipeline runs">
                <thead>
                  <tr>
                    <th scope="col">Run</th>
                    <th scope="col">Pipeline</th>
                    <th scope="col">Logical date</th>
                    <th scope="col">Status</th>
                    <th scope="col">Steps</th>
                    <th scope="col">Trigger</th>
                    <th scope="col">Started</th>
                    <th scope="col">Duration</th>
                  </tr>
                </thead>
                <tbody>
                  {runs.map((r) => (
                    <tr key={r.run_id}>
                      <td>
                        <a href={href("pipeline-runs", r.run_id)}>{r.run_id.slice(0, 8)}</a>
                      </td>
                      <td>{r.pipeline}</td>
                      <td>{day(r.logical_date)}</td>
                      <td
                        class={
                          r.status === "failed"
                            ? "fail"
                            : r.status === "succeeded"
                              ? "pass"
                              : undefined
                        }
                      >
                        {r.status}
                      </td>
                      <td>
                        {Object.entries(r.steps).map(([s, n]) => (
                          <span class={`badge state-${s}`} key={s}>
                            {n} {s}
                          </span>
                        ))}
                      </td>
                      <td>{r.trigger}</td>
                      <td>{when(r.created_at)}</td>
                      <td>{duration(r.created_at, r.finished_at ?? undefined)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <h2>Open dead letters</h2>
            <DeadLetters letters={letters} canReplay={canReplay} onReplayed={reload} />
          </>
        )}
      </Show>
    </section>
  );
}

function RunView(props: { d: RunDetail; reload: () => void }) {
  const { run, edges, logs } = props.d;
  // In the order they ran (steps not started last), then by name.
  const steps = [...props.d.steps].sort(
    (a, b) =>
      (a.started_at ?? Number.POSITIVE_INFINITY) - (b.started_at ?? Number.POSITIVE_INFINITY) ||
      a.step.localeCompare(b.step),
  );
  const [logStep, setLogStep] = useState("");
  const shown = logs.filter((l) => logStep === "" || l.step === logStep);
  return (
    <>
      <p>
        {run.pipeline} · logical date {day(run.logical_date)} ·{" "}
        <span
          class={run.status === "failed" ? "fail" : run.status === "succeeded" ? "pass" : undefined}
        >
          {run.status}
        </span>{" "}
        · trigger {run.trigger} · started {when(run.created_at)}
        {run.finished_at !== null && <> · took {duration(run.created_at, run.finished_at)}</>}
      </p>
      {run.error && (
        <p class="error" role="alert">
          {run.error}
        </p>
      )}
      <Dag
        title={
          edges === null ? "Steps (the server has not loaded this pipeline, so no edges)" : "Steps"
        }
        nodes={steps.map((s) => ({
          id: s.step,
          state: s.status,
          detail: [
            s.attempts > 1 ? `${s.attempts} tries` : "",
            s.duration_ms === null ? "" : elapsed(s.duration_ms),
          ]
            .filter((x) => x !== "")
            .join(", "),
        }))}
        edges={edges ?? []}
      />
      <table class="data" aria-label="Steps">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">State</th>
            <th scope="col" class="num">
              Tries
            </th>
            <th scope="col" class="num">
              Retries
            </th>
            <th scope="col">Started</th>
            <th scope="col" class="num">
              Duration (ms)
            </th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((s) => (
            <tr key={s.step}>
              <th scope="row">{s.step}</th>
              <td class={`state-${s.status}`}>{s.status}</td>
              <td class="num">{s.attempts}</td>
              <td class="num">{Math.max(0, s.attempts - 1)}</td>
              <td>{when(s.started_at ?? undefined)}</td>
              <td class="num">{s.duration_ms ?? ""}</td>
              <td>{s.error ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Logs</h2>
      <label for="log-step">Step</label>{" "}
      <select id="log-step" value={logStep} onChange={(e) => setLogStep(e.currentTarget.value)}>
        <option value="">all steps</option>
        {steps.map((s) => (
          <option key={s.step} value={s.step}>
            {s.step}
          </option>
        ))}
      </select>
      <pre class="artifact-text" role="log" aria-label="Logs">
        {shown.length === 0
          ? "no log lines"
          : shown
              .map(
                (l) =>
                  `${new Date(l.time).toISOString().slice(11, 23)} ${l.step}#${l.attempt} ${l.level.padEnd(5)} ${l.message}`,
              )
              .join("\n")}
      </pre>
      <h2>Dead letters of this run</h2>
      <DeadLetters
        letters={props.d.dead_letters}
        canReplay={props.d.can_replay}
        onReplayed={props.reload}
      />
    </>
  );
}

/**
 * One pipeline run: its steps as a DAG coloured by state, tries, retries and durations, the
 * logs (all or one step's) and its dead letters with replay.
 *
 * @example `<PipelineRunPage runId="3f2a…" />`
 */
export function PipelineRunPage(props: { runId: string }) {
  const [loaded, reload] = useLoad(
    () => keelGet<RunDetail>(`pipelines/runs/${encodeURIComponent(props.runId)}`),
    [props.runId],
  );
  return (
    <section aria-labelledby="pipeline-run-title">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href("pipelines")}>Pipelines</a> /
      </nav>
      <h1 id="pipeline-run-title">Run {props.runId.slice(0, 8)}</h1>
      <Show what={loaded}>{(d) => <RunView d={d} reload={reload} />}</Show>
    </section>
  );
}
