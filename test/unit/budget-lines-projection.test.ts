import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { availableCents, balanceOf, foldBudgetLine, initialBudgetLineState, positionOf } from "../../domain/budget.ts";
import { type BudgetLineView, type BudgetPositionView, budgetLinesProjection, budgetPositionId } from "../../domain/projections/budget-lines.ts";
import type { DomainEvent, RecordedEvent } from "../../events/index.ts";
import { DocumentFold } from "../../functions/projector/projector.ts";

/**
 * Issue 15 (c): the budget line's read model keeps the totals and one entry per application, so the
 * line's document does not grow with the line; its figures are the domain fold's (R-X-02).
 */
const base = { schemeId: "s", budgetLineId: "main" };
const lineDoc = "s.main";
const application = fc.constantFrom("app-a", "app-b", "app-c", "app-d");
const cents = fc.integer({ min: 1, max: 5_000 });
const budgetEvent: fc.Arbitrary<DomainEvent> = fc.oneof(
  cents.map((amountCents) => ({ type: "BudgetTrancheReleased", data: { ...base, schemeVersion: "v", amountCents, boardDecision: "b" } })),
  fc.record({ applicationId: application, amountCents: cents }).map((d) => ({ type: "BudgetReserved", data: { ...base, ...d } })),
  fc.record({ applicationId: application, amountCents: cents }).map((d) => ({ type: "BudgetCommitted", data: { ...base, ...d } })),
  fc.record({ applicationId: application, amountCents: cents, from: fc.constantFrom("reserved", "committed") }).map((d) => ({ type: "BudgetReleased", data: { ...base, ...d, reason: "withdrawn" } })),
  fc.constant({ type: "BudgetLineIntakeClosed", data: { ...base, availableCents: 0, reason: "r" } }),
  fc.record({ applicationId: application, amountCents: cents }).map((d) => ({ type: "BudgetPaid", data: { ...base, ...d } })),
  fc.record({ applicationId: application, amountCents: cents }).map((d) => ({ type: "BudgetRecovered", data: { ...base, ...d } })),
) as fc.Arbitrary<DomainEvent>;
const opened: DomainEvent = { type: "BudgetLineOpened", data: { ...base, schemeVersion: "v", name: "Main", amountCents: 10_000, releasedCents: 5_000 } } as DomainEvent;

const recorded = (events: DomainEvent[]): RecordedEvent[] =>
  events.map((e, i) => ({ eventId: `e${i}`, streamId: "budget-line#s.main", version: i + 1, type: e.type, schemaVersion: 1, data: e.data, metadata: { actor: "t", role: "admin", channel: "system", correlationId: "c" }, recordedAt: "2021-01-01T00:00:00.000Z", schemeId: "s", hash: "h", previousHash: "p" }) as RecordedEvent);

async function project(events: RecordedEvent[], split: number) {
  // Two runs, as the projector would take them in two deliveries: the second starts from what the first stored.
  const stored = new Map<string, { doc: unknown; revision: number }>();
  for (const run of [events.slice(0, split), events.slice(split)]) {
    const fold = new DocumentFold(budgetLinesProjection, (id) => stored.get(id) as never);
    for (const event of run) await fold.apply(event);
    for (const write of fold.writes()) stored.set(write.docId, { doc: JSON.parse(JSON.stringify(write.doc)), revision: write.revision });
  }
  return stored;
}

describe("issue 15: the budget-lines read model is bounded and equals the domain fold (R-X-02)", () => {
  it("property: for any budget events, delivered in two runs, the line's document holds the fold's totals and grant count, and each application's entry its position", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(budgetEvent, { maxLength: 40 }), fc.nat(41), async (events, split) => {
        const all = [opened, ...events];
        const documents = await project(recorded(all), split);
        const state = foldBudgetLine(initialBudgetLineState, all);
        const line = documents.get(lineDoc)!.doc as BudgetLineView;
        expect(line).toEqual({ ...balanceOf(state), availableCents: availableCents(state), version: all.length });
        for (const id of ["app-a", "app-b", "app-c", "app-d"]) {
          const entry = documents.get(budgetPositionId(lineDoc, id))?.doc as BudgetPositionView | undefined;
          const { schemeId: _s, budgetLineId: _b, applicationId: _a, version: _v, ...position } = entry ?? { schemeId: "", budgetLineId: "", applicationId: "", version: 0 };
          expect(position).toEqual(JSON.parse(JSON.stringify(positionOf(state, id))));
        }
      }),
      { numRuns: 150 },
    );
  });

  it("the line's document is the same size with 3 applications as with 3,000 (each application is an entry of its own)", async () => {
    const trios = (n: number): DomainEvent[] =>
      Array.from({ length: n }, (_, i) => [
        { type: "BudgetReserved", data: { ...base, applicationId: `app-${String(i).padStart(5, "0")}`, amountCents: 1 } },
        { type: "BudgetCommitted", data: { ...base, applicationId: `app-${String(i).padStart(5, "0")}`, amountCents: 1 } },
      ]).flat() as DomainEvent[];
    const size = async (n: number) => JSON.stringify((await project(recorded([opened, ...trios(n)]), 0)).get(lineDoc)!.doc).length;
    const small = await size(3);
    const large = await size(3_000);
    // Only the digits of the totals, the grant count and the version grow (a few bytes), not an entry per application.
    expect(large - small).toBeLessThanOrEqual(16);
  });
});
