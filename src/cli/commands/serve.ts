import { existsSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_FILES, loadConfig } from "../../config/index.js";
import { KeelError } from "../../core/index.js";
import { type DeploymentSpec, openServingStore } from "../../serve/index.js";
import { allowedHostsFor, createApp, loadTokens } from "../../server/index.js";
import type { Tracking } from "../../track/index.js";
import { defineCommand, read } from "../command.js";
import { configFor, openProjectFeatures } from "../features-project.js";
import { needsFeatures, startServing } from "../serving-setup.js";
import { parseDuration } from "./gc.js";
import { DB_OPTION, trackingFor } from "./runs.js";
import { isLoopback, parseBytes } from "./server.js";

/** How long in-flight requests get to finish on SIGINT/SIGTERM before their sockets are cut. */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * `keel serve`: puts a model (`--model DIR|models:/NAME@ALIAS`, served as the deployment
 * `default`, like `mlflow models serve -m`) or a stored deployment (`--deployment NAME`) behind
 * HTTP: `POST /v1/deployments/{name}/predict`, MLflow's `POST /invocations`, feedback, the A/B
 * experiment, `/health`, `/ready`, `/metrics`, `/openapi.json`, and nothing of the tracking
 * API. Predictions are logged to the metadata store; when an alias moves the new version is
 * loaded in the background and swapped in without a failed request; SIGINT/SIGTERM drains
 * requests and flushes the log.
 *
 * @example
 * ```sh
 * keel serve --model models:/churn@champion --port 8080
 * curl -s localhost:8080/invocations -H 'content-type: application/json' \
 *   -d '{"dataframe_records":[{"tenure":3,"contract":"One year"}]}'
 * ```
 */
export const serveCommand = defineCommand({
  path: ["serve"],
  summary: "Serve a model or a stored deployment over HTTP (predictions only)",
  usage:
    "--model DIR|models:/NAME@ALIAS | --deployment NAME [--host 127.0.0.1] [--port 8080] [--allowed-hosts H,…] [--body-limit 10MB] [--timeout 10s] [--no-log] [--accept-event-time]",
  positionals: [0, 0],
  options: {
    model: {
      type: "string",
      valueName: "REF",
      description: "model bundle directory or models:/NAME@ALIAS, served as deployment 'default'",
    },
    deployment: {
      type: "string",
      valueName: "NAME",
      description: "a deployment stored with keel deploy create",
    },
    host: {
      type: "string",
      valueName: "HOST",
      description: "interface to bind (default 127.0.0.1)",
    },
    port: { type: "string", valueName: "PORT", description: "port (default 8080)" },
    "allowed-hosts": {
      type: "string",
      valueName: "HOSTS",
      description: "comma-separated Host names clients use beyond loopback and --host",
    },
    "allow-insecure": {
      type: "boolean",
      description: "listen beyond loopback even without tokens",
    },
    "body-limit": {
      type: "string",
      valueName: "SIZE",
      description: "largest scoring request body (default 10MB)",
    },
    timeout: {
      type: "string",
      valueName: "DURATION",
      description: "per-request time limit (default 10s)",
    },
    "no-log": {
      type: "boolean",
      description: "do not write predictions to the prediction log",
    },
    "accept-event-time": {
      type: "boolean",
      description:
        "take the event time a predict body gives in 'time' (replays of past traffic); off: such bodies get 403",
    },
    config: {
      type: "string",
      valueName: "PATH",
      description:
        "keel.config.ts whose feature store serves deployments with features (default: ./keel.config.ts)",
    },
    ...DB_OPTION,
  },
  examples: [
    "keel serve --model models:/churn@champion",
    "keel serve --model models/churn --port 9000",
    "keel serve --deployment churn --host 0.0.0.0",
  ],
  async run(ctx) {
    const model = read.string(ctx.options, "model");
    const deploymentName = read.string(ctx.options, "deployment");
    if ((model === undefined) === (deploymentName === undefined))
      throw new KeelError(
        "KEEL_ERR_USAGE",
        "keel serve needs exactly one of --model DIR|models:/NAME@ALIAS or --deployment NAME",
        { details: { model: model ?? null, deployment: deploymentName ?? null } },
      );
    const host = read.string(ctx.options, "host") ?? "127.0.0.1";
    const portText = read.string(ctx.options, "port") ?? "8080";
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new KeelError("KEEL_ERR_USAGE", `--port must be 0-65535, got '${portText}'`, {
        details: { option: "port", received: portText },
      });
    const tokens = loadTokens(ctx.cwd);
    if (tokens.length === 0 && !isLoopback(host) && !read.flag(ctx.options, "allow-insecure"))
      throw new KeelError(
        "KEEL_ERR_INSECURE_BIND",
        `refusing to listen on ${host} without tokens: anyone who can reach it could score and write feedback. Add tokens to .keel/tokens.json, bind 127.0.0.1, or pass --allow-insecure`,
        { details: { host } },
      );
    const bodyText = read.string(ctx.options, "body-limit");
    const timeoutText = read.string(ctx.options, "timeout");
    const tracking = await trackingFor(ctx);
    let closeFeatures: (() => Promise<void>) | undefined;
    try {
      const deployments = [];
      if (deploymentName !== undefined)
        deployments.push(await storedDeployment(ctx.cwd, tracking, deploymentName));
      else {
        const spec: DeploymentSpec = {
          name: "default",
          variants: [{ name: "default", model: model!, weight: 1 }],
        };
        deployments.push(spec);
      }
      // A deployment that reads online features needs the project's feature store.
      const features = needsFeatures(deployments)
        ? await openProjectFeatures(ctx, await configFor(ctx))
        : undefined;
      closeFeatures = features?.close;
      const serving = await startServing({
        tracking,
        cwd: ctx.cwd,
        deployments,
        ...(features ? { features: features.store } : {}),
        log: !read.flag(ctx.options, "no-log"),
        acceptEventTime: read.flag(ctx.options, "accept-event-time"),
        ...(bodyText !== undefined ? { bodyLimitBytes: parseBytes(bodyText, "--body-limit") } : {}),
        ...(timeoutText !== undefined
          ? { timeoutMs: parseDuration(timeoutText, "--timeout") }
          : {}),
        report: (line) => ctx.err(`${line}\n`),
      });
      try {
        const app = await createApp({
          tracking,
          tokens,
          mode: "serving",
          plugins: serving.plugins,
          allowedHosts: allowedHostsFor(
            host,
            (read.string(ctx.options, "allowed-hosts") ?? "").split(","),
          ),
        });
        const address = await app.listen({ host, port });
        const served = serving.runtime.deploymentNames
          .map((name) => {
            const versions = Object.entries(serving.runtime.variantModels(name))
              .map(
                ([variant, handle]) =>
                  `${variant}=${handle.ref}${handle.version === "local" ? "" : ` (v${handle.version})`}`,
              )
              .join(", ");
            return `${name}: ${versions}`;
          })
          .join("; ");
        ctx.err(`keel serve listening on ${address} (${served})\n`);
        await new Promise<void>((resolve) => {
          process.once("SIGINT", () => resolve());
          process.once("SIGTERM", () => resolve());
        });
        // In-flight requests get a grace period, then their sockets are cut so close() returns.
        const cut = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        try {
          await app.close();
        } finally {
          clearTimeout(cut);
        }
      } finally {
        await serving.close();
      }
      return 0;
    } finally {
      await closeFeatures?.();
      await tracking.close();
    }
  },
});

/**
 * The stored deployment `keel serve --deployment NAME` serves; one that keel.config.ts
 * declares but nobody stored yet gets a not-found error that says to run `keel deploy apply`.
 */
async function storedDeployment(cwd: string, tracking: Tracking, name: string) {
  const store = openServingStore(tracking.database);
  const found = await store.findDeployment(name);
  if (found !== undefined) return found;
  const declared =
    CONFIG_FILES.some((f) => existsSync(join(cwd, f))) &&
    (await loadConfig({ cwd })).deployments.some((d) => d.name === name);
  if (!declared) return store.getDeployment(name);
  throw new KeelError(
    "KEEL_ERR_DEPLOYMENT_NOT_FOUND",
    `deployment '${name}' is declared in keel.config.ts but not stored yet: run keel deploy apply, then keel serve --deployment ${name}`,
    { details: { deployment: name } },
  );
}
