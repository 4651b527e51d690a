// The entry module of the worker threads that run pipeline steps (ThreadRunner): it loads the
// project's keel.config.ts with the same loader as the CLI, so a step runs the code the run's
// cache key was computed from, and serves the tries it is sent.
import { serveStepThread } from "../orchestrate/index.js";
import { loadConfig } from "./load-config.js";

serveStepThread(async (configFile) => (await loadConfig({ path: configFile })).pipelines);
