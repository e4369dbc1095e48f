import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AssessmentInput, type CheckOutcome, type OtherApplication, eligibleCosts, hubKey, maximumAmount, runChecks } from "../../domain/eligibility.ts";
import { shareOf } from "../../domain/money.ts";
import type { EventData } from "../../events/index.ts";
import { bundledSchemes } from "../../schemes/bundled.ts";
import type { SchemeDefinition } from "../../schemes/definition.ts";

type CostLine = EventData<"ApplicationDetailsRecorded">["costLines"][number];
type Details = EventData<"ApplicationDetailsRecorded">;
type Registration = EventData<"ApplicationRegistered">;

/** The real, validated scheme definitions: the rules under test are data, not code. */
function loaded(id: string) {
  const scheme = bundledSchemes().get(id);
  if (!scheme) throw new Error(`scheme ${id} is not bundled`);
  return scheme;
}
const technohubs = loaded("technohubs-2020");
const verduurzamen = loaded("verduurzamen-2025");
const sterk = loaded("sterk-techniekonderwijs-2020");
const allSchemes = [technohubs, verduurzamen, sterk];

function instrument(scheme: SchemeDefinition, id: string) {
  const found = scheme.instruments.find((i) => i.id === id);
  if (!found) throw new Error(`${scheme.id} has no instrument ${id}`);
  return found;
}

const line = (lineId: string, categoryId: string, amountCents: number, external: CostLine["external"] = null): CostLine => ({
  lineId,
  categoryId,
  description: `${categoryId} costs`,
  amountCents,
  external,
});

const registration = (scheme: SchemeDefinition, overrides: Partial<Registration> = {}): Registration => ({
  applicationId: "app-woerden",
  schemeId: scheme.id,
  schemeVersion: "sha256:test",
  instrumentId: scheme.instruments[0]!.id,
  technohub: { name: "TechnoHUB Woerden", region: "Utrecht-West" },
  applicant: { companyName: "Metaal Woerden BV", chamberOfCommerceNumber: "12345678" },
  requestedAmountCents: 1_000_000,
  receivedAt: "2021-02-01T09:30:00.000Z",
  ...overrides,
});

const details = (overrides: Partial<Details> = {}): Details => ({
  applicationId: "app-woerden",
  plannedStartDate: null,
  plannedEndDate: null,
  applicantAffiliated: null,
  leadApplicant: null,
  costLines: [],
  coFinancing: [],
  partners: [],
  totalPlanCostsCents: null,
  ...overrides,
});

const other = (overrides: Partial<OtherApplication> = {}): OtherApplication => ({
  applicationId: "app-other",
  technohub: "Technohub Elsewhere",
  region: "Elsewhere",
  instrumentId: "execution",
  receivedAt: "2021-01-15T10:00:00.000Z",
  status: "queued",
  ...overrides,
});

function checks(input: Partial<AssessmentInput> & { scheme: SchemeDefinition }): CheckOutcome[] {
  return runChecks({ registration: registration(input.scheme), details: undefined, others: [], answers: {}, ...input });
}

function outcome(all: CheckOutcome[], checkId: string): CheckOutcome {
  const found = all.find((c) => c.checkId === checkId);
  if (!found) throw new Error(`no outcome for check ${checkId}; got ${all.map((c) => c.checkId).join(", ")}`);
  return found;
}

// ---------------------------------------------------------------------------------------------

describe("eligibleCosts (R-TH-03, R-TH-04)", () => {
  const th = technohubs.definition;

  it("R-TH-03 hardware and fitting out workshop rooms are excluded whole, each with the scheme's reason, and the rest counts", () => {
    // Act
    const result = eligibleCosts(
      [line("staff", "company-staff", 30_000_000), line("lathes", "hardware", 12_000_000), line("workshop", "workshop-fit-out", 7_500_000), line("lessons", "teaching-materials", 1_000_000)],
      th,
      "execution",
    );

    // Assess
    expect(result.eligibleCostsCents).toBe(31_000_000);
    expect(result.excludedCosts).toEqual([
      { lineId: "lathes", excludedCents: 12_000_000, reason: "Hardware is excluded from the grant (R-TH-03).", ruleIds: ["R-TH-03"] },
      { lineId: "workshop", excludedCents: 7_500_000, reason: "Fitting out technology or workshop rooms is excluded from the grant (R-TH-03).", ruleIds: ["R-TH-03"] },
    ]);
  });

  it("R-TH-03 the hardware exclusion applies to planning too", () => {
    // Act
    const result = eligibleCosts([line("laptops", "hardware", 250_000), line("project-leader", "project-leader", 800_000)], th, "planning");

    // Assess
    expect(result.eligibleCostsCents).toBe(800_000);
    expect(result.excludedCosts.map((e) => e.lineId)).toEqual(["laptops"]);
  });

  it("R-TH-03 a category that is not eligible for execution is excluded, naming the category and the eligible ones", () => {
    // Act
    const result = eligibleCosts([line("trip", "study-trip", 400_000), line("ads", "regional-marketing", 600_000)], th, "execution");

    // Assess
    expect(result.eligibleCostsCents).toBe(600_000);
    expect(result.excludedCosts).toEqual([
      {
        lineId: "trip",
        excludedCents: 400_000,
        reason: "category study-trip is not an eligible cost category for execution (eligible: company-staff, regional-marketing, hybrid-teachers, teaching-materials, broaden-or-scale)",
        ruleIds: ["R-TH-03"],
      },
    ]);
  });

  it("R-TH-03 planning has no category restriction (interpretation): a category outside the execution list counts for planning", () => {
    // Act
    const result = eligibleCosts([line("trip", "study-trip", 400_000)], th, "planning");

    // Assess
    expect(result).toEqual({ eligibleCostsCents: 400_000, excludedCosts: [] });
  });

  it("R-TH-04 external hours above EUR 115/h count only up to the cap, the excess is excluded with the reason", () => {
    // Prepare: 20 h billed at EUR 150/h = EUR 3,000.00
    const consultant = line("consultant", "company-staff", 300_000, { hundredthsOfHour: 2_000, hourlyRateCents: 15_000 });

    // Act
    const result = eligibleCosts([consultant], th, "execution");

    // Assess
    expect(result.eligibleCostsCents).toBe(230_000);
    expect(result.excludedCosts).toEqual([
      { lineId: "consultant", excludedCents: 70_000, reason: "external hours count at most EUR 115.00 per hour: 20 h x 115.00 = 2,300.00", ruleIds: ["R-TH-04"] },
    ]);
  });

  it("R-TH-04 external hours at exactly EUR 115/h, or below, count in full", () => {
    // Prepare: 12.34 h x 115.00 = 1,419.10
    const atCap = line("at-cap", "hybrid-teachers", 141_910, { hundredthsOfHour: 1_234, hourlyRateCents: 11_500 });
    const below = line("below", "hybrid-teachers", 90_000, { hundredthsOfHour: 1_000, hourlyRateCents: 9_000 });

    // Act
    const result = eligibleCosts([atCap, below], th, "execution");

    // Assess
    expect(result).toEqual({ eligibleCostsCents: 231_910, excludedCosts: [] });
  });

  it("R-TH-04 one cent above the cap for the hours is excluded as exactly one cent", () => {
    // Act
    const result = eligibleCosts([line("x", "company-staff", 141_911, { hundredthsOfHour: 1_234, hourlyRateCents: 11_501 })], th, "execution");

    // Assess
    expect(result.eligibleCostsCents).toBe(141_910);
    expect(result.excludedCosts.map((e) => e.excludedCents)).toEqual([1]);
  });

  it("R-TH-03 an excluded category is excluded whole even when billed externally (no double exclusion)", () => {
    // Act
    const result = eligibleCosts([line("installer", "hardware", 500_000, { hundredthsOfHour: 100, hourlyRateCents: 500_000 })], th, "execution");

    // Assess
    expect(result.eligibleCostsCents).toBe(0);
    expect(result.excludedCosts).toHaveLength(1);
    expect(result.excludedCosts[0]).toMatchObject({ excludedCents: 500_000, ruleIds: ["R-TH-03"] });
  });

  it("R-VD-03 verduurzamen-2025 names no categories and no hourly cap: every line counts in full", () => {
    // Act
    const result = eligibleCosts(
      [line("machines", "hardware", 2_000_000), line("advisor", "advice", 1_000_000, { hundredthsOfHour: 100, hourlyRateCents: 1_000_000 })],
      verduurzamen.definition,
      "hub-top",
    );

    // Assess
    expect(result).toEqual({ eligibleCostsCents: 3_000_000, excludedCosts: [] });
  });

  it("no cost lines count as zero eligible costs", () => {
    expect(eligibleCosts([], th, "execution")).toEqual({ eligibleCostsCents: 0, excludedCosts: [] });
  });
});

describe("maximumAmount (R-TH-02, R-VD-02, R-ST-01)", () => {
  const th = technohubs.definition;

  it("R-TH-02 execution: min(70% x eligible rounded down, 500,000.00), with the derivation formula staff read", () => {
    // Act
    const result = maximumAmount(instrument(th, "execution"), 58_500_000, true, 40_950_000, technohubs.version, true);

    // Assess
    expect(result.amountCents).toBe(40_950_000);
    expect(result.derivation).toEqual({
      formula: "min(70% x 585,000.00, 500,000.00) = 409,500.00 [R-TH-02, R-TH-11, R-TH-04]",
      inputs: { eligibleCostsCents: 58_500_000, maxShareOfEligibleCostsBasisPoints: 7_000, maxAmountCents: 50_000_000, requestedAmountCents: 40_950_000 },
      ruleIds: ["R-TH-02", "R-TH-11", "R-TH-04"],
      schemeVersion: technohubs.version,
    });
  });

  it("R-TH-02 execution: above EUR 714,285.71 eligible the EUR 500,000.00 cap binds", () => {
    // Act
    const atEdge = maximumAmount(instrument(th, "execution"), 71_428_571, true, 0, technohubs.version, true);
    const above = maximumAmount(instrument(th, "execution"), 100_000_000, true, 0, technohubs.version, true);

    // Assess
    expect(atEdge.amountCents).toBe(49_999_999);
    expect(above.amountCents).toBe(50_000_000);
    expect(above.derivation.formula).toBe("min(70% x 1,000,000.00, 500,000.00) = 500,000.00 [R-TH-02, R-TH-11, R-TH-04]");
  });

  it("R-TH-02 the 70% share rounds down: the fund never pays a fraction of a cent above its share", () => {
    // Act: 70% of 1,000.01 = 700.007
    const result = maximumAmount(instrument(th, "execution"), 100_001, true, 0, technohubs.version, true);

    // Assess
    expect(result.amountCents).toBe(70_000);
    expect(result.derivation.formula).toBe("min(70% x 1,000.01, 500,000.00) = 700.00 [R-TH-02, R-TH-11, R-TH-04]");
  });

  it("R-TH-02 planning: at most EUR 10,000.00, and never more than its eligible costs", () => {
    // Act
    const large = maximumAmount(instrument(th, "planning"), 1_200_000, true, 1_200_000, technohubs.version, true);
    const small = maximumAmount(instrument(th, "planning"), 800_000, true, 1_000_000, technohubs.version, true);
    const noCosts = maximumAmount(instrument(th, "planning"), 0, false, 1_500_000, technohubs.version, true);

    // Assess
    expect(large.amountCents).toBe(1_000_000);
    expect(large.derivation.formula).toBe("min(12,000.00, 10,000.00) = 10,000.00 [R-TH-02, R-TH-04]");
    expect(small.amountCents).toBe(800_000);
    expect(small.derivation.formula).toBe("min(8,000.00, 10,000.00) = 8,000.00 [R-TH-02, R-TH-04]");
    expect(noCosts.amountCents).toBe(1_000_000);
    expect(noCosts.derivation.formula).toBe("cap 10,000.00 = 10,000.00 [R-TH-02]");
    expect(noCosts.derivation.inputs.eligibleCostsCents).toBeNull();
  });

  it("R-VD-02 verduurzamen-2025 tiers: EUR 80,000.00 for a top hub, EUR 30,000.00 for a middle hub", () => {
    // Act
    const top = maximumAmount(instrument(verduurzamen.definition, "hub-top"), 0, false, 9_000_000, verduurzamen.version);
    const middle = maximumAmount(instrument(verduurzamen.definition, "hub-middle"), 0, false, 9_000_000, verduurzamen.version);

    // Assess
    expect(top.amountCents).toBe(8_000_000);
    expect(top.derivation.formula).toBe("cap 80,000.00 = 80,000.00 [R-VD-02]");
    expect(middle.amountCents).toBe(3_000_000);
    expect(middle.derivation.formula).toBe("cap 30,000.00 = 30,000.00 [R-VD-02]");
  });

  it("R-VD-02 a verduurzamen-2025 budget below the tier caps the grant at its costs", () => {
    // Act
    const result = maximumAmount(instrument(verduurzamen.definition, "hub-top"), 5_000_000, true, 8_000_000, verduurzamen.version);

    // Assess
    expect(result.amountCents).toBe(5_000_000);
    expect(result.derivation.ruleIds).toContain("R-VD-02");
  });

  it("R-ST-01 Sterk Techniekonderwijs has no caps: the maximum is what was requested", () => {
    // Act
    const result = maximumAmount(instrument(sterk.definition, "regional-plan"), 0, false, 123_456_789, sterk.version);

    // Assess
    expect(result.amountCents).toBe(123_456_789);
    expect(result.derivation.formula).toBe("requested 1,234,567.89 = 1,234,567.89 [R-ST-01]");
    expect(result.derivation.schemeVersion).toBe(sterk.version);
  });

  // Keys, not definitions, so a counterexample reads in one line.
  const anyInstrument = fc.constantFrom(...allSchemes.flatMap((s) => s.definition.instruments.map((i) => `${s.definition.id}/${i.id}`)));
  const resolve = (key: string) => {
    const [schemeId, instrumentId] = key.split("/") as [string, string];
    const scheme = loaded(schemeId);
    return { scheme, instrument: instrument(scheme.definition, instrumentId) };
  };
  const anyCents = fc.integer({ min: 0, max: 1_000_000_000_000 });

  it("R-TH-02 property: the maximum never exceeds the instrument cap, the share of eligible costs, nor the eligible costs", () => {
    fc.assert(
      fc.property(anyInstrument, anyCents, anyCents, (key, eligible, requested) => {
        // Prepare
        const { scheme, instrument: inst } = resolve(key);

        // Act
        const { amountCents } = maximumAmount(inst, eligible, true, requested, scheme.version);

        // Assess
        expect(Number.isSafeInteger(amountCents)).toBe(true);
        expect(amountCents).toBeGreaterThanOrEqual(0);
        if (inst.maxAmountCents !== null) expect(amountCents).toBeLessThanOrEqual(inst.maxAmountCents);
        if (inst.maxShareOfEligibleCostsBasisPoints !== null) {
          expect(BigInt(amountCents) * 10_000n).toBeLessThanOrEqual(BigInt(eligible) * BigInt(inst.maxShareOfEligibleCostsBasisPoints));
          expect(amountCents).toBeLessThanOrEqual(shareOf(eligible, inst.maxShareOfEligibleCostsBasisPoints, "down"));
        }
        expect(amountCents).toBeLessThanOrEqual(eligible);
      }),
      { numRuns: 2_000 },
    );
  });

  it("R-TH-02 property: the maximum is monotone non-decreasing in the eligible costs", () => {
    fc.assert(
      fc.property(anyInstrument, anyCents, anyCents, anyCents, (key, a, b, requested) => {
        // Prepare
        const { scheme, instrument: inst } = resolve(key);
        const [low, high] = a <= b ? [a, b] : [b, a];

        // Act / Assess
        expect(maximumAmount(inst, low, true, requested, scheme.version).amountCents).toBeLessThanOrEqual(maximumAmount(inst, high, true, requested, scheme.version).amountCents);
      }),
      { numRuns: 2_000 },
    );
  });

  it("R-TH-02 property: without cost lines the maximum still never exceeds the instrument cap", () => {
    fc.assert(
      fc.property(anyInstrument, anyCents, (key, requested) => {
        const { scheme, instrument: inst } = resolve(key);
        const { amountCents } = maximumAmount(inst, 0, false, requested, scheme.version);
        expect(amountCents).toBeLessThanOrEqual(inst.maxAmountCents ?? requested);
      }),
    );
  });
});

describe("eligibleCosts properties (R-TH-03, R-TH-04)", () => {
  const categoryIds = [
    ...new Set(allSchemes.flatMap((s) => [...s.definition.costRules.eligibleCategories, ...s.definition.costRules.excludedCategories].map((c) => c.id))),
    "study-trip",
    "advice",
  ];
  const anyLine = fc.record({
    lineId: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
    categoryId: fc.constantFrom(...categoryIds),
    description: fc.constant("a cost line"),
    amountCents: fc.integer({ min: 0, max: 10_000_000_000 }),
    external: fc.option(fc.record({ hundredthsOfHour: fc.integer({ min: 1, max: 1_000_000 }), hourlyRateCents: fc.integer({ min: 0, max: 10_000_000 }) }), { nil: null }),
  });
  // Keys, not definitions, so a counterexample reads in one line.
  const anySchemeInstrument = fc.constantFrom(...allSchemes.flatMap((s) => s.definition.instruments.map((i) => `${s.definition.id}/${i.id}`)));
  const resolve = (key: string) => {
    const [schemeId, instrumentId] = key.split("/") as [string, string];
    return { scheme: loaded(schemeId).definition, instrumentId };
  };

  it("R-TH-03 property: eligible never exceeds the sum of the lines, and eligible + excluded == sum of the lines exactly", () => {
    fc.assert(
      fc.property(anySchemeInstrument, fc.array(anyLine, { maxLength: 25 }), (key, lines) => {
        // Prepare
        const { scheme, instrumentId } = resolve(key);

        // Act
        const result = eligibleCosts(lines, scheme, instrumentId);

        // Assess
        const total = lines.reduce((s, l) => s + BigInt(l.amountCents), 0n);
        const excluded = result.excludedCosts.reduce((s, e) => s + BigInt(e.excludedCents), 0n);
        expect(BigInt(result.eligibleCostsCents)).toBeLessThanOrEqual(total);
        expect(BigInt(result.eligibleCostsCents) + excluded).toBe(total);
        for (const e of result.excludedCosts) expect(e.excludedCents).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 1_000 },
    );
  });

  it("R-TH-04 property: an external line counts at most hundredthsOfHour x 11500 / 100 cents, and exactly min(amount, that cap)", () => {
    const executionCategories = technohubs.definition.costRules.eligibleCategories.map((c) => c.id);
    fc.assert(
      fc.property(
        fc.constantFrom(...executionCategories),
        fc.integer({ min: 0, max: 10_000_000_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (categoryId, amountCents, hundredthsOfHour) => {
          // Act
          const result = eligibleCosts([line("ext", categoryId, amountCents, { hundredthsOfHour, hourlyRateCents: 0 })], technohubs.definition, "execution");

          // Assess
          const cap = Math.floor((hundredthsOfHour * 11_500) / 100);
          expect(result.eligibleCostsCents).toBeLessThanOrEqual(cap);
          expect(result.eligibleCostsCents).toBe(Math.min(amountCents, cap));
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("R-TH-03 property: the eligible total is the sum of what each line counts on its own", () => {
    fc.assert(
      fc.property(anySchemeInstrument, fc.array(anyLine, { maxLength: 10 }), (key, lines) => {
        const { scheme, instrumentId } = resolve(key);
        const whole = eligibleCosts(lines, scheme, instrumentId).eligibleCostsCents;
        const parts = lines.reduce((s, l) => s + eligibleCosts([l], scheme, instrumentId).eligibleCostsCents, 0);
        expect(whole).toBe(parts);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("runChecks: which checks apply", () => {
  it("R-TH-05..R-TH-11 technohubs-2020 runs its checks per instrument: an end date for planning, a latest start for execution", () => {
    // Act
    const planning = checks({ scheme: technohubs.definition, registration: registration(technohubs.definition, { instrumentId: "planning" }) });
    const execution = checks({ scheme: technohubs.definition, registration: registration(technohubs.definition, { instrumentId: "execution" }) });

    // Assess
    expect(planning.map((c) => c.checkId)).toEqual(["affiliated-applicant", "start-after-arrival", "one-per-hub-per-instrument", "region-named", "planning-finished-before-june"]);
    expect(execution.map((c) => c.checkId)).toEqual(["affiliated-applicant", "start-after-arrival", "one-per-hub-per-instrument", "region-named", "execution-starts-before-july"]);
  });

  it("R-VD-05 R-VD-07 verduurzamen-2025 runs the penvoerder check, one per hub, the yes/no questions A-D and the project plan E", () => {
    // Act
    const result = checks({ scheme: verduurzamen.definition, registration: registration(verduurzamen.definition, { instrumentId: "hub-middle" }) });

    // Assess
    expect(result.map((c) => c.checkId)).toEqual(["lead-applicant-metalektro", "one-per-hub", "statutory-goals", "services-annual-plan", "fundable", "affiliated-companies-involved", "project-plan"]);
  });

  it("R-ST-01 R-ST-02 sterk-techniekonderwijs-2020 runs the consortium, one-per-region, region and co-financing checks", () => {
    // Act
    const result = checks({ scheme: sterk.definition, registration: registration(sterk.definition) });

    // Assess
    expect(result.map((c) => c.checkId)).toEqual(["consortium-composition", "one-per-region", "region-named", "co-financing-min-share"]);
  });
});

describe("runChecks: technohubs-2020 (R-TH-05..R-TH-11)", () => {
  const th = technohubs.definition;
  const exec = (overrides: Partial<Registration> = {}) => registration(th, { instrumentId: "execution", ...overrides });

  it("R-TH-05 an affiliated applicant is met, a non-affiliated one not met, an unrecorded one unknown", () => {
    // Act
    const yes = outcome(checks({ scheme: th, registration: exec(), details: details({ applicantAffiliated: true }) }), "affiliated-applicant");
    const no = outcome(checks({ scheme: th, registration: exec(), details: details({ applicantAffiliated: false }) }), "affiliated-applicant");
    const unrecorded = outcome(checks({ scheme: th, registration: exec(), details: details() }), "affiliated-applicant");

    // Assess
    expect(yes).toEqual({ checkId: "affiliated-applicant", kind: "affiliated-applicant", outcome: "met", reason: "Metaal Woerden BV is affiliated with A+O Metalektro", ruleIds: ["R-TH-05"] });
    expect(no).toMatchObject({ outcome: "not-met", reason: "Metaal Woerden BV is not affiliated with A+O Metalektro" });
    expect(unrecorded.outcome).toBe("unknown");
  });

  it("R-TH-06 a start on the arrival day is allowed; a start the day before is not met", () => {
    // Act
    const sameDay = outcome(checks({ scheme: th, registration: exec(), details: details({ plannedStartDate: "2021-02-01" }) }), "start-after-arrival");
    const dayBefore = outcome(checks({ scheme: th, registration: exec(), details: details({ plannedStartDate: "2021-01-31" }) }), "start-after-arrival");
    const unrecorded = outcome(checks({ scheme: th, registration: exec(), details: details() }), "start-after-arrival");

    // Assess
    expect(sameDay).toMatchObject({ outcome: "met", reason: "planned start 2021-02-01 is not before the application arrived (2021-02-01)", ruleIds: ["R-TH-06"] });
    expect(dayBefore).toMatchObject({ outcome: "not-met", reason: "planned start 2021-01-31 is before the application arrived (2021-02-01)" });
    expect(unrecorded.outcome).toBe("unknown");
  });

  it("R-TH-06 the arrival date is the scheme-local date: 23:30 UTC on 14 February is already 15 February in Amsterdam", () => {
    // Prepare
    const late = exec({ receivedAt: "2021-02-14T23:30:00.000Z" });

    // Act
    const on14th = outcome(checks({ scheme: th, registration: late, details: details({ plannedStartDate: "2021-02-14" }) }), "start-after-arrival");
    const on15th = outcome(checks({ scheme: th, registration: late, details: details({ plannedStartDate: "2021-02-15" }) }), "start-after-arrival");

    // Assess
    expect(on14th).toMatchObject({ outcome: "not-met", reason: "planned start 2021-02-14 is before the application arrived (2021-02-15)" });
    expect(on15th.outcome).toBe("met");
  });

  it("R-TH-07 an earlier application of the same hub under a differently spelt name for the same instrument is not met", () => {
    // Prepare
    const earlier = other({ applicationId: "app-first", technohub: "Technohub woerden", instrumentId: "execution" });

    // Act
    const result = outcome(checks({ scheme: th, registration: exec({ technohub: { name: "TechnoHUB Woerden", region: "Utrecht-West" } }), others: [earlier] }), "one-per-hub-per-instrument");

    // Assess
    expect(hubKey("TechnoHUB Woerden")).toBe(hubKey("Technohub  woerden"));
    expect(result).toEqual({
      checkId: "one-per-hub-per-instrument",
      kind: "one-per-hub-per-instrument",
      outcome: "not-met",
      reason: "TechnoHUB Woerden already applied for execution (application app-first)",
      ruleIds: ["R-TH-07"],
    });
  });

  it("R-TH-07 one per hub per instrument: the hub's earlier planning application does not block its execution application", () => {
    // Act
    const result = outcome(checks({ scheme: th, registration: exec(), others: [other({ technohub: "Technohub Woerden", instrumentId: "planning" })] }), "one-per-hub-per-instrument");

    // Assess
    expect(result).toMatchObject({ outcome: "met", reason: "first application of TechnoHUB Woerden for execution" });
  });

  it("R-TH-07 a later application of the same hub, a withdrawn earlier one, or itself do not count against it", () => {
    // Prepare
    const later = other({ applicationId: "app-later", technohub: "TechnoHUB Woerden", receivedAt: "2021-03-01T10:00:00.000Z" });
    const withdrawn = other({ applicationId: "app-withdrawn", technohub: "TechnoHUB Woerden", status: "withdrawn" });
    const itself = other({ applicationId: "app-woerden", technohub: "TechnoHUB Woerden", receivedAt: "2021-02-01T09:30:00.000Z" });

    // Act
    const result = outcome(checks({ scheme: th, registration: exec(), others: [later, withdrawn, itself] }), "one-per-hub-per-instrument");

    // Assess
    expect(result.outcome).toBe("met");
  });

  it("R-TH-07 on the same arrival instant the lower application id came first, so exactly one of the two is met", () => {
    // Prepare
    const at = "2021-02-01T09:30:00.000Z";
    const a = exec({ applicationId: "app-a", receivedAt: at });
    const b = exec({ applicationId: "app-b", receivedAt: at });
    const asOther = (r: Registration) => other({ applicationId: r.applicationId, technohub: r.technohub.name, receivedAt: r.receivedAt });

    // Act
    const forA = outcome(checks({ scheme: th, registration: a, others: [asOther(b)] }), "one-per-hub-per-instrument");
    const forB = outcome(checks({ scheme: th, registration: b, others: [asOther(a)] }), "one-per-hub-per-instrument");

    // Assess
    expect(forA.outcome).toBe("met");
    expect(forB.outcome).toBe("not-met");
  });

  it("R-TH-08 a hub that names its region is met with the region; one that does not is not met", () => {
    // Act
    const named = outcome(checks({ scheme: th, registration: exec() }), "region-named");
    const unnamed = outcome(checks({ scheme: th, registration: exec({ technohub: { name: "TechnoHUB Woerden", region: null } }) }), "region-named");

    // Assess
    expect(named).toMatchObject({ outcome: "met", reason: "region: Utrecht-West", ruleIds: ["R-TH-08"] });
    expect(unnamed).toMatchObject({ outcome: "not-met", reason: "the technohub does not name its region" });
  });

  it("R-TH-11 execution must start by 2021-06-30: a start on 2021-06-30 is met, on 2021-07-01 not met", () => {
    // Act
    const lastDay = outcome(checks({ scheme: th, registration: exec(), details: details({ plannedStartDate: "2021-06-30" }) }), "execution-starts-before-july");
    const tooLate = outcome(checks({ scheme: th, registration: exec(), details: details({ plannedStartDate: "2021-07-01" }) }), "execution-starts-before-july");
    const unrecorded = outcome(checks({ scheme: th, registration: exec(), details: details() }), "execution-starts-before-july");

    // Assess
    expect(lastDay).toMatchObject({ kind: "latest-start-date", outcome: "met", ruleIds: ["R-TH-11"] });
    expect(tooLate).toMatchObject({ outcome: "not-met", reason: "planned start 2021-07-01 is after the latest start date 2021-06-30" });
    expect(unrecorded.outcome).toBe("unknown");
  });

  it("R-TH-10 planning must be finished before 2021-06-01: an end on 2021-05-31 is met, on 2021-06-01 not met", () => {
    // Prepare
    const planning = registration(th, { instrumentId: "planning" });

    // Act
    const lastDay = outcome(checks({ scheme: th, registration: planning, details: details({ plannedEndDate: "2021-05-31" }) }), "planning-finished-before-june");
    const tooLate = outcome(checks({ scheme: th, registration: planning, details: details({ plannedEndDate: "2021-06-01" }) }), "planning-finished-before-june");
    const unrecorded = outcome(checks({ scheme: th, registration: planning, details: details() }), "planning-finished-before-june");

    // Assess
    expect(lastDay).toMatchObject({ kind: "latest-end-date", outcome: "met", ruleIds: ["R-TH-10"] });
    expect(tooLate).toMatchObject({ outcome: "not-met", reason: "planned end 2021-06-01 is after 2021-05-31" });
    expect(unrecorded.outcome).toBe("unknown");
  });
});

describe("runChecks: verduurzamen-2025 (R-VD-02, R-VD-05, R-VD-07)", () => {
  const vd = verduurzamen.definition;
  const reg = (overrides: Partial<Registration> = {}) =>
    registration(vd, { instrumentId: "hub-middle", receivedAt: "2025-04-15T08:00:00.000Z", technohub: { name: "Technohub Logistics Lab", region: "Rotterdam" }, ...overrides });
  const allYes = { "statutory-goals": { answer: true }, "services-annual-plan": { answer: true }, fundable: { answer: true }, "affiliated-companies-involved": { answer: true }, "project-plan": { answer: true } };

  it("R-VD-07 Technohub Logistics Lab names no penvoerder: not met, the application cannot proceed", () => {
    // Act
    const result = outcome(checks({ scheme: vd, registration: reg(), details: details({ leadApplicant: null }), answers: allYes }), "lead-applicant-metalektro");

    // Assess
    expect(result).toEqual({
      checkId: "lead-applicant-metalektro",
      kind: "lead-applicant-metalektro",
      outcome: "not-met",
      reason: "no lead applicant (penvoerder) is named; without one the application cannot proceed",
      ruleIds: ["R-VD-07"],
    });
  });

  it("R-VD-07 a Metalektro penvoerder is met; a penvoerder outside Metalektro is not", () => {
    // Act
    const metalektro = outcome(checks({ scheme: vd, registration: reg(), details: details({ leadApplicant: { companyName: "Havenmetaal BV", metalektroCompany: true } }) }), "lead-applicant-metalektro");
    const outside = outcome(checks({ scheme: vd, registration: reg(), details: details({ leadApplicant: { companyName: "Logistiek NV", metalektroCompany: false } }) }), "lead-applicant-metalektro");

    // Assess
    expect(metalektro).toMatchObject({ outcome: "met", reason: "lead applicant Havenmetaal BV is a Metalektro company" });
    expect(outside).toMatchObject({ outcome: "not-met", reason: "lead applicant Logistiek NV is not a Metalektro company" });
  });

  it("R-VD-02 one per hub across both tiers: an earlier hub-top application of 'TechnoHUB Woerden' blocks 'Technohub woerden' for hub-middle", () => {
    // Prepare
    const earlier = other({ applicationId: "app-top", technohub: "TechnoHUB Woerden", instrumentId: "hub-top", receivedAt: "2025-04-15T07:00:00.000Z" });

    // Act
    const result = outcome(checks({ scheme: vd, registration: reg({ technohub: { name: "Technohub woerden", region: "Utrecht" } }), others: [earlier] }), "one-per-hub");

    // Assess
    expect(result).toMatchObject({ kind: "one-per-hub", outcome: "not-met", reason: "Technohub woerden already applied (application app-top)", ruleIds: ["R-VD-02"] });
  });

  it("R-VD-02 another hub's earlier application does not count", () => {
    // Act
    const result = outcome(checks({ scheme: vd, registration: reg(), others: [other({ technohub: "Technohub TINT", instrumentId: "hub-top", receivedAt: "2025-04-15T07:00:00.000Z" })] }), "one-per-hub");

    // Assess
    expect(result).toMatchObject({ outcome: "met", reason: "first application of Technohub Logistics Lab" });
  });

  it("R-VD-05 the yes/no questions A-D: yes is met, no is not met with the assessor's note, unanswered is unknown with the question", () => {
    // Act
    const result = checks({
      scheme: vd,
      registration: reg(),
      answers: { "statutory-goals": { answer: true }, "services-annual-plan": { answer: false, note: "not in the 2025 annual plan" }, fundable: { answer: false } },
    });

    // Assess
    expect(outcome(result, "statutory-goals")).toEqual({ checkId: "statutory-goals", kind: "yes-no", outcome: "met", reason: "A: yes", ruleIds: ["R-VD-05"] });
    expect(outcome(result, "services-annual-plan")).toMatchObject({ outcome: "not-met", reason: "B: no (not in the 2025 annual plan)" });
    expect(outcome(result, "fundable")).toMatchObject({ outcome: "not-met", reason: "C: no" });
    expect(outcome(result, "affiliated-companies-involved")).toMatchObject({
      outcome: "unknown",
      reason: "the assessor has not answered D: Zijn er 1 of meerdere bij A+O aangesloten bedrijven bij betrokken?",
    });
  });

  it("R-VD-05 the project plan E: yes is met, no is not met, unanswered is unknown naming the required parts", () => {
    // Act
    const yes = outcome(checks({ scheme: vd, registration: reg(), answers: { "project-plan": { answer: true, note: "budget per activity present" } } }), "project-plan");
    const no = outcome(checks({ scheme: vd, registration: reg(), answers: { "project-plan": { answer: false } } }), "project-plan");
    const unanswered = outcome(checks({ scheme: vd, registration: reg() }), "project-plan");

    // Assess
    expect(yes).toMatchObject({ kind: "project-plan", outcome: "met", reason: "E: yes (budget per activity present)", ruleIds: ["R-VD-05"] });
    expect(no).toMatchObject({ outcome: "not-met", reason: "E: no" });
    expect(unanswered.outcome).toBe("unknown");
    expect(unanswered.reason).toContain("An explanation of the activities; A specification of the expected costs per activity (total budget)");
  });
});

describe("runChecks: sterk-techniekonderwijs-2020 (R-ST-01, R-ST-02, R-ST-05)", () => {
  const st = sterk.definition;
  const reg = (overrides: Partial<Registration> = {}) =>
    registration(st, { instrumentId: "regional-plan", receivedAt: "2019-03-20T10:00:00.000Z", technohub: { name: "Regio Zuid-Holland Zuid", region: "STO19042" }, ...overrides });
  const partners = [
    { name: "Vmbo De Linie", kindId: "vmbo-school" },
    { name: "Da Vinci College", kindId: "mbo-institution" },
    { name: "Damen Shipyards", kindId: "regional-company" },
  ];

  it("R-ST-01 a consortium of vmbo schools, mbo institutions and regional companies is met; one without an mbo institution is not", () => {
    // Act
    const complete = outcome(checks({ scheme: st, registration: reg(), details: details({ partners }) }), "consortium-composition");
    const noMbo = outcome(checks({ scheme: st, registration: reg(), details: details({ partners: partners.filter((p) => p.kindId !== "mbo-institution") }) }), "consortium-composition");

    // Assess
    expect(complete).toMatchObject({ outcome: "met", reason: "the consortium has vmbo-school, mbo-institution, regional-company", ruleIds: ["R-ST-01"] });
    expect(noMbo).toMatchObject({ outcome: "not-met", reason: "the consortium lacks: mbo-institution" });
  });

  it("R-ST-01 one plan per region: an earlier plan for the same region number is not met, case-insensitively", () => {
    // Prepare
    const earlier = other({ applicationId: "app-zhz", technohub: "Techniek Drechtsteden", region: "sto19042", instrumentId: "regional-plan", receivedAt: "2019-03-01T10:00:00.000Z" });

    // Act
    const sameRegion = outcome(checks({ scheme: st, registration: reg(), others: [earlier] }), "one-per-region");
    const otherRegion = outcome(checks({ scheme: st, registration: reg(), others: [{ ...earlier, region: "STO19001" }] }), "one-per-region");
    const unnamed = outcome(checks({ scheme: st, registration: reg({ technohub: { name: "Regio X", region: null } }) }), "one-per-region");

    // Assess
    expect(sameRegion).toMatchObject({ outcome: "not-met", reason: "region STO19042 already applied (application app-zhz)" });
    expect(otherRegion).toMatchObject({ outcome: "met", reason: "first plan for region STO19042" });
    expect(unnamed.outcome).toBe("unknown");
  });

  it("R-ST-05 the region must be named (region number)", () => {
    // Act
    const result = outcome(checks({ scheme: st, registration: reg({ technohub: { name: "Regio X", region: null } }) }), "region-named");

    // Assess
    expect(result).toMatchObject({ outcome: "not-met", ruleIds: ["R-ST-05"] });
  });

  it("R-ST-02 co-financing of exactly 10% of the plan costs is met, financially and in kind together", () => {
    // Act
    const result = outcome(
      checks({
        scheme: st,
        registration: reg(),
        details: details({
          totalPlanCostsCents: 100_000_000,
          coFinancing: [
            { partner: "Damen Shipyards", kindId: "financial", amountCents: 6_000_000 },
            { partner: "Damen Shipyards", kindId: "facilities", amountCents: 4_000_000 },
          ],
        }),
      }),
      "co-financing-min-share",
    );

    // Assess
    expect(result).toEqual({
      checkId: "co-financing-min-share",
      kind: "co-financing-min-share",
      outcome: "met",
      reason: "co-financing 100,000.00 of plan costs 1,000,000.00, at least 10% required",
      ruleIds: ["R-ST-02"],
    });
  });

  it("R-ST-02 co-financing one cent below 10% is not met", () => {
    // Act
    const result = outcome(
      checks({ scheme: st, registration: reg(), details: details({ totalPlanCostsCents: 100_000_000, coFinancing: [{ partner: "Damen Shipyards", kindId: "internships", amountCents: 9_999_999 }] }) }),
      "co-financing-min-share",
    );

    // Assess
    expect(result).toMatchObject({ outcome: "not-met", reason: "co-financing 99,999.99 of plan costs 1,000,000.00, at least 10% required" });
  });

  it("R-ST-02 the 10% is exact on amounts that do not divide by ten: 10% of 1,000,000.01 needs 100,000.01", () => {
    // Act
    const short = outcome(
      checks({ scheme: st, registration: reg(), details: details({ totalPlanCostsCents: 100_000_001, coFinancing: [{ partner: "P", kindId: "financial", amountCents: 10_000_000 }] }) }),
      "co-financing-min-share",
    );
    const enough = outcome(
      checks({ scheme: st, registration: reg(), details: details({ totalPlanCostsCents: 100_000_001, coFinancing: [{ partner: "P", kindId: "financial", amountCents: 10_000_001 }] }) }),
      "co-financing-min-share",
    );

    // Assess
    expect(short.outcome).toBe("not-met");
    expect(enough.outcome).toBe("met");
  });

  it("R-ST-02 a contribution of a kind the scheme does not know is not counted; unrecorded plan costs are unknown", () => {
    // Act
    const unknownKind = outcome(
      checks({ scheme: st, registration: reg(), details: details({ totalPlanCostsCents: 100_000_000, coFinancing: [{ partner: "P", kindId: "goodwill", amountCents: 50_000_000 }] }) }),
      "co-financing-min-share",
    );
    const noTotal = outcome(checks({ scheme: st, registration: reg(), details: details({ coFinancing: [{ partner: "P", kindId: "financial", amountCents: 1 }] }) }), "co-financing-min-share");

    // Assess
    expect(unknownKind).toMatchObject({ outcome: "not-met", reason: "co-financing 0.00 of plan costs 1,000,000.00, at least 10% required" });
    expect(noTotal).toMatchObject({ outcome: "unknown", reason: "the total plan costs are not recorded" });
  });
});
