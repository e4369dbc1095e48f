import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalMetric, metricNames } from "../../functions/runtime/metrics.ts";
import { eventually, startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { Staff } from "../support/scenario.ts";

/**
 * Issue 15: the metrics the functions send to CloudWatch on AWS (EMF through Powertools) are visible
 * locally under the same names, at `GET /metrics` of the local API.
 */
let backOffice: TestBackOffice;
let staff: Staff;

beforeAll(async () => {
  backOffice = await startTestBackOffice("local-metrics");
  staff = new Staff(backOffice);
}, 120_000);

afterAll(async () => {
  await backOffice?.stop();
});

async function metricsNow(): Promise<{ namespace: string; metrics: LocalMetric[] }> {
  const response = await fetch(`${backOffice.apiUrl}/metrics`);
  expect(response.status).toBe(200);
  return (await response.json()) as { namespace: string; metrics: LocalMetric[] };
}

const sumOf = (metrics: ReadonlyArray<LocalMetric>, name: string) => metrics.filter((m) => m.name === name).reduce((total, m) => total + m.sum, 0);

describe("GET /metrics on the local API", () => {
  it("counts applications received and awards, keeps each budget line's available amount as the budget document shows it, and the projector lag (no token needed, no personal data)", async () => {
    // Prepare
    const before = await metricsNow();

    // Act: one Technohubs application registered, assessed and awarded through the staff API (R-TH-02).
    await staff.technohubsGrant(1);
    const budget = await staff.budget("technohubs-2020");
    const after = await eventually(metricsNow, (m) => sumOf(m.metrics, metricNames.projectorLag) > 0);

    // Assess
    expect(after.namespace).toBe("SubsidyBackOffice");
    expect(sumOf(after.metrics, metricNames.applicationsReceived) - sumOf(before.metrics, metricNames.applicationsReceived)).toBe(1);
    expect(sumOf(after.metrics, metricNames.awardsGranted) - sumOf(before.metrics, metricNames.awardsGranted)).toBe(1);
    const lines = after.metrics.filter((m) => m.name === metricNames.budgetAvailable && m.dimensions.schemeId === "technohubs-2020");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.last, line.dimensions.budgetLineId).toBe(budget[line.dimensions.budgetLineId!]!.availableCents);
    const lag = after.metrics.find((m) => m.name === metricNames.projectorLag)!;
    expect(lag.unit).toBe("Milliseconds");
    expect(lag.max).toBeGreaterThanOrEqual(0);
    const text = JSON.stringify(after);
    for (const personal of ["Metaal BV", "Technohub Geld"]) expect(text).not.toContain(personal);
  }, 120_000);
});
