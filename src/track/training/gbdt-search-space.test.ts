import { describe, expect, it } from "vitest";
import { gbdtParams } from "../../models/index.js";
import { defaultSearchSpace } from "../../tune/index.js";
import { gbdtSearchSpace } from "./gbdt-search-space.js";

describe("keel tune's default GBDT search space", () => {
  it("leaves numLeaves out under the default depthwise growth, where maxDepth sizes trees", () => {
    const space = gbdtSearchSpace();
    expect(gbdtParams.specs.growPolicy.default).toBe("depthwise");
    expect(space.numLeaves).toBeUndefined();
    expect(space.maxDepth).toEqual(defaultSearchSpace(gbdtParams).maxDepth);
    expect(Object.keys(space).sort()).toEqual(
      Object.keys(defaultSearchSpace(gbdtParams))
        .filter((k) => k !== "numLeaves")
        .sort(),
    );
  });

  it("keeps numLeaves under lossguide growth, and fixes the policy it was made for", () => {
    const space = gbdtSearchSpace("lossguide");
    expect(space.numLeaves).toEqual(defaultSearchSpace(gbdtParams).numLeaves);
    expect(space.growPolicy).toEqual({ fixed: "lossguide" });
  });
});
