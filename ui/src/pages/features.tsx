import { keelGet } from "../api";
import { Show } from "../components/status";
import { useLoad } from "../components/use-load";
import { num, when } from "../format";
import { href } from "../route";

interface ViewRow {
  name: string;
  entities: string[];
  ttl_seconds: number;
  freshness_seconds: number;
  online: boolean;
  features: { name: string; kind: string }[];
  source: { type: string; path?: string; query?: string };
  timestamp_field: string;
  description: string | null;
  materialized_until: number | null;
  last_materialized_at: number | null;
  last_push_at: number | null;
  staleness_seconds: number | null;
  stale: boolean;
}

interface Registry {
  entities: { name: string; join_keys: string[]; description: string | null }[];
  services: { name: string; features: string[] }[];
  views: ViewRow[];
}

interface ColumnProfile {
  name: string;
  kind: string;
  missing: number;
  distinct: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  quantiles: { p05: number; p25: number; p50: number; p75: number; p95: number } | null;
  top: { value: string | boolean; count: number }[] | null;
}

interface Stats {
  view: string;
  source?: string;
  profile: { rows: number; columns: ColumnProfile[] } | null;
  note: string | null;
}

/** Seconds as the largest whole unit: 86400 → "1d", 7200 → "2h", 0 → "none". */
function span(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds === 0) return "none";
  for (const [unit, s] of [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
  ] as const)
    if (seconds >= s) return `${(seconds / s).toFixed(seconds % s === 0 ? 0 : 1)}${unit}`;
  return `${Math.round(seconds)}s`;
}

function status(v: ViewRow): { text: string; cls: string } {
  if (!v.online) return { text: "offline only", cls: "muted" };
  if (v.staleness_seconds === null) return { text: "stale (never materialised)", cls: "fail" };
  return v.stale ? { text: "stale", cls: "fail" } : { text: "fresh", cls: "pass" };
}

/** The feature registry: entities, views with TTL, freshness and last materialisation, services. @example `<FeaturesPage />` */
export function FeaturesPage() {
  const [loaded] = useLoad(() => keelGet<Registry>("features/views"), [], 30_000);
  return (
    <section aria-labelledby="features-title">
      <h1 id="features-title">Feature store</h1>
      <Show what={loaded}>
        {({ entities, services, views }) =>
          views.length === 0 && entities.length === 0 ? (
            <p class="muted">No feature definitions registered: keel apply.</p>
          ) : (
            <>
              <h2>Feature views</h2>
              <table class="data" aria-label="Feature views">
                <thead>
                  <tr>
                    <th scope="col">View</th>
                    <th scope="col">Entities</th>
                    <th scope="col" class="num">
                      Features
                    </th>
                    <th scope="col">TTL</th>
                    <th scope="col">Freshness</th>
                    <th scope="col">Status</th>
                    <th scope="col">Data age</th>
                    <th scope="col">Last materialised</th>
                    <th scope="col">Materialised until</th>
                  </tr>
                </thead>
                <tbody>
                  {views.map((v) => {
                    const s = status(v);
                    return (
                      <tr key={v.name}>
                        <th scope="row">
                          <a href={href("features", v.name)}>{v.name}</a>
                        </th>
                        <td>{v.entities.join(", ")}</td>
                        <td class="num">{v.features.length}</td>
                        <td>{span(v.ttl_seconds)}</td>
                        <td>{span(v.freshness_seconds)}</td>
                        <td class={s.cls}>{s.text}</td>
                        <td>{span(v.staleness_seconds)}</td>
                        <td>{when(v.last_materialized_at ?? undefined) || "never"}</td>
                        <td>{when(v.materialized_until ?? undefined)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              <div class="two-col">
                <div>
                  <h2>Entities</h2>
                  <table class="data" aria-label="Entities">
                    <thead>
                      <tr>
                        <th scope="col">Entity</th>
                        <th scope="col">Join keys</th>
                        <th scope="col">Description</th>
                      </tr>
                    </thead>
                    <tbody>
                      {entities.map((e) => (
                        <tr key={e.name}>
                          <th scope="row">{e.name}</th>
                          <td>{e.join_keys.join(", ")}</td>
                          <td>{e.description ?? ""}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <div>
                  <h2>Feature services</h2>
                  <table class="data" aria-label="Feature services">
                    <thead>
                      <tr>
                        <th scope="col">Service</th>
                        <th scope="col">Features</th>
                      </tr>
                    </thead>
                    <tbody>
                      {services.map((s) => (
                        <tr key={s.name}>
                          <th scope="row">{s.name}</th>
                          <td>{s.features.join(", ")}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </div>
            </>
          )
        }
      </Show>
    </section>
  );
}

function StatsTable(props: { stats: Stats }) {
  const p = props.stats.profile;
  if (p === null) return <p class="muted">{props.stats.note}</p>;
  return (
    <>
      <p class="muted">
        {p.rows} rows in {props.stats.source}
      </p>
      <table class="data" aria-label="Feature statistics">
        <thead>
          <tr>
            <th scope="col">Feature</th>
            <th scope="col">Kind</th>
            <th scope="col" class="num">
              Missing
            </th>
            <th scope="col" class="num">
              Distinct
            </th>
            <th scope="col" class="num">
              Mean
            </th>
            <th scope="col" class="num">
              Std
            </th>
            <th scope="col" class="num">
              Min
            </th>
            <th scope="col" class="num">
              Median
            </th>
            <th scope="col" class="num">
              Max
            </th>
            <th scope="col">Top values</th>
          </tr>
        </thead>
        <tbody>
          {p.columns.map((c) => (
            <tr key={c.name}>
              <th scope="row">{c.name}</th>
              <td>{c.kind}</td>
              <td class="num">{c.missing}</td>
              <td class="num">{c.distinct}</td>
              <td class="num">{c.mean === null ? "" : num(c.mean)}</td>
              <td class="num">{c.std === null ? "" : num(c.std)}</td>
              <td class="num">{c.min === null ? "" : num(c.min)}</td>
              <td class="num">{c.quantiles === null ? "" : num(c.quantiles.p50)}</td>
              <td class="num">{c.max === null ? "" : num(c.max)}</td>
              <td>{(c.top ?? []).map((t) => `${String(t.value)} (${t.count})`).join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/**
 * One feature view: its definition, freshness status and the statistics of its source.
 *
 * @example `<FeatureViewPage name="customer_stats" />`
 */
export function FeatureViewPage(props: { name: string }) {
  const [loaded] = useLoad(async () => {
    const [registry, stats] = await Promise.all([
      keelGet<Registry>("features/views"),
      keelGet<Stats>(`features/views/${encodeURIComponent(props.name)}/stats`),
    ]);
    return { view: registry.views.find((v) => v.name === props.name), stats };
  }, [props.name]);
  return (
    <section aria-labelledby="feature-view-title">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href("features")}>Feature store</a> /
      </nav>
      <h1 id="feature-view-title">{props.name}</h1>
      <Show what={loaded}>
        {({ view, stats }) => (
          <>
            {view !== undefined && (
              <dl class="facts">
                <dt>Description</dt>
                <dd>{view.description ?? ""}</dd>
                <dt>Entities</dt>
                <dd>{view.entities.join(", ")}</dd>
                <dt>Source</dt>
                <dd>
                  {view.source.type} {view.source.path ?? view.source.query ?? ""}
                </dd>
                <dt>Features</dt>
                <dd>{view.features.map((f) => `${f.name} (${f.kind})`).join(", ")}</dd>
                <dt>TTL / freshness</dt>
                <dd>
                  {span(view.ttl_seconds)} / {span(view.freshness_seconds)}
                </dd>
                <dt>Status</dt>
                <dd class={status(view).cls}>{status(view).text}</dd>
                <dt>Last materialised</dt>
                <dd>{when(view.last_materialized_at ?? undefined) || "never"}</dd>
              </dl>
            )}
            <h2>Feature statistics</h2>
            <StatsTable stats={stats} />
          </>
        )}
      </Show>
    </section>
  );
}
