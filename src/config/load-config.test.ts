import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isKeelError } from "../core/index.js";
import { loadConfig } from "./index.js";

const example = join(import.meta.dirname, "..", "..", "examples", "features");

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (isKeelError(error)) return error;
    throw error;
  }
  throw new Error("expected a KeelError");
}

describe("loadConfig", () => {
  const dir = mkdtempSync(join(tmpdir(), "keel-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const sub = mkdtempSync(join(dir, "p-"));
    writeFileSync(join(sub, name), text);
    return sub;
  };

  it("loads the example repository's keel.config.ts (importing from 'keel') and validates it", async () => {
    const loaded = await loadConfig({ cwd: example });
    expect(loaded.file).toBe(join(example, "keel.config.ts"));
    expect(loaded.root).toBe(example);
    expect([...loaded.features.views.keys()]).toEqual(["customer_stats", "activity"]);
    expect(loaded.features.view("customer_stats").ttlSeconds).toBe(2 * 86_400);
    expect(loaded.features.view("customer_stats").freshnessSeconds).toBe(86_400);
    expect(loaded.features.resolveFeatures({ service: "churn_v1" })).toContainEqual([
      "activity",
      "logins_7d",
    ]);
  }, 30_000);

  it("takes --config as a file or a directory", async () => {
    expect((await loadConfig({ cwd: dir, path: join(example, "keel.config.ts") })).root).toBe(
      example,
    );
    expect((await loadConfig({ cwd: dir, path: example })).root).toBe(example);
  }, 30_000);

  it("says where it looked when there is no config", async () => {
    const error = await failure(loadConfig({ cwd: dir }));
    expect(error.code).toBe("KEEL_ERR_CONFIG_NOT_FOUND");
    expect(error.message).toContain("keel.config.ts");
    expect(error.message).toContain("--config");
  });

  it("names the file, line and column of a syntax error", async () => {
    const cwd = write("keel.config.ts", "const x: number = 1;\nexport default { entities: [ ;\n");
    const error = await failure(loadConfig({ cwd }));
    expect(error.code).toBe("KEEL_ERR_CONFIG_INVALID");
    expect(error.message).toMatch(new RegExp(`${join(cwd, "keel.config.ts")}:2:\\d+`));
  });

  it("names the line of an error thrown while the config runs", async () => {
    const cwd = write(
      "keel.config.ts",
      'const a = 1;\n\nthrow new Error("no warehouse credentials");\nexport default {};\n',
    );
    const error = await failure(loadConfig({ cwd }));
    expect(error.code).toBe("KEEL_ERR_CONFIG_INVALID");
    expect(error.message).toContain(`${join(cwd, "keel.config.ts")}:3:`);
    expect(error.message).toContain("no warehouse credentials");
  });

  it("rejects a default export that is not a config, and unknown keys with a suggestion", async () => {
    const a = await failure(loadConfig({ cwd: write("keel.config.ts", "export default 42;\n") }));
    expect(a.code).toBe("KEEL_ERR_CONFIG_INVALID");
    expect(a.message).toContain("defineConfig");
    const b = await failure(
      loadConfig({ cwd: write("keel.config.ts", "export default { featureView: [] };\n") }),
    );
    expect(b.message).toContain("unknown key 'featureView' (did you mean 'featureViews'?)");
  });

  it("checks freshnessAlerts' sinks and cooldown, each with its path", async () => {
    const bad = await failure(
      loadConfig({
        cwd: write(
          "keel.config.ts",
          'export default { freshnessAlerts: { sinks: [{ type: "webhook", url: "ftp://x" }, { type: "sms" }], cooldownMinutes: -1 } };\n',
        ),
      }),
    );
    expect(bad.code).toBe("KEEL_ERR_CONFIG_INVALID");
    expect(bad.message).toContain("freshnessAlerts.sinks[0].url: expected an http(s) URL");
    expect(bad.message).toContain(
      "freshnessAlerts.sinks[1].type: expected log, file, webhook or pipeline",
    );
    expect(bad.message).toContain("freshnessAlerts.cooldownMinutes must be minutes ≥ 0, got -1");
    const notObject = await failure(
      loadConfig({ cwd: write("keel.config.ts", 'export default { freshnessAlerts: "log" };\n') }),
    );
    expect(notObject.message).toContain(
      "freshnessAlerts must be { sinks: [...], cooldownMinutes? }",
    );
  });

  it("lists every bad definition with the line that defined it", async () => {
    const cwd = write(
      "keel.config.ts",
      [
        'import { defineConfig, defineEntity, defineFeatureView, fileSource } from "keel";',
        'const customer = defineEntity({ name: "customer", joinKeys: ["customer_id"] });',
        "const a = defineFeatureView({",
        '  name: "a", entities: ["custmer"], ttl: "1 fortnight", source: fileSource({ path: "a.csv" }),',
        '  timestampField: "ts", schema: { x: "numeric" },',
        "});",
        'const b = defineFeatureView({ name: "a", entities: [customer], source: fileSource({ path: "b.csv" }), timestampField: "ts", schema: { y: "float" as "numeric" } });',
        "export default defineConfig({ entities: [customer], featureViews: [a, b] });",
      ].join("\n"),
    );
    const error = await failure(loadConfig({ cwd }));
    expect(error.code).toBe("KEEL_ERR_FEATURE_DEFINITION");
    const file = join(cwd, "keel.config.ts");
    expect(error.message).toContain(`${file}:3:`);
    expect(error.message).toContain("unknown entity 'custmer' (did you mean 'customer'?)");
    expect(error.message).toContain("ttl: expected a duration");
    expect(error.message).toContain(`${file}:7:`);
    expect(error.message).toContain("feature view 'a' is defined twice");
    expect(error.message).toContain("has kind 'float'");
    expect((error.details.issues as string[]).length).toBe(4);
  });

  it("turns a scheduled monitor into pipeline monitor.NAME, naming monitors[i].schedule on errors", async () => {
    const monitor = (extra: string) =>
      `{ name: "churn", deployment: "churn", reference: "model", ${extra} }`;
    const ok = await loadConfig({
      cwd: write(
        "keel.config.ts",
        `export default { monitors: [${monitor('schedule: { cron: "0 6 * * *", timezone: "Europe/Berlin", retries: 2 }')}, ${monitor("").replace('"churn"', '"adhoc"')}] };\n`,
      ),
    });
    expect(ok.pipelines.map((p) => p.name)).toEqual(["monitor.churn"]);
    expect(ok.pipelines[0]?.schedule).toEqual({ cron: "0 6 * * *", timezone: "Europe/Berlin" });
    expect(ok.pipelines[0]?.steps.check).toMatchObject({ cache: false, retries: 2 });

    const bad = async (extra: string, pipelines = "") =>
      failure(
        loadConfig({
          cwd: write(
            "keel.config.ts",
            `import { definePipeline, step } from "keel";\nexport default { ${pipelines} monitors: [${monitor(extra)}] };\n`,
          ),
        }),
      );
    const cron = await bad('schedule: "0 25 * * *"');
    expect(cron.code).toBe("KEEL_ERR_CONFIG_INVALID");
    expect(cron.message).toContain(
      "monitors[0].schedule: pipeline 'monitor.churn': cron expression '0 25 * * *' does not parse",
    );
    const zone = await bad('schedule: { cron: "0 * * * *", timezone: "Mars/Olympus" }');
    expect(zone.message).toContain("time zone 'Mars/Olympus' is not an IANA time zone");
    const shape = await bad('schedule: { cron: "0 * * * *", catchup: "yes", every: 2 }');
    expect(shape.message).toContain("monitors[0].schedule.catchup: expected true or false");
    expect(shape.message).toContain("monitors[0].schedule.every: unknown key");
    const clash = await bad(
      'schedule: "0 * * * *"',
      'pipelines: [definePipeline({ name: "monitor.churn", steps: { a: step({ run: () => 1 }) } })],',
    );
    expect(clash.message).toContain(
      "monitor 'churn' runs as pipeline 'monitor.churn', which pipelines[0] also defines",
    );
    const limits = await bad(
      'schedule: "0 * * * *", drift: { minRows: -1 }, alerts: { sinks: [], repeatMinutes: "daily" }',
    );
    expect(limits.message).toContain("monitors[0].drift.minRows: expected a whole number ≥ 0");
    expect(limits.message).toContain(
      "monitors[0].alerts.repeatMinutes: expected a number of minutes ≥ 0",
    );
  }, 60_000);
});
