import { render } from "preact";
import "./styles.css";
import { ComparePage } from "./pages/compare";
import { DeploymentPage, DeploymentsPage } from "./pages/deployments";
import { ExperimentsPage } from "./pages/experiments";
import { FeaturesPage, FeatureViewPage } from "./pages/features";
import { ModelPage } from "./pages/model";
import { ModelVersionPage } from "./pages/model-version";
import { ModelsPage } from "./pages/models";
import { MonitorPage, MonitorsPage } from "./pages/monitors";
import { PipelineRunPage, PipelinesPage } from "./pages/pipelines";
import { RunPage } from "./pages/run";
import { RunsPage } from "./pages/runs";
import { StudiesPage, StudyPage } from "./pages/studies";
import { TokenPage } from "./pages/token";
import { href, type Route, useRoute } from "./route";

/** The navigation: one entry per area (a `section` and a case in `page`). */
const NAV: { section: string; label: string }[] = [
  { section: "experiments", label: "Experiments" },
  { section: "studies", label: "Studies" },
  { section: "models", label: "Models" },
  { section: "deployments", label: "Deployments" },
  { section: "monitors", label: "Monitoring" },
  { section: "pipelines", label: "Pipelines" },
  { section: "features", label: "Features" },
];

function page(route: Route) {
  const [section = "experiments", id] = route.path;
  switch (section) {
    case "experiments":
      return id === undefined ? (
        <ExperimentsPage />
      ) : (
        <RunsPage experimentId={id} filter={route.query.get("filter") ?? ""} />
      );
    case "runs":
      return id === undefined ? <ExperimentsPage /> : <RunPage runId={id} />;
    case "compare":
      return (
        <ComparePage runIds={(route.query.get("runs") ?? "").split(",").filter((r) => r !== "")} />
      );
    case "studies":
      return id === undefined ? <StudiesPage /> : <StudyPage name={id} />;
    case "models":
      if (id === undefined) return <ModelsPage />;
      return route.path[2] === undefined ? (
        <ModelPage name={id} />
      ) : (
        <ModelVersionPage name={id} version={route.path[2]} />
      );
    case "deployments":
      return id === undefined ? <DeploymentsPage /> : <DeploymentPage name={id} />;
    case "monitors":
      return id === undefined ? <MonitorsPage /> : <MonitorPage name={id} />;
    case "pipelines":
      return <PipelinesPage />;
    case "pipeline-runs":
      return id === undefined ? <PipelinesPage /> : <PipelineRunPage runId={id} />;
    case "features":
      return id === undefined ? <FeaturesPage /> : <FeatureViewPage name={id} />;
    case "token":
      return <TokenPage />;
    default:
      return (
        <p class="error" role="alert">
          No page {section}. <a href={href("experiments")}>Experiments</a>
        </p>
      );
  }
}

function App() {
  const route = useRoute();
  const current = route.path[0] ?? "experiments";
  const active =
    current === "runs" || current === "compare"
      ? "experiments"
      : current === "pipeline-runs"
        ? "pipelines"
        : current;
  return (
    <>
      {/* A button, not a link: `#main` would be read as a route by the hash router. */}
      <button type="button" class="skip" onClick={() => document.getElementById("main")?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <a class="brand" href={href("experiments")}>
          keel
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.section}>
                <a href={href(n.section)} aria-current={active === n.section ? "page" : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <a class="token-link" href={href("token")}>
          Token
        </a>
      </header>
      <main id="main" tabIndex={-1}>
        {page(route)}
      </main>
    </>
  );
}

const root = document.getElementById("app");
if (root !== null) render(<App />, root);
