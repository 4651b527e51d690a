import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openTracking } from "../track/index.js";
import { openModelBundle } from "./open-model-bundle.js";

const root = mkdtempSync(join(tmpdir(), "keel-model-ref-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("openModelBundle on registered sources", () => {
  it("refuses a stored source outside the project, and a project path that links outside", async () => {
    const project = join(root, "project");
    mkdirSync(join(root, "outside", "evil-model"), { recursive: true });
    const tracking = await openTracking({ root: project });
    await tracking.models.create("churn");
    // As a store written before sources were checked could hold.
    const now = Date.now();
    await tracking.database.write((tx) =>
      tx
        .insertInto("model_versions")
        .values({
          name: "churn",
          version: 1,
          creation_time: now,
          last_updated_time: now,
          description: "",
          user_id: "",
          source: "../outside/evil-model",
          run_id: "",
          run_link: "",
          status: "READY",
          signature: null,
        })
        .execute()
        // The registry numbers versions from the model's counter, which a raw insert must keep.
        .then(() =>
          tx
            .updateTable("registered_models")
            .set({ last_version: 1 })
            .where("name", "=", "churn")
            .execute(),
        ),
    );
    mkdirSync(join(project, "models"), { recursive: true });
    symlinkSync(join(root, "outside", "evil-model"), join(project, "models", "linked"));
    await tracking.models.createVersion("churn", { source: "models/linked" });
    await expect(
      tracking.models.createVersion("churn", { source: "../outside/evil-model" }),
    ).rejects.toMatchObject({ code: "KEEL_ERR_INVALID_PARAMETER_VALUE" });
    await tracking.close();

    await expect(openModelBundle(project, "models:/churn/1")).rejects.toMatchObject({
      code: "KEEL_ERR_INVALID_PARAMETER_VALUE",
      message: expect.stringMatching(/'\.\.' segments/),
    });
    await expect(openModelBundle(project, "models:/churn/2")).rejects.toMatchObject({
      code: "KEEL_ERR_INVALID_PARAMETER_VALUE",
      message: expect.stringMatching(/symbolic link/),
    });
  });
});
