import { describe, expect, it } from "vitest";
import { metricNames } from "../../functions/runtime/metrics.ts";
import { bundledSchemes } from "../../schemes/bundled.ts";
import { type Json, synth } from "./support.ts";

/** The dashboard body as CloudFormation gets it: a JSON string with tokens joined in (Fn::Join). */
function dashboardBody(resources: Record<string, { Type: string; Properties: Json }>): Json {
  const dashboards = Object.values(resources).filter((r) => r.Type === "AWS::CloudWatch::Dashboard");
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0]!.Properties.DashboardBody;
  const text = typeof body === "string" ? body : (body["Fn::Join"][1] as Json[]).map((part) => (typeof part === "string" ? part : "TOKEN")).join("");
  return JSON.parse(text);
}

describe("the CloudWatch dashboard (issue 15)", () => {
  const { resources } = synth("dev");
  const body = dashboardBody(resources);
  /** Every metric on the dashboard as [namespace, name, ...dimension name/value pairs, options]. */
  const metrics: Json[][] = body.widgets.flatMap((w: Json) => w.properties.metrics ?? []);
  const named = (name: string) => metrics.filter((m) => m[0] === "SubsidyBackOffice" && m[1] === name);
  /** A metric's dimensions: the name/value pairs between its name and its options object. */
  const dimensionsOf = (m: Json[]): Record<string, string> => {
    const pairs = m.slice(2).filter((x) => typeof x === "string");
    return Object.fromEntries(Array.from({ length: pairs.length / 2 }, (_, i) => [pairs[2 * i], pairs[2 * i + 1]]));
  };

  it("graphs every metric the functions send, in their namespace with the service dimension Powertools adds and its own stage's dimension", () => {
    for (const name of Object.values(metricNames)) {
      expect(named(name).length, name).toBeGreaterThan(0);
      for (const m of named(name)) expect(dimensionsOf(m)).toMatchObject({ service: "subsidy-back-office", stage: "dev" });
    }
  });

  it("shows the available amount of every budget line of every bundled scheme, each under its own dimensions", () => {
    const lines = bundledSchemes().all().flatMap((s) => s.definition.budgetLines.map((l) => `${s.definition.id}/${l.id}`));
    const shown = named(metricNames.budgetAvailable).map((m) => {
      const dims = dimensionsOf(m);
      return `${dims.schemeId}/${dims.budgetLineId}`;
    });
    expect(shown.sort()).toEqual(lines.sort());
  });
});
