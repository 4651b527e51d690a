import { describe, expect, it } from "vitest";
import {
  buildReport,
  checkGates,
  EVIDENCE_RULE,
  fromProba,
  predictionsOf,
  renderReportHtml,
} from "../index.js";
import { ColumnScoreModel, churnLikeFrame } from "../testing/toy-estimators.js";
import { escapeHtml } from "./svg.js";

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

describe("report rendering of gates, labels and matrices", () => {
  it("shows every bias gate's per-group rates, the gated rate marked, and why a gate failed", async () => {
    const frame = churnLikeFrame(600, 5);
    const model = await new ColumnScoreModel("signal").fit(
      frame.drop(["churn"]),
      frame.column("churn"),
    );
    const predictions = predictionsOf(model, frame, { target: "churn", positive: "Yes" });
    const gates = checkGates(
      {
        gates: [
          { bias: "equalizedOddsDifference", by: "segment", max: 0.0001 },
          { bias: "disparateImpactRatio", by: "segment", min: 0.5 },
        ],
      },
      { predictions, frame },
    );
    const html = renderReportHtml(buildReport({ predictions, frame, gates }));
    expect(html).toContain("<h2>Bias gates: rates by group</h2>");
    const odds = html.slice(html.indexOf("equalizedOddsDifference[segment] ≤ 0.0001 — "));
    expect(odds).toMatch(
      /<th class="gated">true positive rate<\/th><th class="gated">false positive rate<\/th>/,
    );
    expect(odds).toMatch(/<td title="segment=adult">segment=adult<\/td><td class="num">\d+<\/td>/);
    expect(html).toMatch(/is above the maximum 0\.0001/);
    expect(html).toMatch(/disparateImpactRatio\[segment\] ≥ 0\.5 — <span class="pass">/);
  });

  it("cuts long labels with a tooltip and draws a multiclass matrix without a threshold", () => {
    const classes = Array.from({ length: 9 }, (_, k) => `customer segment number ${k} of nine`);
    const n = 90;
    const labels = Array.from({ length: n }, (_, i) => classes[i % 9]!);
    const proba = new Float64Array(n * 9).fill(0.05);
    for (let i = 0; i < n; i++) proba[i * 9 + ((i * 7) % 9)] = 0.6;
    const predictions = fromProba("multiclass", classes, labels, proba, {});
    const report = buildReport({ predictions });
    expect(report.confusionMatrix!.matrix.flat().reduce((a, b) => a + b)).toBe(n);
    const html = renderReportHtml(report);
    expect(html).toContain("Confusion matrix (most likely class)");
    expect(html).not.toContain("threshold 0.5");
    expect(html).not.toContain("decision threshold");
    // Cut to 20 characters in the middle, so names sharing a prefix stay apart; the full
    // class name is the hover title.
    expect(html).toContain(
      ">customer s…3 of nine<title>customer segment number 3 of nine</title></text>",
    );
    expect(html).toMatch(/transform="rotate\(-45 /);
  });

  it("states where the numbers came from, and shows no metrics when there are no out-of-sample predictions", () => {
    const report = buildReport({
      model: { task: "binary", classes: ["No", "Yes"] },
      evidence: {
        candidate: { source: "unavailable", rows: 10, statement: "the rows are its training rows" },
      },
      gates: checkGates(
        { gates: [{ metric: "rocAuc", min: 0.8 }] },
        { unavailable: "the rows are its training rows" },
      ),
    });
    expect(report.metrics).toEqual({});
    expect(report.rule).toBe(EVIDENCE_RULE);
    const html = renderReportHtml(report);
    expect(html).toContain("<b>Judged on</b> the rows are its training rows.");
    expect(html).toContain("No metrics: there are no out-of-sample predictions");
    expect(html).toContain(escapeHtml(EVIDENCE_RULE));
  });
});
