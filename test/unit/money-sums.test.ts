import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ApplicationState, decideAssess, decideRecordCompleteness, decideRecordDetails, decideRegisterApplication, evolveApplication, initialApplicationState } from "../../domain/application.ts";
import { type BudgetLineState, evolveBudgetLine, initialBudgetLineState } from "../../domain/budget.ts";
import type { Decision } from "../../domain/decision.ts";
import { amountsBeyondMoney } from "../../domain/eligibility.ts";
import { sumCents } from "../../domain/money.ts";
import { type SchemeUnderDecision, decideOpenScheme, initialSchemeState } from "../../domain/scheme.ts";
import { AmountCents, Cents, type DomainEvent, type EventData, MAX_AMOUNT_CENTS, MAX_AMOUNTS_PER_LIST, eventCatalogue } from "../../events/index.ts";
import { FinalReportBody } from "../../functions/api/grants/submit-final-report.ts";
import { RecordDetailsBody } from "../../functions/api/record-details.ts";
import { accepted, refused, schemeUnderDecision } from "../support/decisions.ts";

type Details = EventData<"ApplicationDetailsRecorded">;

const technohubs = schemeUnderDecision("technohubs-2020");
const sterk = schemeUnderDecision("sterk-techniekonderwijs-2020");
const MAX = Number.MAX_SAFE_INTEGER;

/** Any amount the event contract holds, weighted towards the edges where sums stop being exact. */
const anyCents = fc.oneof(fc.integer({ min: 0, max: MAX }), fc.constantFrom(0, 1, MAX_AMOUNT_CENTS, 2 ** 52, MAX - 1, MAX));
const boundedCents = fc.oneof(fc.integer({ min: 0, max: MAX_AMOUNT_CENTS }), fc.constantFrom(0, 1, MAX_AMOUNT_CENTS - 1, MAX_AMOUNT_CENTS));

const exactSum = (amounts: ReadonlyArray<number>) => amounts.reduce((s, a) => s + BigInt(a), 0n);

describe("sumCents: sums of money never leave the safe integers", () => {
  it("property: the exact sum (in BigInt) when it is a safe integer, undefined when it is not; never a rounded number", () => {
    fc.assert(
      fc.property(fc.array(anyCents, { maxLength: 8 }), (amounts) => {
        const sum = sumCents(amounts);
        const exact = exactSum(amounts);
        if (exact <= BigInt(MAX)) expect(sum).toBe(Number(exact));
        else expect(sum).toBeUndefined();
        if (sum !== undefined) expect(Number.isSafeInteger(sum)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it("property: the bound holds by arithmetic: MAX_AMOUNTS_PER_LIST amounts of at most MAX_AMOUNT_CENTS always add up exactly", () => {
    expect(BigInt(MAX_AMOUNT_CENTS) * BigInt(MAX_AMOUNTS_PER_LIST) <= BigInt(MAX)).toBe(true);
    fc.assert(
      fc.property(fc.array(boundedCents, { maxLength: MAX_AMOUNTS_PER_LIST }), (amounts) => {
        expect(sumCents(amounts)).toBe(Number(exactSum(amounts)));
      }),
      { numRuns: 300 },
    );
    expect(sumCents(Array(MAX_AMOUNTS_PER_LIST).fill(MAX_AMOUNT_CENTS))).toBe(MAX_AMOUNT_CENTS * MAX_AMOUNTS_PER_LIST);
  });

  it("property: AmountCents accepts exactly the whole cents from 0 to EUR 100 billion, and names the bound when refusing", () => {
    fc.assert(
      fc.property(fc.oneof(anyCents, fc.double(), fc.integer({ min: -MAX, max: -1 })), (value) => {
        const ok = Number.isInteger(value) && value >= 0 && value <= MAX_AMOUNT_CENTS;
        expect(AmountCents.safeParse(value).success).toBe(ok);
      }),
      { numRuns: 2_000 },
    );
    expect(AmountCents.safeParse(MAX).error?.issues[0]?.message).toContain("EUR 100,000,000,000.00");
  });

  it("property: the lists a request may carry hold amounts whose sums are exact (details' cost lines and co-financing, final report costs)", () => {
    // The longest lists the request schemas allow, at the largest amount each allows: every sum stays safe.
    const body = RecordDetailsBody.parse({
      costLines: Array.from({ length: MAX_AMOUNTS_PER_LIST }, (_, i) => ({ lineId: `l${i}`, categoryId: "company-staff", description: "x", amountCents: MAX_AMOUNT_CENTS })),
      coFinancing: Array.from({ length: 200 }, () => ({ partner: "p", kindId: "financial", amountCents: MAX_AMOUNT_CENTS })),
    });
    expect(sumCents(body.costLines.map((l) => l.amountCents))).toBe(MAX_AMOUNT_CENTS * MAX_AMOUNTS_PER_LIST);
    expect(sumCents(body.coFinancing.map((c) => c.amountCents))).toBe(MAX_AMOUNT_CENTS * 200);
    expect(RecordDetailsBody.safeParse({ costLines: Array.from({ length: MAX_AMOUNTS_PER_LIST + 1 }, (_, i) => ({ lineId: `l${i}`, categoryId: "c", description: "x", amountCents: 1 })) }).success).toBe(false);
    const report = FinalReportBody.parse({ results: [{ objective: "o", achieved: true }], actualCosts: Array.from({ length: 100 }, () => ({ categoryId: "c", amountCents: MAX_AMOUNT_CENTS })) });
    expect(sumCents(report.actualCosts.map((c) => c.amountCents))).toBe(MAX_AMOUNT_CENTS * 100);
  });
});

// ---------------------------------------------------------------------------------------------
// Finding 6 in the domain: details recorded before the bound (or read from an emailed form)

function fold<S>(evolve: (s: S, e: DomainEvent) => S, initial: S, events: ReadonlyArray<DomainEvent>): S {
  return events.reduce(evolve, initial);
}

/** A registered, complete (queued) application of the scheme with these details, not yet assessed. */
function queuedWith(scheme: SchemeUnderDecision, details: Omit<Details, "applicationId">): ApplicationState {
  const d = scheme.definition;
  const instrument = d.instruments[d.instruments.length - 1]!;
  const opened = accepted(decideOpenScheme(initialSchemeState, scheme)).filter((e) => e.type === "BudgetLineOpened" && e.data.budgetLineId === instrument.budgetLineId);
  const line = fold<BudgetLineState>(evolveBudgetLine, initialBudgetLineState, opened);
  const events: DomainEvent[] = [];
  const take = (decision: Decision<DomainEvent>) => events.push(...accepted(decision));
  const state = () => fold(evolveApplication, initialApplicationState, events);
  take(
    decideRegisterApplication(
      state(),
      {
        applicationId: "app-sums",
        instrumentId: instrument.id,
        technohub: { name: "Technohub Som", region: "STO19001" },
        applicant: { companyName: "Som BV", chamberOfCommerceNumber: null },
        requestedAmountCents: 40_950_000,
        receivedAt: `${d.term.opens}T10:00:00.000Z`,
        sectionIds: d.requiredSections.filter((r) => r.instrumentIds.includes(instrument.id)).map((r) => r.id),
      },
      scheme,
      line,
    ),
  );
  take(decideRecordCompleteness(state(), { applicationId: "app-sums", complete: true }, scheme));
  take(decideRecordDetails(state(), { applicationId: "app-sums", ...details }));
  return state();
}

const details = (overrides: Partial<Details> = {}): Omit<Details, "applicationId"> => ({
  plannedStartDate: "2021-06-01",
  plannedEndDate: null,
  applicantAffiliated: true,
  leadApplicant: null,
  costLines: [],
  coFinancing: [],
  partners: [],
  totalPlanCostsCents: null,
  ...overrides,
});

const line = (lineId: string, amountCents: number, categoryId = "company-staff") => ({ lineId, categoryId, description: lineId, amountCents, external: null });
const assess = (state: ApplicationState, scheme: SchemeUnderDecision) => decideAssess(state, { applicationId: "app-sums", others: [], answers: {} }, scheme);

describe("finding 6: amounts whose sum no number holds are refused with the field, never a RangeError", () => {
  it("finding 6: two cost lines of 9,007,199,254,740,991 cents each (recorded before the bound) make the assessment refuse, naming costLines", () => {
    // Prepare
    const state = queuedWith(technohubs, details({ costLines: [line("a", MAX), line("b", MAX)] }));

    // Act
    const { refusal } = refused(assess(state, technohubs));

    // Assess
    expect(refusal).toMatchObject({ code: "invalid", details: { field: "costLines" } });
    expect(refusal.reason).toContain("record the details again with each amount at most EUR 100,000,000,000.00");
  });

  it("finding 6 (same cause, R-ST-02): co-financing contributions that add up beyond 2^53 - 1 cents are refused the same way, naming coFinancing", () => {
    const state = queuedWith(sterk, details({ totalPlanCostsCents: 100, coFinancing: [{ partner: "A", kindId: "financial", amountCents: MAX }, { partner: "B", kindId: "financial", amountCents: MAX }] }));
    expect(refused(assess(state, sterk)).refusal).toMatchObject({ code: "invalid", details: { field: "coFinancing" } });
    expect(amountsBeyondMoney(state.details)).toMatchObject({ field: "coFinancing" });
  });

  it("property: for any cost lines and contributions the event contract holds, the assessment accepts an event the contract holds, with the exact eligible sum, or refuses; it never throws", () => {
    const costLine = fc.record({ amountCents: anyCents, categoryId: fc.constantFrom("company-staff", "hybrid-teachers", "hardware", "unknown"), external: fc.option(fc.record({ hundredthsOfHour: fc.integer({ min: 1, max: MAX }), hourlyRateCents: anyCents }), { nil: null }) });
    fc.assert(
      fc.property(
        fc.constantFrom(technohubs, sterk),
        fc.array(costLine, { maxLength: 5 }),
        fc.array(anyCents, { maxLength: 4 }),
        fc.option(anyCents, { nil: null }),
        (scheme, lines, contributions, total) => {
          // Prepare: only what the event contract accepts (so a stored event could hold it)
          const recorded = details({
            costLines: lines.map((l, i) => ({ ...line(`l${i}`, l.amountCents, l.categoryId), external: l.external })),
            coFinancing: contributions.map((amountCents, i) => ({ partner: `p${i}`, kindId: "financial", amountCents })),
            totalPlanCostsCents: total,
          });
          expect(Cents.safeParse(recorded.totalPlanCostsCents ?? 0).success).toBe(true);
          const state = queuedWith(scheme, recorded);

          // Act
          const decision = assess(state, scheme);

          // Assess
          const lineSum = exactSum(lines.map((l) => l.amountCents));
          const contributionSum = exactSum(contributions);
          if (lineSum > BigInt(MAX) || contributionSum > BigInt(MAX)) {
            expect(refused(decision).refusal.code).toBe("invalid");
            return;
          }
          const [assessed] = accepted(decision);
          const data = assessed!.data as EventData<"ApplicationAssessed">;
          expect(() => eventCatalogue.parse("ApplicationAssessed", eventCatalogue.currentVersion("ApplicationAssessed"), data)).not.toThrow();
          const excluded = exactSum(data.excludedCosts.map((e) => e.excludedCents));
          expect(BigInt(data.eligibleCostsCents) + excluded).toBe(lineSum);
          expect(data.maximumAmountCents).toBeLessThanOrEqual(Math.max(data.eligibleCostsCents, state.registration!.requestedAmountCents));
        },
      ),
      { numRuns: 500 },
    );
  });
});
