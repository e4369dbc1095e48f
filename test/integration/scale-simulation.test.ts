import { describe, expect, inject, it } from "vitest";
import { type Path, pathOf, simulateScheme } from "../../bench/scale.ts";
import "../support/provided.ts";

/**
 * Issue 15's scale simulation (bench/scale.ts, `npm run bench -- --suites scale`) kept from rotting:
 * ten applications, every path of its mix, through their whole lives on the live local
 * runtime, and every invariant it checks at the end. The bench runs it at 10,000; this runs it small.
 */
describe("the scale simulation (bench --suites scale), small", () => {
  it("R-X-02 R-X-04 R-TH-12: ten applications through every path; the line reconciles, replay equals live, verify passes", { timeout: 300_000 }, async () => {
    const applications = 10;
    const report = await simulateScheme({ applications, concurrency: 5, progressEvery: 10, dynamoEndpoint: inject("dynamoEndpoint"), say: () => undefined });

    expect(report.failures).toEqual([]);
    const expected: Record<string, number> = {};
    for (let i = 0; i < applications; i++) expected[pathOf(i)] = (expected[pathOf(i)] ?? 0) + 1;
    expect(report.outcomes).toEqual(expected);
    expect(Object.keys(expected).sort()).toEqual((["full", "rejected", "withdrawn-after-award", "withdrawn-in-queue", "incomplete-first", "settled-lower", "recovery"] satisfies Path[]).sort());
    expect(report.invariants.derivedMismatches).toBe(0);
    expect(report.invariants.balancesChecked).toBe(report.invariants.lineEvents - 1);
    expect(report.invariants.overCommittedAfter).toBe(0);
    expect(report.invariants.ledger.reconciles).toBe(true);
    // The grants that ran their course: 7 of the 10 (one rejected, two withdrawn).
    expect(report.invariants.ledger.grants.grants).toBe(7);
    expect(report.invariants.replay.differences).toBe(0);
    expect(report.invariants.verify.problems).toBe(0);
    expect(report.invariants.verify.events).toBe(report.invariants.replay.events);
    expect(report.events).toBeGreaterThan(applications * 15);
    expect(report.ok).toBe(true);
  });
});
