import { useRef, useState } from "preact/hooks";
import { ApiError, keelGet, keelPost, mlflowGet } from "../api";
import { Show } from "../components/status";
import { useLoad } from "../components/use-load";
import { when } from "../format";
import { href } from "../route";
import type { AliasEvent, ModelVersion, RegisteredModel } from "../types";

async function loadModel(name: string) {
  const [{ registered_model: model }, versions, history] = await Promise.all([
    mlflowGet<{ registered_model: RegisteredModel }>("registered-models/get", { name }),
    mlflowGet<{ model_versions?: ModelVersion[] }>("model-versions/search", {
      filter: `name = '${name.replaceAll("'", "\\'")}'`,
      max_results: 1000,
      order_by: "version_number DESC",
    }),
    keelGet<{ events: AliasEvent[] }>("models/alias-history", { name }),
  ]);
  return { model, versions: versions.model_versions ?? [], events: history.events };
}

/** Whether an alias has an earlier version to go back to (its last move came from one). */
function canRollBack(events: AliasEvent[], alias: string): string | null {
  const last = events.find((e) => e.alias === alias);
  return last?.from_version ?? null;
}

/**
 * One registered model: versions, aliases, the alias audit log (who moved which alias, when and
 * why) and one-click rollback of an alias, confirmed in a dialog before anything changes.
 *
 * @example `<ModelPage name="churn" />`
 */
export function ModelPage(props: { name: string }) {
  const [loaded, reload] = useLoad(() => loadModel(props.name), [props.name]);
  const dialog = useRef<HTMLDialogElement>(null);
  const [pending, setPending] = useState<{ alias: string; from: string; to: string } | null>(null);
  const [reason, setReason] = useState("");
  const [message, setMessage] = useState<{
    ok: boolean;
    text: string;
    needsToken?: boolean;
  } | null>(null);

  const ask = (alias: string, from: string, to: string) => {
    setPending({ alias, from, to });
    setReason("");
    dialog.current?.showModal();
  };
  const confirm = async (event: Event) => {
    event.preventDefault();
    if (pending === null) return;
    dialog.current?.close();
    try {
      const answer = await keelPost<{ model_version: ModelVersion }>("models/rollback", {
        name: props.name,
        alias: pending.alias,
        ...(reason.trim() === "" ? {} : { reason: reason.trim() }),
      });
      setMessage({
        ok: true,
        text: `@${pending.alias} now points at version ${answer.model_version.version}`,
      });
      reload();
    } catch (e) {
      setMessage({
        ok: false,
        text: e instanceof ApiError ? `${e.code}: ${e.message}` : String(e),
        needsToken: e instanceof ApiError && (e.status === 401 || e.status === 403),
      });
    }
  };

  return (
    <section aria-labelledby="model-title">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href("models")}>Models</a> / <span>{props.name}</span>
      </nav>
      <h1 id="model-title">{props.name}</h1>
      {message !== null && (
        <p class={message.ok ? "notice" : "error"} role={message.ok ? "status" : "alert"}>
          {message.text}
          {message.needsToken === true && (
            <>
              {" "}
              <a href="#/token">Enter a write token</a>
            </>
          )}
        </p>
      )}
      <Show what={loaded}>
        {({ model, versions, events }) => (
          <>
            {model.description && <p>{model.description}</p>}
            <h2>Aliases</h2>
            {(model.aliases ?? []).length === 0 ? (
              <p class="muted">No aliases.</p>
            ) : (
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">Alias</th>
                    <th scope="col">Version</th>
                    <th scope="col">Rollback</th>
                  </tr>
                </thead>
                <tbody>
                  {(model.aliases ?? []).map((a) => {
                    const previous = canRollBack(events, a.alias);
                    return (
                      <tr key={a.alias}>
                        <th scope="row">@{a.alias}</th>
                        <td>v{a.version}</td>
                        <td>
                          {previous === null ? (
                            <span class="muted">no earlier version</span>
                          ) : (
                            <button type="button" onClick={() => ask(a.alias, a.version, previous)}>
                              Roll back @{a.alias} to v{previous}
                            </button>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
            <h2>Versions</h2>
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Aliases</th>
                  <th scope="col">Stage</th>
                  <th scope="col">Run</th>
                  <th scope="col">Created</th>
                  <th scope="col">Description</th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => (
                  <tr key={v.version}>
                    <td>
                      <a href={href("models", props.name, v.version)}>v{v.version}</a>
                    </td>
                    <td>
                      {(v.aliases ?? []).map((a) => (
                        <span class="badge" key={a}>
                          @{a}
                        </span>
                      ))}
                    </td>
                    <td>{v.current_stage ?? ""}</td>
                    <td>
                      {v.run_id ? <a href={href("runs", v.run_id)}>{v.run_id.slice(0, 8)}</a> : ""}
                    </td>
                    <td>{when(v.creation_timestamp)}</td>
                    <td>{v.description ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h2>Alias audit log</h2>
            {events.length === 0 ? (
              <p class="muted">No alias has moved yet.</p>
            ) : (
              <table class="data" aria-label="Alias audit log">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Alias</th>
                    <th scope="col">From</th>
                    <th scope="col">To</th>
                    <th scope="col">Who</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {events.map((e) => (
                    <tr key={e.id}>
                      <td>{when(e.created_at)}</td>
                      <td>@{e.alias}</td>
                      <td>{e.from_version === null ? "—" : `v${e.from_version}`}</td>
                      <td>{e.to_version === null ? "removed" : `v${e.to_version}`}</td>
                      <td>{e.actor}</td>
                      <td>{e.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </Show>
      <dialog ref={dialog} aria-labelledby="rollback-title">
        <form method="dialog" onSubmit={(e) => void confirm(e)}>
          <h2 id="rollback-title">Roll back @{pending?.alias}?</h2>
          <p>
            @{pending?.alias} of {props.name} moves from v{pending?.from} back to v{pending?.to}.
            Clients resolving{" "}
            <code>
              models:/{props.name}@{pending?.alias}
            </code>{" "}
            get v{pending?.to} from then on. The move is logged.
          </p>
          <label for="rollback-reason">Reason (for the audit log)</label>
          <input
            id="rollback-reason"
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
            placeholder="precision dropped on the new version"
          />
          <div class="actions">
            <button type="button" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button type="submit" class="danger">
              Roll back
            </button>
          </div>
        </form>
      </dialog>
    </section>
  );
}
