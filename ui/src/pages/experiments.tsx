import { mlflowGet } from "../api";
import { Show } from "../components/status";
import { useLoad } from "../components/use-load";
import { when } from "../format";
import { href } from "../route";
import type { Experiment } from "../types";

/** Every active experiment, newest first, each linking to its runs. @example `<ExperimentsPage />` */
export function ExperimentsPage() {
  const [experiments] = useLoad(async () => {
    const all: Experiment[] = [];
    let page: string | undefined;
    do {
      const answer = await mlflowGet<{ experiments?: Experiment[]; next_page_token?: string }>(
        "experiments/search",
        { max_results: 1000, page_token: page, order_by: "last_update_time DESC" },
      );
      all.push(...(answer.experiments ?? []));
      page = answer.next_page_token;
    } while (page !== undefined);
    return all;
  }, []);
  return (
    <section aria-labelledby="experiments-title">
      <h1 id="experiments-title">Experiments</h1>
      <Show what={experiments}>
        {(list) =>
          list.length === 0 ? (
            <p class="muted">No experiments yet: log a run with keel train or the MLflow client.</p>
          ) : (
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">ID</th>
                  <th scope="col">Last update</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {list.map((e) => (
                  <tr key={e.experiment_id}>
                    <td>
                      <a href={href("experiments", e.experiment_id)}>{e.name}</a>
                    </td>
                    <td>{e.experiment_id}</td>
                    <td>{when(e.last_update_time)}</td>
                    <td>{when(e.creation_time)}</td>
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
