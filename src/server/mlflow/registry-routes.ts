import type { FastifyPluginAsync } from "fastify";
import type { Tracking } from "../../track/index.js";
import { paramsOf, read } from "./request.js";
import { compact, modelVersionJson, registeredModelJson } from "./shapes.js";

/**
 * MLflow REST 2.0 model registry endpoints (`registered-models/*`, `model-versions/*`),
 * aliases included. Alias moves made over HTTP are audited with the token name as actor.
 *
 * @example
 * ```ts
 * app.register(registryRoutes, { prefix: "/api/2.0/mlflow", tracking });
 * ```
 */
export const registryRoutes: FastifyPluginAsync<{ tracking: Tracking }> = async (
  app,
  { tracking },
) => {
  const models = tracking.models;
  const actorOf = (request: { tokenName?: string }) => ({ actor: request.tokenName ?? "http" });

  app.post("/registered-models/create", async (request) => {
    const p = paramsOf(request);
    const description = read.optionalString(p, "description");
    const model = await models.create(read.string(p, "name"), {
      tags: read.tags(p),
      ...(description === undefined ? {} : { description }),
    });
    return { registered_model: registeredModelJson(model) };
  });

  app.get("/registered-models/get", async (request) => ({
    registered_model: registeredModelJson(await models.get(read.string(paramsOf(request), "name"))),
  }));

  app.post("/registered-models/rename", async (request) => {
    const p = paramsOf(request);
    return {
      registered_model: registeredModelJson(
        await models.rename(read.string(p, "name"), read.string(p, "new_name")),
      ),
    };
  });

  app.patch("/registered-models/update", async (request) => {
    const p = paramsOf(request);
    const description = read.optionalString(p, "description");
    return {
      registered_model: registeredModelJson(
        await models.update(
          read.string(p, "name"),
          description === undefined ? {} : { description },
        ),
      ),
    };
  });

  app.delete("/registered-models/delete", async (request) => {
    await models.delete(read.string(paramsOf(request), "name"));
    return {};
  });

  app.get("/registered-models/search", async (request) => {
    const p = paramsOf(request);
    const filter = read.optionalString(p, "filter");
    const pageToken = read.optionalString(p, "page_token");
    const maxResults = read.optionalInt(p, "max_results");
    const page = await models.search({
      orderBy: read.stringList(p, "order_by"),
      ...(filter === undefined ? {} : { filter }),
      ...(pageToken === undefined ? {} : { pageToken }),
      ...(maxResults === undefined ? {} : { maxResults }),
    });
    return compact({
      registered_models: page.items.map(registeredModelJson),
      next_page_token: page.nextPageToken,
    });
  });

  app.post("/registered-models/set-tag", async (request) => {
    const p = paramsOf(request);
    await models.setTag(read.string(p, "name"), {
      key: read.string(p, "key"),
      value: read.optionalString(p, "value") ?? "",
    });
    return {};
  });

  app.delete("/registered-models/delete-tag", async (request) => {
    const p = paramsOf(request);
    await models.deleteTag(read.string(p, "name"), read.string(p, "key"));
    return {};
  });

  app.post("/registered-models/alias", async (request) => {
    const p = paramsOf(request);
    await models.setAlias(
      read.string(p, "name"),
      read.string(p, "alias"),
      read.string({ version: String(p.version ?? "") }, "version"),
      actorOf(request),
    );
    return {};
  });

  app.get("/registered-models/alias", async (request) => {
    const p = paramsOf(request);
    return {
      model_version: modelVersionJson(
        await models.getByAlias(read.string(p, "name"), read.string(p, "alias")),
      ),
    };
  });

  app.delete("/registered-models/alias", async (request) => {
    const p = paramsOf(request);
    await models.deleteAlias(read.string(p, "name"), read.string(p, "alias"), actorOf(request));
    return {};
  });

  // MLflow 2.x clients resolve models:/name/latest and stage URIs through this (POST; the
  // UI and older clients use GET).
  const latestVersions = async (p: Record<string, unknown>) => ({
    model_versions: (
      await models.getLatestVersions(read.string(p, "name"), read.stringList(p, "stages"))
    ).map(modelVersionJson),
  });
  // A read, though sent as POST: a read token may make it (as MLflow's auth grants READ).
  app.post(
    "/registered-models/get-latest-versions",
    { config: { scope: "read" } },
    async (request) => latestVersions(paramsOf(request)),
  );
  app.get("/registered-models/get-latest-versions", async (request) =>
    latestVersions(paramsOf(request)),
  );

  app.post("/model-versions/transition-stage", async (request) => {
    const p = paramsOf(request);
    const version = await models.transitionStage(
      read.string(p, "name"),
      versionOf(p),
      read.string(p, "stage"),
      { archiveExistingVersions: read.optionalBool(p, "archive_existing_versions") ?? false },
    );
    return { model_version: modelVersionJson(version) };
  });

  app.post("/model-versions/create", async (request) => {
    const p = paramsOf(request);
    const runId = read.optionalString(p, "run_id");
    const runLink = read.optionalString(p, "run_link");
    const description = read.optionalString(p, "description");
    const version = await models.createVersion(read.string(p, "name"), {
      source: read.string(p, "source"),
      tags: read.tags(p),
      ...(runId ? { runId } : {}),
      ...(runLink === undefined ? {} : { runLink }),
      ...(description === undefined ? {} : { description }),
      ...(request.tokenName === undefined ? {} : { userId: request.tokenName }),
    });
    return { model_version: modelVersionJson(version) };
  });

  const versionOf = (p: Record<string, unknown>) =>
    read.string({ version: p.version === undefined ? undefined : String(p.version) }, "version");

  app.get("/model-versions/get", async (request) => {
    const p = paramsOf(request);
    return {
      model_version: modelVersionJson(
        await models.getVersion(read.string(p, "name"), versionOf(p)),
      ),
    };
  });

  app.patch("/model-versions/update", async (request) => {
    const p = paramsOf(request);
    const description = read.optionalString(p, "description");
    const version = await models.updateVersion(
      read.string(p, "name"),
      versionOf(p),
      description === undefined ? {} : { description },
    );
    return { model_version: modelVersionJson(version) };
  });

  app.delete("/model-versions/delete", async (request) => {
    const p = paramsOf(request);
    await models.deleteVersion(read.string(p, "name"), versionOf(p), actorOf(request));
    return {};
  });

  app.get("/model-versions/search", async (request) => {
    const p = paramsOf(request);
    const filter = read.optionalString(p, "filter");
    const pageToken = read.optionalString(p, "page_token");
    const maxResults = read.optionalInt(p, "max_results");
    const page = await models.searchVersions({
      orderBy: read.stringList(p, "order_by"),
      ...(filter === undefined ? {} : { filter }),
      ...(pageToken === undefined ? {} : { pageToken }),
      ...(maxResults === undefined ? {} : { maxResults }),
    });
    return compact({
      model_versions: page.items.map(modelVersionJson),
      next_page_token: page.nextPageToken,
    });
  });

  app.get("/model-versions/get-download-uri", async (request) => {
    const p = paramsOf(request);
    return { artifact_uri: (await models.getVersion(read.string(p, "name"), versionOf(p))).source };
  });

  app.post("/model-versions/set-tag", async (request) => {
    const p = paramsOf(request);
    await models.setVersionTag(read.string(p, "name"), versionOf(p), {
      key: read.string(p, "key"),
      value: read.optionalString(p, "value") ?? "",
    });
    return {};
  });

  app.delete("/model-versions/delete-tag", async (request) => {
    const p = paramsOf(request);
    await models.deleteVersionTag(read.string(p, "name"), versionOf(p), read.string(p, "key"));
    return {};
  });
};
