import { mlflowGet } from "../api";
import { Show } from "../components/status";
import { useLoad } from "../components/use-load";
import { when } from "../format";
import { href } from "../route";
import type { RegisteredModel } from "../types";

async function allModels(): Promise<RegisteredModel[]> {
  const all: RegisteredModel[] = [];
  let page: string | undefined;
  do {
    const answer = await mlflowGet<{
      registered_models?: RegisteredModel[];
      next_page_token?: string;
    }>("registered-models/search", { max_results: 1000, page_token: page, order_by: "name ASC" });
    all.push(...(answer.registered_models ?? []));
    page = answer.next_page_token;
  } while (page !== undefined);
  return all;
}

/** Every registered model with its newest version and its aliases. @example `<ModelsPage />` */
export function ModelsPage() {
  const [models] = useLoad(allModels, []);
  return (
    <section aria-labelledby="models-title">
      <h1 id="models-title">Registered models</h1>
      <Show what={models}>
        {(list) =>
          list.length === 0 ? (
            <p class="muted">
              No registered models yet: keel models register, or the MLflow client.
            </p>
          ) : (
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Latest version</th>
                  <th scope="col">Aliases</th>
                  <th scope="col">Last update</th>
                </tr>
              </thead>
              <tbody>
                {list.map((m) => (
                  <tr key={m.name}>
                    <td>
                      <a href={href("models", m.name)}>{m.name}</a>
                    </td>
                    <td>
                      {Math.max(0, ...(m.latest_versions ?? []).map((v) => Number(v.version))) ||
                        ""}
                    </td>
                    <td>
                      {(m.aliases ?? []).map((a) => (
                        <span class="badge" key={a.alias}>
                          @{a.alias} → v{a.version}
                        </span>
                      ))}
                    </td>
                    <td>{when(m.last_updated_timestamp)}</td>
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
