import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideWithdraw, evolveApplication, initialApplicationState } from "../../domain/application.ts";
import { availableCents, committedCents, foldBudgetLine, initialBudgetLineState } from "../../domain/budget.ts";
import { amendedPaymentPlan, decideChangeRequest, decideSubmitChangeRequest } from "../../domain/change-requests.ts";
import { type GrantState, evolveGrant, initialGrantState, paymentPlan } from "../../domain/payments.ts";
import type { DomainEvent, EventData } from "../../events/index.ts";
import { accepted, refused, schemeUnderDecision } from "../support/decisions.ts";

type Tranche = EventData<"GrantOpened">["tranches"][number];

const sterk = schemeUnderDecision("sterk-techniekonderwijs-2020");
const technohubs = schemeUnderDecision("technohubs-2020");

/** Shares in basis points that sum to exactly 10,000, as a scheme's tranches must. */
const shares = fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 0, maxLength: 4 }).map((cuts) => {
  const points = [0, ...[...cuts].sort((a, b) => a - b), 10_000];
  return points.slice(1).map((p, i) => p - points[i]!);
});

/** A plan as a grant opens it, what was invoiced on each tranche (never more than it holds) and a new amount. */
const cases = shares.chain((split) =>
  fc.record({
    split: fc.constant(split),
    amount: fc.integer({ min: 1, max: 100_000_000_000 }),
    invoicedShare: fc.array(fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: split.length, maxLength: split.length }),
    newAmount: fc.integer({ min: 0, max: 200_000_000_000 }),
  }),
);

const scheduleOf = (split: number[]) => split.map((shareBasisPoints, i) => ({ id: `t${i}`, shareBasisPoints, trigger: { kind: "calendar-year" as const, year: 2020 + i } }));

describe("amendedPaymentPlan: the tranche plan recomputed for a new grant amount (issue 13)", () => {
  it("property: the plan sums exactly to the new amount, no tranche goes below what was invoiced on it, a fully paid tranche never changes, and invoiced tranches keep their amounts whenever the others can absorb the change", () => {
    fc.assert(
      fc.property(cases, ({ split, amount, invoicedShare, newAmount }) => {
        const plan = paymentPlan(amount, scheduleOf(split));
        const taken = plan.map((t, i) => Math.floor(t.amountCents * invoicedShare[i]!));
        const result = amendedPaymentPlan(plan, newAmount, (id) => taken[plan.findIndex((t) => t.trancheId === id)]!);
        const totalTaken = taken.reduce((s, c) => s + c, 0);
        const keptSum = plan.reduce((s, t, i) => s + (taken[i]! > 0 ? t.amountCents : 0), 0);
        const open = taken.filter((c) => c === 0).length;
        if (newAmount < totalTaken || (open === 0 && newAmount > keptSum)) {
          expect("refusal" in result).toBe(true);
          return;
        }
        if (!("tranches" in result)) throw new Error(`refused: ${result.refusal}`);
        const amended: Tranche[] = result.tranches;
        expect(amended.reduce((s, t) => s + t.amountCents, 0)).toBe(newAmount);
        expect(amended.map(({ amountCents: _, ...rest }) => rest)).toEqual(plan.map(({ amountCents: _, ...rest }) => rest));
        amended.forEach((t, i) => {
          expect(Number.isSafeInteger(t.amountCents)).toBe(true);
          expect(t.amountCents).toBeGreaterThanOrEqual(taken[i]!);
          if (taken[i]! > 0 && taken[i] === plan[i]!.amountCents) expect(t.amountCents).toBe(plan[i]!.amountCents);
          if (taken[i]! > 0 && open > 0 && newAmount >= keptSum) expect(t.amountCents).toBe(plan[i]!.amountCents);
        });
      }),
      { numRuns: 2_000 },
    );
  });

  it("property: with nothing invoiced, the amended plan is the plan a grant of the new amount would open with", () => {
    fc.assert(
      fc.property(cases, ({ split, amount, newAmount }) => {
        const result = amendedPaymentPlan(paymentPlan(amount, scheduleOf(split)), newAmount, () => 0);
        expect(result).toEqual({ tranches: paymentPlan(newAmount, scheduleOf(split)) });
      }),
      { numRuns: 1_000 },
    );
  });

  it("R-TH-12 80/20 with the advance paid: a decrease of 50,000.00 on 409,500.00 leaves the advance at 327,600.00 and the final tranche at 31,900.00", () => {
    const plan = paymentPlan(40_950_000, technohubs.definition.paymentSchedule.tranches);
    expect(amendedPaymentPlan(plan, 35_950_000, (id) => (id === "advance" ? 32_760_000 : 0))).toEqual({
      tranches: [{ ...plan[0]!, amountCents: 32_760_000 }, { ...plan[1]!, amountCents: 3_190_000 }],
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The deciders, given the grant's events

const opened = (scheme: typeof sterk, amountCents: number): DomainEvent => ({
  type: "GrantOpened",
  data: {
    grantId: "g-1", applicationId: "g-1", schemeId: scheme.definition.id, schemeVersion: scheme.version, instrumentId: scheme.definition.instruments[scheme.definition.id === "technohubs-2020" ? 1 : 0]!.id,
    budgetLineId: scheme.definition.budgetLines[0]!.id, technohub: "Regio", amountCents, openedOn: "2019-07-01", tranches: paymentPlan(amountCents, scheme.definition.paymentSchedule.tranches),
  },
});
const grantOf = (...events: DomainEvent[]): GrantState => events.reduce(evolveGrant, initialGrantState);
const lineOf = (releasedCents: number, committed: number) =>
  foldBudgetLine(initialBudgetLineState, [
    { type: "BudgetLineOpened", data: { schemeId: sterk.definition.id, schemeVersion: sterk.version, budgetLineId: "regional-plans", name: "line", amountCents: releasedCents, releasedCents } },
    { type: "BudgetReserved", data: { schemeId: sterk.definition.id, budgetLineId: "regional-plans", applicationId: "g-1", amountCents: committed } },
    { type: "BudgetCommitted", data: { schemeId: sterk.definition.id, budgetLineId: "regional-plans", applicationId: "g-1", amountCents: committed } },
  ]);
const vso = (pupilCount: number) => ({ kind: "increase" as const, basis: { kind: "vso-pupils" as const, partnerSchool: "VSO De Brug", pupilCount, addendumRef: "addendum.pdf" } });
const submitted = (receivedOn: string, change: EventData<"ChangeRequestSubmitted">["change"] = vso(3)) =>
  decideSubmitChangeRequest(grantOf(opened(sterk, 90_000_000)), initialApplicationState, { grantId: "g-1", requestId: "cr-1", receivedOn, change, explanation: null, documentRef: null }, sterk);

describe("change request deciders", () => {
  it("R-ST-03 a request that arrives on 2019-09-30 is taken; on 2019-10-01 it is recorded with its refusal by the rules (R-X-05)", () => {
    expect(accepted(submitted("2019-09-30")).map((e) => e.type)).toEqual(["ChangeRequestSubmitted"]);
    const late = refused(submitted("2019-10-01"));
    expect(late.refusal).toMatchObject({ code: "closed", ruleIds: ["R-ST-03"] });
    expect(late.events?.map((e) => e.type)).toEqual(["ChangeRequestSubmitted", "ChangeRequestRefused"]);
    expect(late.events?.[1]?.data).toMatchObject({ refusedBy: "rules", code: "closed", decidedOn: "2019-10-01" });
  });

  it("R-X-02 granting an increase the line cannot cover is refused with what is left, and records nothing; the request stays open", () => {
    const grant = grantOf(opened(sterk, 90_000_000), accepted(submitted("2019-09-16"))[0]!);
    const short = decideChangeRequest(grant, initialApplicationState, lineOf(94_768_499, 90_000_000), { decision: "grant", requestId: "cr-1", decidedOn: "2019-09-20" }, sterk);
    expect(refused(short)).toMatchObject({ refusal: { code: "budget-exhausted", reason: "budget regional-plans has EUR 47,684.99 left, not enough for the increase of EUR 47,685.00" } });
    expect(short.events).toBeUndefined();
    const line = lineOf(94_768_500, 90_000_000);
    const events = accepted(decideChangeRequest(grant, initialApplicationState, line, { decision: "grant", requestId: "cr-1", decidedOn: "2019-09-20" }, sterk));
    const after = foldBudgetLine(line, events as DomainEvent[]);
    expect([availableCents(after), committedCents(after)]).toEqual([0, 94_768_500]);
  });

  it("R-X-02 a granted decrease releases the difference from the commitment; a decision on a decided request is refused", () => {
    const request = accepted(submitted("2019-11-01", { kind: "decrease", decreaseCents: 1_000_000 }))[0]!;
    const grant = grantOf(opened(sterk, 90_000_000), request);
    const events = accepted(decideChangeRequest(grant, initialApplicationState, lineOf(100_000_000, 90_000_000), { decision: "grant", requestId: "cr-1", decidedOn: "2019-11-05" }, sterk));
    expect(events.map((e) => [e.type, (e.data as { amountCents?: number }).amountCents])).toEqual([["ChangeRequestGranted", 89_000_000], ["BudgetReleased", 1_000_000]]);
    const decided = grantOf(opened(sterk, 90_000_000), request, ...(events as DomainEvent[]));
    expect(decided.opened?.amountCents).toBe(89_000_000);
    expect(refused(decideChangeRequest(decided, initialApplicationState, lineOf(100_000_000, 89_000_000), { decision: "refuse", requestId: "cr-1", reasons: ["no"], decidedOn: "2019-11-06" }, sterk)).refusal.code).toBe("already-exists");
  });

  it("R-ST-01 (interpretation) an end date is extended within the project period only", () => {
    const beyond = refused(submitted("2019-11-01", { kind: "end-date-extension", newEndDate: "2024-01-01" }));
    expect(beyond.refusal).toMatchObject({ code: "closed", reason: "projects of regional-plan end on 2023-12-31 at the latest", ruleIds: ["R-ST-01"] });
    expect(accepted(submitted("2019-11-01", { kind: "end-date-extension", newEndDate: "2023-12-31" })).length).toBe(1);
  });
});

describe("after an amended grant", () => {
  it("R-X-02 a withdrawal releases what the application holds on its line (award plus a granted increase), not the award as first decided", () => {
    const application = [
      { type: "ApplicationRegistered", data: { applicationId: "g-1", schemeId: sterk.definition.id, schemeVersion: sterk.version, instrumentId: "regional-plan", technohub: { name: "Regio", region: "STO19001" }, applicant: { companyName: "Vmbo", chamberOfCommerceNumber: null }, requestedAmountCents: 90_000_000, receivedAt: "2019-03-20T12:00:00.000Z" } },
      { type: "AwardGranted", data: { applicationId: "g-1", roundId: "regional-plans-2019", membersPresent: ["DUS-I"], decidedOn: "2019-07-01", amountCents: 90_000_000, budgetLineId: "regional-plans", derivation: { formula: "f", inputs: {}, ruleIds: [], schemeVersion: sterk.version } } },
      { type: "AwardLetterIssued", data: { applicationId: "g-1", grantId: "g-1", amountCents: 90_000_000, issuedOn: "2019-07-01", commitments: [] } },
    ].reduce((s, e) => evolveApplication(s, e as DomainEvent), initialApplicationState);
    const line = lineOf(100_000_000, 94_768_500);
    const events = accepted(decideWithdraw(application, { applicationId: "g-1", reason: "the region stopped" }, sterk, line));
    expect(events.map((e) => [e.type, (e.data as { amountCents?: number; releasedCents?: number }).amountCents ?? (e.data as { releasedCents: number }).releasedCents])).toEqual([["ApplicationWithdrawn", 94_768_500], ["BudgetReleased", 94_768_500]]);
    expect(committedCents(foldBudgetLine(line, events as DomainEvent[]))).toBe(0);
  });
});
