import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BudgetLineState,
  availableCents,
  committedCents,
  evolveBudgetLine,
  foldBudgetLine,
  grantsOnLineOtherThan,
  initialBudgetLineState,
  paidCents,
  recoveredCents,
  reservedCents,
} from "../../domain/budget.ts";
import { PersistentMap } from "../../domain/persistent-map.ts";
import type { DomainEvent } from "../../events/index.ts";

/**
 * Issue 15: the budget line's fold no longer copies its per-application maps on every event. These
 * properties hold it to the fold it replaced (kept below verbatim as the reference), event for event.
 */
type Amounts = Readonly<Record<string, number>>;
interface ReferenceLine {
  opened: boolean; schemeId: string; budgetLineId: string; name: string; amountCents: number; releasedCents: number;
  reserved: Amounts; committed: Amounts; paid: Amounts; recovered: Amounts; intakeClosed: boolean;
}
const referenceInitial: ReferenceLine = { opened: false, schemeId: "", budgetLineId: "", name: "", amountCents: 0, releasedCents: 0, reserved: {}, committed: {}, paid: {}, recovered: {}, intakeClosed: false };
const without = (amounts: Amounts, key: string) => {
  const { [key]: _, ...rest } = amounts;
  return rest;
};
const add = (amounts: Amounts, key: string, delta: number) => {
  const next = (amounts[key] ?? 0) + delta;
  return next === 0 ? without(amounts, key) : { ...amounts, [key]: next };
};
// biome-ignore lint: the reference is the old fold, copied as it was
function referenceEvolve(state: ReferenceLine, event: any): ReferenceLine {
  switch (event.type) {
    case "BudgetLineOpened":
      return { ...referenceInitial, opened: true, schemeId: event.data.schemeId, budgetLineId: event.data.budgetLineId, name: event.data.name, amountCents: event.data.amountCents, releasedCents: event.data.releasedCents };
    case "BudgetTrancheReleased":
      return { ...state, releasedCents: state.releasedCents + event.data.amountCents, intakeClosed: false };
    case "BudgetReserved":
      return { ...state, reserved: { ...state.reserved, [event.data.applicationId]: (state.reserved[event.data.applicationId] ?? 0) + event.data.amountCents } };
    case "BudgetCommitted":
      return { ...state, reserved: without(state.reserved, event.data.applicationId), committed: { ...state.committed, [event.data.applicationId]: (state.committed[event.data.applicationId] ?? 0) + event.data.amountCents } };
    case "BudgetReleased": {
      const pool: "reserved" | "committed" = event.data.from === "reserved" ? "reserved" : "committed";
      const left = (state[pool][event.data.applicationId] ?? 0) - event.data.amountCents;
      const next = left > 0 ? { ...state[pool], [event.data.applicationId]: left } : without(state[pool], event.data.applicationId);
      return { ...state, [pool]: next };
    }
    case "BudgetLineIntakeClosed":
      return { ...state, intakeClosed: true };
    case "BudgetPaid":
      return { ...state, paid: add(state.paid, event.data.applicationId, event.data.amountCents) };
    case "BudgetRecovered":
      return { ...state, committed: add(state.committed, event.data.applicationId, -event.data.amountCents), recovered: add(state.recovered, event.data.applicationId, event.data.amountCents) };
    default:
      return state;
  }
}
const sum = (amounts: Amounts) => Object.values(amounts).reduce((a, b) => a + b, 0);

const base = { schemeId: "s", budgetLineId: "main" };
const application = fc.constantFrom("app-a", "app-b", "app-c", "app-d", "app-e");
const cents = fc.integer({ min: 0, max: 5_000 });
const budgetEvent: fc.Arbitrary<DomainEvent> = fc.oneof(
  fc.record({ amountCents: cents, releasedCents: cents }).map((d) => ({ type: "BudgetLineOpened", data: { ...base, schemeVersion: "v", name: "Main", ...d } })),
  cents.map((amountCents) => ({ type: "BudgetTrancheReleased", data: { ...base, schemeVersion: "v", amountCents, boardDecision: "b" } })),
  fc.record({ applicationId: application, amountCents: cents }).map((d) => ({ type: "BudgetReserved", data: { ...base, ...d } })),
  fc.record({ applicationId: application, amountCents: cents }).map((d) => ({ type: "BudgetCommitted", data: { ...base, ...d } })),
  fc.record({ applicationId: application, amountCents: cents, from: fc.constantFrom("reserved", "committed") }).map((d) => ({ type: "BudgetReleased", data: { ...base, ...d, reason: "withdrawn" } })),
  fc.constant({ type: "BudgetLineIntakeClosed", data: { ...base, availableCents: 0, reason: "r" } }),
  fc.record({ applicationId: application, amountCents: cents }).map((d) => ({ type: "BudgetPaid", data: { ...base, ...d } })),
  fc.record({ applicationId: application, amountCents: cents }).map((d) => ({ type: "BudgetRecovered", data: { ...base, ...d } })),
  fc.constant({ type: "ApplicationWithdrawn", data: { applicationId: "app-a" } }),
) as fc.Arbitrary<DomainEvent>;

const visible = (line: BudgetLineState) => ({ ...line });
const expectSameAs = (line: BudgetLineState, reference: ReferenceLine) => {
  expect(visible(line)).toEqual(reference);
  expect([reservedCents(line), committedCents(line), paidCents(line), recoveredCents(line)]).toEqual([sum(reference.reserved), sum(reference.committed), sum(reference.paid), sum(reference.recovered)]);
  expect(availableCents(line)).toBe(reference.releasedCents - sum(reference.reserved) - sum(reference.committed));
  for (const id of ["app-a", "app-b", "app-z"]) {
    const others = new Set([...Object.keys(reference.reserved), ...Object.keys(reference.committed)]);
    others.delete(id);
    expect(grantsOnLineOtherThan(line, id)).toBe(others.size);
  }
};

describe("issue 15: the budget line's fold is linear and equal to the fold it replaced (R-X-02)", () => {
  it("property: event by event, evolveBudgetLine gives the maps, totals, available and grant count of the old copying fold", () => {
    fc.assert(
      fc.property(fc.array(budgetEvent, { maxLength: 60 }), (events) => {
        let line = initialBudgetLineState;
        let reference = referenceInitial;
        for (const event of events) {
          line = evolveBudgetLine(line, event);
          reference = referenceEvolve(reference, event);
          expectSameAs(line, reference);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("property: foldBudgetLine over any split of the events equals the old fold, and never changes the state it starts from", () => {
    fc.assert(
      fc.property(fc.array(budgetEvent, { maxLength: 60 }), fc.nat(60), (events, cut) => {
        const head = foldBudgetLine(initialBudgetLineState, events.slice(0, cut));
        const snapshot = JSON.stringify(visible(head));
        const whole = foldBudgetLine(head, events.slice(cut));
        expectSameAs(whole, events.reduce(referenceEvolve, referenceInitial));
        expect(JSON.stringify(visible(head))).toBe(snapshot);
      }),
      { numRuns: 300 },
    );
  });

  it("property: a stored copy of the state (plain maps, as a read-model document holds it) evolves exactly as the state itself", () => {
    fc.assert(
      fc.property(fc.array(budgetEvent, { maxLength: 40 }), fc.array(budgetEvent, { maxLength: 20 }), (first, then) => {
        const line = foldBudgetLine(initialBudgetLineState, first);
        const copy = JSON.parse(JSON.stringify(line)) as BudgetLineState;
        expect(visible(then.reduce(evolveBudgetLine, copy))).toEqual(visible(then.reduce(evolveBudgetLine, line)));
        expect(availableCents(then.reduce(evolveBudgetLine, copy))).toBe(availableCents(then.reduce(evolveBudgetLine, line)));
      }),
      { numRuns: 200 },
    );
  });

  it("property: the persistent map behaves as a Map, and an older version never sees a later change", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ maxLength: 3 }), fc.option(fc.integer(), { nil: undefined })), { maxLength: 200 }), (operations) => {
        let map = PersistentMap.empty<number>();
        const model = new Map<string, number>();
        const versions: Array<[PersistentMap<number>, Map<string, number>]> = [];
        for (const [key, value] of operations) {
          map = map.set(key, value);
          if (value === undefined) model.delete(key);
          else model.set(key, value);
          versions.push([map, new Map(model)]);
        }
        for (const [version, expected] of versions) {
          expect(version.size).toBe(expected.size);
          expect(new Map(version.entries())).toEqual(expected);
        }
      }),
      { numRuns: 200 },
    );
  });
});
