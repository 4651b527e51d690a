import { describe, expect, it } from "vitest";
import { buildReport, checkGates, predictionsOf, renderReportHtml } from "../index.js";
import { ColumnScoreModel, churnLikeFrame } from "../testing/toy-estimators.js";

describe("evaluation report", () => {
  it("holds the charts' data as JSON and renders self-contained HTML", async () => {
    const frame = churnLikeFrame(500, 2);
    const model = await new ColumnScoreModel("signal").fit(
      frame.drop(["churn"]),
      frame.column("churn"),
    );
    const predictions = predictionsOf(model, frame, { target: "churn", positive: "Yes" });
    const gates = checkGates(
      {
        gates: [
          { metric: "rocAuc", min: 0.6 },
          { bias: "demographicParityRatio", by: "segment", min: 0.8 },
        ],
      },
      { predictions, frame },
    );
    const report = buildReport({
      predictions,
      frame,
      segments: ["segment"],
      gates,
      title: "Churn <test>",
    });
    const json = JSON.parse(JSON.stringify(report));
    expect(json.metrics.rocAuc).toBeGreaterThan(0.6);
    expect(json.curves.roc.x[0]).toBe(0);
    expect(json.curves.roc.x.at(-1)).toBe(1);
    expect(json.confusionMatrix.labels).toEqual(["No", "Yes"]);
    expect(json.confusionMatrix.matrix.flat().reduce((a: number, b: number) => a + b)).toBe(500);
    expect(json.segments[0].groups.map((g: { key: string }) => g.key)).toEqual([
      "segment=adult",
      "segment=senior",
    ]);
    const html = renderReportHtml(report);
    expect(html).toContain("<title>Churn &lt;test&gt;</title>");
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(8);
    expect(html).not.toMatch(/<script src|<link |https?:\/\/(?!www\.w3\.org)/);
    const embedded = /<script type="application\/json" id="report-data">(.*)<\/script>/s.exec(
      html,
    )![1]!;
    expect(JSON.parse(embedded).title).toBe("Churn <test>");
  });
});
