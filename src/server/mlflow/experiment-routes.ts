import type { FastifyPluginAsync } from "fastify";
import { KeelError } from "../../core/index.js";
import type { Tracking, ViewType } from "../../track/index.js";
import { paramsOf, read } from "./request.js";
import { compact, experimentJson } from "./shapes.js";

const VIEW_TYPES: readonly ViewType[] = ["ACTIVE_ONLY", "DELETED_ONLY", "ALL"];

/**
 * Reads MLflow's `view_type` / `run_view_type` (name or enum number).
 *
 * @example
 * ```ts
 * viewTypeOf({ view_type: "ALL" }, "view_type"); // "ALL"
 * ```
 */
export function viewTypeOf(p: Record<string, unknown>, name: string): ViewType | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  // MLflow's ViewType enum: 1 ACTIVE_ONLY, 2 DELETED_ONLY, 3 ALL.
  const byNumber =
    typeof v === "number" || (typeof v === "string" && /^\d$/.test(v))
      ? VIEW_TYPES[Number(v) - 1]
      : undefined;
  if (byNumber !== undefined) return byNumber;
  if (typeof v === "string" && (VIEW_TYPES as readonly string[]).includes(v)) return v as ViewType;
  throw new KeelError(
    "KEEL_ERR_INVALID_PARAMETER_VALUE",
    `invalid value ${JSON.stringify(v)} for parameter '${name}': expected ACTIVE_ONLY, DELETED_ONLY or ALL`,
    {
      details: { parameter: name },
    },
  );
}

/**
 * MLflow REST 2.0 experiment endpoints (`experiments/*`).
 *
 * @example
 * ```ts
 * app.register(experimentRoutes, { prefix: "/api/2.0/mlflow", tracking });
 * ```
 */
export const experimentRoutes: FastifyPluginAsync<{ tracking: Tracking }> = async (
  app,
  { tracking },
) => {
  const experiments = tracking.experiments;

  app.post("/experiments/create", async (request) => {
    const p = paramsOf(request);
    const artifactLocation = read.optionalString(p, "artifact_location");
    const id = await experiments.create({
      name: read.string(p, "name"),
      ...(artifactLocation ? { artifactLocation } : {}),
      tags: read.tags(p),
    });
    return { experiment_id: id };
  });

  const search = async (p: Record<string, unknown>) => {
    const filter = read.optionalString(p, "filter");
    const pageToken = read.optionalString(p, "page_token");
    const maxResults = read.optionalInt(p, "max_results");
    const viewType = viewTypeOf(p, "view_type");
    const page = await experiments.search({
      ...(filter === undefined ? {} : { filter }),
      ...(pageToken === undefined ? {} : { pageToken }),
      ...(maxResults === undefined ? {} : { maxResults }),
      ...(viewType === undefined ? {} : { viewType }),
      orderBy: read.stringList(p, "order_by"),
    });
    return compact({
      experiments: page.items.map(experimentJson),
      next_page_token: page.nextPageToken,
    });
  };
  app.post("/experiments/search", { config: { scope: "read" } }, async (request) =>
    search(paramsOf(request)),
  );
  app.get("/experiments/search", async (request) => search(paramsOf(request)));

  app.get("/experiments/get", async (request) => {
    const experiment = await experiments.get(read.id(paramsOf(request), "experiment_id"));
    return { experiment: experimentJson(experiment) };
  });

  app.get("/experiments/get-by-name", async (request) => {
    const name = read.string(paramsOf(request), "experiment_name");
    const experiment = await experiments.getByName(name);
    if (experiment === undefined)
      throw new KeelError(
        "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
        `could not find experiment with name '${name}'`,
        { details: { experiment_name: name } },
      );
    return { experiment: experimentJson(experiment) };
  });

  app.post("/experiments/update", async (request) => {
    const p = paramsOf(request);
    const newName = read.optionalString(p, "new_name");
    if (newName !== undefined) await experiments.rename(read.id(p, "experiment_id"), newName);
    else await experiments.get(read.id(p, "experiment_id"));
    return {};
  });

  app.post("/experiments/delete", async (request) => {
    await experiments.delete(read.id(paramsOf(request), "experiment_id"));
    return {};
  });

  app.post("/experiments/restore", async (request) => {
    await experiments.restore(read.id(paramsOf(request), "experiment_id"));
    return {};
  });

  app.post("/experiments/set-experiment-tag", async (request) => {
    const p = paramsOf(request);
    await experiments.setTag(read.id(p, "experiment_id"), {
      key: read.string(p, "key"),
      value: read.optionalString(p, "value") ?? "",
    });
    return {};
  });
};
