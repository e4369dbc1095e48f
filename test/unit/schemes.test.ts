import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { SchemeDefinition } from "../../schemes/definition.ts";
import {
  canonicalJson,
  loadSchemeCatalogue,
  parseSchemeDefinition,
  SchemeDefinitionError,
  type LoadedScheme,
} from "../../schemes/load.ts";

const SCHEMES_DIR = fileURLToPath(new URL("../../schemes/", import.meta.url));
const SCHEME_IDS = ["sterk-techniekonderwijs-2020", "technohubs-2020", "verduurzamen-2025"] as const;
type SchemeId = (typeof SCHEME_IDS)[number];

const catalogue = loadSchemeCatalogue();

function scheme(id: SchemeId): SchemeDefinition {
  const loaded = catalogue.get(id);
  if (!loaded) throw new Error(`scheme ${id} not loaded`);
  return loaded.definition;
}

/** A fresh, mutable copy of a shipped file, so a test can break it without touching the others. */
function rawScheme(id: SchemeId): Record<string, any> {
  return JSON.parse(readFileSync(join(SCHEMES_DIR, `${id}.json`), "utf8"));
}

function byId<T extends { id: string }>(items: readonly T[], id: string): T {
  const found = items.find((item) => item.id === id);
  if (!found) throw new Error(`no item with id ${id}`);
  return found;
}

function errorOf(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error, none was thrown");
}

function ruleIdsIn(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => ruleIdsIn(item, found));
  else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      if (key === "ruleIds" && Array.isArray(child)) child.forEach((id) => found.add(String(id)));
      else if (key === "ruleId") found.add(String(child));
      else ruleIdsIn(child, found);
    }
  }
  return found;
}

const tempDirs: string[] = [];
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temporary `schemes/` folder holding the given files (name -> JSON value or raw text). */
function schemesFolder(files: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), "schemes-test-"));
  tempDirs.push(root);
  const dir = join(root, "schemes");
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return dir;
}

describe("the scheme catalogue", () => {
  it("loads the three schemes of domain-rules.md, each versioned by a sha256 of its content", () => {
    expect(catalogue.all().map((s) => s.definition.id)).toEqual([...SCHEME_IDS]);
    for (const loaded of catalogue.all()) {
      expect(loaded.version).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(loaded.source).toBe(`schemes/${loaded.definition.id}.json`);
    }
    expect(new Set(catalogue.all().map((s) => s.version)).size).toBe(3);
    expect(catalogue.get("no-such-scheme")).toBeUndefined();
  });

  it("every rule of each scheme is traced to at least one configured field", () => {
    const expected: Record<SchemeId, string[]> = {
      "technohubs-2020": Array.from({ length: 14 }, (_, i) => `R-TH-${String(i + 1).padStart(2, "0")}`),
      "verduurzamen-2025": Array.from({ length: 10 }, (_, i) => `R-VD-${String(i + 1).padStart(2, "0")}`),
      "sterk-techniekonderwijs-2020": Array.from({ length: 6 }, (_, i) => `R-ST-${String(i + 1).padStart(2, "0")}`),
    };
    for (const id of SCHEME_IDS) {
      const traced = ruleIdsIn(scheme(id));
      expect(expected[id].filter((rule) => !traced.has(rule)), id).toEqual([]);
    }
  });

  it("loaded definitions are frozen, so no caller can change rules behind their version", () => {
    const definition = scheme("technohubs-2020");
    expect(() => {
      (definition.instruments[0] as { maxAmountCents: number | null }).maxAmountCents = 1;
    }).toThrow(TypeError);
    expect(definition.instruments[0]?.maxAmountCents).toBe(1_000_000);
  });

  it("tranche shares sum to exactly 100% in every scheme", () => {
    for (const id of SCHEME_IDS) {
      const total = scheme(id).paymentSchedule.tranches.reduce((sum, t) => sum + t.shareBasisPoints, 0);
      expect(total, id).toBe(10_000);
    }
  });

  it("every scheme records interpretations, each citing a rule", () => {
    for (const id of SCHEME_IDS) {
      const { interpretations } = scheme(id);
      expect(interpretations.length, id).toBeGreaterThan(0);
      for (const note of interpretations) expect(note.ruleId).toMatch(/^R-(TH|VD|ST|X)-\d{2}$/);
    }
  });
});

describe("technohubs-2020 (Aanjaagsubsidie Technohubs)", () => {
  const th = scheme("technohubs-2020");

  it("R-TH-01 term runs 2020-01-01 .. 2021-06-30 and closes early when the budget is exhausted", () => {
    expect(th.term).toMatchObject({ opens: "2020-01-01", closes: "2021-06-30", closesWhenBudgetExhausted: true });
  });

  it("R-TH-01 the total budget, absent from the documents, is a recorded interpretation", () => {
    expect(th.budgetLines).toHaveLength(1);
    expect(th.budgetLines[0]).toMatchObject({ id: "technohubs", amountCents: 612_000_000, initiallyReleasedCents: 612_000_000 });
    expect(th.interpretations.some((i) => i.subject === "budgetLines.technohubs.amountCents" && i.ruleId === "R-TH-01")).toBe(true);
  });

  it("R-TH-02 planning is capped at EUR 10,000 and execution at 70% and EUR 500,000", () => {
    expect(byId(th.instruments, "planning")).toMatchObject({ maxAmountCents: 1_000_000, maxShareOfEligibleCostsBasisPoints: null });
    expect(byId(th.instruments, "execution")).toMatchObject({ maxAmountCents: 50_000_000, maxShareOfEligibleCostsBasisPoints: 7000 });
    expect(th.instruments.every((i) => i.budgetLineId === "technohubs")).toBe(true);
  });

  it("R-TH-03 five eligible execution cost categories; workshops and hardware are excluded with a reason", () => {
    const { eligibleCategories, excludedCategories } = th.costRules;
    expect(eligibleCategories.map((c) => c.id)).toEqual([
      "company-staff",
      "regional-marketing",
      "hybrid-teachers",
      "teaching-materials",
      "broaden-or-scale",
    ]);
    expect(eligibleCategories.every((c) => c.instrumentIds.join() === "execution")).toBe(true);
    expect(excludedCategories.map((c) => c.id)).toEqual(["workshop-fit-out", "hardware"]);
    for (const excluded of excludedCategories) expect(excluded.reason).toMatch(/R-TH-03/);
  });

  it("R-TH-04 external hours are eligible up to EUR 115.00 incl. VAT", () => {
    expect(th.costRules.externalHourlyRateCapCents).toBe(11_500);
    expect(th.costRules.amountsIncludeVat).toBe(true);
  });

  it("R-TH-05..08, R-TH-10, R-TH-11 eligibility checks are configured with their parameters", () => {
    const kinds = Object.fromEntries(th.eligibilityChecks.map((c) => [c.id, c.kind]));
    expect(kinds).toEqual({
      "affiliated-applicant": "affiliated-applicant",
      "start-after-arrival": "start-after-arrival",
      "one-per-hub-per-instrument": "one-per-hub-per-instrument",
      "region-named": "region-named",
      "planning-finished-before-june": "latest-end-date",
      "execution-starts-before-july": "latest-start-date",
    });
    expect(byId(th.eligibilityChecks, "execution-starts-before-july")).toMatchObject({
      latestDate: "2021-06-30",
      instrumentIds: ["execution"],
      ruleIds: ["R-TH-11"],
    });
    expect(byId(th.eligibilityChecks, "planning-finished-before-june")).toMatchObject({
      latestDate: "2021-05-31",
      instrumentIds: ["planning"],
    });
  });

  it("R-TH-10 committee rounds: planning last on 2021-04-27, execution last on 2021-06-01, meeting within 14 days", () => {
    expect(th.committeeRounds.map((r) => [r.submissionDeadline, r.instrumentIds])).toEqual([
      ["2021-02-15", ["planning", "execution"]],
      ["2021-03-15", ["planning", "execution"]],
      ["2021-04-27", ["planning", "execution"]],
      ["2021-06-01", ["execution"]],
    ]);
    expect(th.committee.usualMeetingWithinDaysAfterDeadline).toBe(14);
    expect(th.committee.memberOrganisations).toEqual(["FME", "FNV", "CNV", "De Unie", "VHP2"]);
  });

  it("R-TH-12 pays 80% on the award letter and 20% after the final report, recalculated on approved costs", () => {
    expect(th.paymentSchedule.tranches).toEqual([
      { id: "advance", shareBasisPoints: 8000, trigger: { kind: "award-letter" } },
      { id: "final", shareBasisPoints: 2000, trigger: { kind: "final-report-approved" } },
    ]);
    expect(th.paymentSchedule.finalSettlement).toBe("recalculate-on-approved-costs");
  });

  it("R-TH-13 commitments: teaching material in oZone, cooperation with monitoring", () => {
    expect(th.commitments.map((c) => c.kind).sort()).toEqual(["cooperate-monitoring", "publish-teaching-material"]);
  });

  it("R-TH-14 form plus proposal by email to the intake address, subject naming the scheme", () => {
    expect(th.intake.emailAddress).toBe("technohubs@intake.aeno.local");
    expect(th.intake.subjectKeywords).toContain("Aanjaagsubsidie technohubs");
    expect(th.requiredSections.map((s) => s.id)).toEqual(["application-form", "proposal"]);
    expect(th.decisionDeadlineDays).toBeNull();
  });
});

describe("verduurzamen-2025 (Verduurzamen van de Technohubs)", () => {
  const vd = scheme("verduurzamen-2025");

  it("R-VD-02 each 2025 budget line is its own budget", () => {
    const amounts = Object.fromEntries(vd.budgetLines.map((l) => [l.id, l.amountCents]));
    expect(amounts).toEqual({
      "hub-top": 40_000_000,
      "hub-middle": 12_000_000,
      coordination: 10_000_000,
      communication: 2_500_000,
      materials: 1_250_000,
      "ozone-materials": 2_500_000,
      "board-reserve": 81_750_000,
    });
    // Each hub instrument draws on a line of its own, never a shared pot.
    expect(byId(vd.instruments, "hub-top").budgetLineId).toBe("hub-top");
    expect(byId(vd.instruments, "hub-middle").budgetLineId).toBe("hub-middle");
  });

  it("R-VD-02 EUR 80,000 for each of 5 top hubs and EUR 30,000 for each of 4 middle hubs fill their lines exactly", () => {
    for (const instrument of vd.instruments) {
      const line = byId(vd.budgetLines, instrument.budgetLineId);
      expect((instrument.maxAmountCents ?? 0) * (instrument.maxAwards ?? 0), instrument.id).toBe(line.amountCents);
    }
    expect(byId(vd.instruments, "hub-top")).toMatchObject({ maxAmountCents: 8_000_000, maxAwards: 5 });
    expect(byId(vd.instruments, "hub-middle")).toMatchObject({ maxAmountCents: 3_000_000, maxAwards: 4 });
  });

  it("R-VD-01 the board reserved EUR 1.5M but released only the 2025 lines", () => {
    const total = vd.budgetLines.reduce((sum, l) => sum + l.amountCents, 0);
    const released = vd.budgetLines.reduce((sum, l) => sum + l.initiallyReleasedCents, 0);
    expect(total).toBe(150_000_000);
    expect(released).toBe(68_250_000);
    expect(byId(vd.budgetLines, "board-reserve")).toMatchObject({ purpose: "reserve", initiallyReleasedCents: 0 });
    expect(vd.term.projectPeriod).toEqual({ from: "2025-01-01", until: "2026-12-31" });
  });

  it("R-VD-03 the application has sections A..E", () => {
    expect(vd.requiredSections.map((s) => [s.code, s.id])).toEqual([
      ["A", "hub-description"],
      ["B", "objectives"],
      ["C", "activities"],
      ["D", "success-elements"],
      ["E", "budget"],
    ]);
  });

  it("R-VD-04 commitments: a representative at both knowledge sessions, at least one oZone module", () => {
    const sessions = byId(vd.commitments, "knowledge-sessions");
    expect(sessions).toMatchObject({ kind: "attend-sessions", minimumCount: 1 });
    expect(sessions.sessions.map((s) => s.date)).toEqual(["2025-09-25", "2026-02-04"]);
    expect(byId(vd.commitments, "ozone-module")).toMatchObject({ kind: "publish-ozone-module", minimumCount: 1 });
  });

  it("R-VD-05 A..D are yes/no checks and E is the project plan; R-VD-07 needs a Metalektro penvoerder", () => {
    const yesNo = vd.eligibilityChecks.flatMap((c) => (c.kind === "yes-no" ? [c.code] : []));
    expect(yesNo).toEqual(["A", "B", "C", "D"]);
    const plan = vd.eligibilityChecks.find((c) => c.kind === "project-plan");
    expect(plan?.kind === "project-plan" && plan.code).toBe("E");
    expect(plan?.kind === "project-plan" && plan.requiredParts).toHaveLength(4);
    expect(vd.eligibilityChecks.some((c) => c.kind === "lead-applicant-metalektro" && c.ruleIds.includes("R-VD-07"))).toBe(true);
  });

  it("R-VD-06 the decision is due 4 weeks (28 days) after the application", () => {
    expect(vd.decisionDeadlineDays).toBe(28);
    expect(vd.decisionDeadlineWarningDays).toBeLessThan(28);
  });

  it("R-VD-08 self-evaluation uses the six sustainability criteria in order", () => {
    expect(vd.evaluationCriteria.map((c) => [c.number, c.dutchName])).toEqual([
      [1, "Ontwikkelfase en robuustheid"],
      [2, "Structurele betrokkenheid van bedrijven"],
      [3, "Samenwerking met onderwijs"],
      [4, "Regionale en sectorale positionering"],
      [5, "Toekomstperspectief en opschaalbaarheid"],
      [6, "Inhoudelijke focus en impact"],
    ]);
  });

  it("R-VD-10 the illustrative allocation is 70% system hubs and 30% growth hubs", () => {
    const matrix = vd.allocationMatrix;
    expect(matrix?.illustrative).toBe(true);
    const share = (type: string) =>
      (matrix?.cells ?? []).filter((c) => c.hubTypeId === type).reduce((sum, c) => sum + c.shareBasisPoints, 0);
    expect(share("system-hub")).toBe(7000);
    expect(share("growth-hub")).toBe(3000);
    expect(matrix?.cells.find((c) => c.hubTypeId === "system-hub" && c.characteristicId === "innovation")?.shareBasisPoints).toBe(3000);
  });

  it("the 2025 payment schedule, absent from the regeling, is a recorded interpretation", () => {
    expect(vd.paymentSchedule.ruleIds).toEqual([]);
    expect(vd.interpretations.some((i) => i.subject === "paymentSchedule")).toBe(true);
  });
});

describe("sterk-techniekonderwijs-2020 (Sterk Techniekonderwijs)", () => {
  const st = scheme("sterk-techniekonderwijs-2020");

  it("R-ST-01 one regional plan per region, due before 2019-04-01, funded 2020-2023", () => {
    expect(st.term).toMatchObject({ closes: "2019-03-31", projectPeriod: { from: "2020-01-01", until: "2023-12-31" } });
    expect(st.instruments.map((i) => i.id)).toEqual(["regional-plan"]);
    expect(st.eligibilityChecks.map((c) => c.kind)).toContain("one-per-region");
    expect(st.fund.id).toBe("dus-i");
  });

  it("R-ST-02 regional businesses co-finance at least 10%, in one of the listed kinds", () => {
    const check = st.eligibilityChecks.find((c) => c.kind === "co-financing-min-share");
    if (check?.kind !== "co-financing-min-share") throw new Error("co-financing check missing");
    expect(check.minShareBasisPoints).toBe(1000);
    expect(check.contributionKinds.map((k) => k.id)).toContain("financial");
    expect(check.contributionKinds).toHaveLength(9);
  });

  it("R-ST-03 VSO supplement of EUR 15,895 per pupil counted on 2018-10-01, requested before 2019-10-01", () => {
    expect(st.vsoSupplement).toMatchObject({
      perPupilCents: 1_589_500,
      countDate: "2018-10-01",
      requestLatestDate: "2019-09-30",
      instrumentId: "regional-plan",
    });
    expect(st.vsoSupplement?.requiredItems.map((i) => i.id)).toEqual(["vso-partner-school", "vso-pupil-count", "addendum"]);
  });

  it("R-ST-04 yearly tranches 2020..2023, each tied to its calendar year", () => {
    const years = st.paymentSchedule.tranches.map((t) => (t.trigger.kind === "calendar-year" ? t.trigger.year : null));
    expect(years).toEqual([2020, 2021, 2022, 2023]);
  });

  it("R-ST-05 documents at most 5 MB, 10 extras, region number STO19XXX in the subject", () => {
    expect(st.documentLimits).toMatchObject({ maxDocumentBytes: 5 * 1024 * 1024, maxExtraDocuments: 10 });
    const pattern = new RegExp(st.intake.regionNumberPattern ?? "(?!)");
    expect(pattern.test("Aanvulling regioplan STO19042")).toBe(true);
    expect(pattern.test("Aanvulling regioplan STO20042")).toBe(false);
    expect(pattern.test("STO19XXX")).toBe(false);
  });

  it("R-ST-06 accountability is reported per region", () => {
    expect(st.commitments.map((c) => c.kind)).toEqual(["report-accountability"]);
  });

  it("the schemes outside R-VD-06 and R-VD-08 have no decision deadline and no evaluation criteria", () => {
    for (const id of ["technohubs-2020", "sterk-techniekonderwijs-2020"] as const) {
      expect(scheme(id).decisionDeadlineDays).toBeNull();
      expect(scheme(id).evaluationCriteria).toEqual([]);
      expect(scheme(id).allocationMatrix).toBeUndefined();
    }
  });
});

describe("the scheme schema rejects broken definitions", () => {
  function issuesOf(mutate: (raw: Record<string, any>) => void, id: SchemeId = "technohubs-2020"): string[] {
    const raw = rawScheme(id);
    mutate(raw);
    const error = errorOf(() => parseSchemeDefinition(raw, `schemes/${id}.json`));
    expect(error).toBeInstanceOf(SchemeDefinitionError);
    return [...(error as SchemeDefinitionError).issues];
  }

  it("a broken scheme file fails fast with the path of the bad field", () => {
    const raw = rawScheme("technohubs-2020");
    raw.instruments[1].maxAmountCents = 500_000.5;
    const error = errorOf(() => parseSchemeDefinition(raw, "schemes/technohubs-2020.json"));
    expect(error.message).toMatch(/^schemes\/technohubs-2020\.json: instruments\.1\.maxAmountCents: .*expected int/);
  });

  it("a misspelt field is an error naming the field", () => {
    const issues = issuesOf((raw) => {
      raw.instruments[0].maxAmountCent = raw.instruments[0].maxAmountCents;
    });
    expect(issues).toContain("instruments.0.maxAmountCent: unknown field (misspelt?)");
  });

  it("money must be whole, non-negative cents and shares at most 10000 basis points", () => {
    expect(issuesOf((raw) => (raw.budgetLines[0].amountCents = -1)).join()).toMatch(/^budgetLines\.0\.amountCents:/);
    expect(issuesOf((raw) => (raw.instruments[1].maxShareOfEligibleCostsBasisPoints = 10_001)).join()).toMatch(
      /^instruments\.1\.maxShareOfEligibleCostsBasisPoints:/,
    );
    expect(issuesOf((raw) => (raw.costRules.externalHourlyRateCapCents = 115.5)).join()).toMatch(
      /^costRules\.externalHourlyRateCapCents:/,
    );
  });

  it("an instrument must draw on an existing grants budget line", () => {
    expect(issuesOf((raw) => (raw.instruments[0].budgetLineId = "nowhere"))).toContain(
      'instruments.0.budgetLineId: unknown budget line "nowhere"',
    );
    const reserve = issuesOf((raw) => (raw.instruments[0].budgetLineId = "board-reserve"), "verduurzamen-2025");
    expect(reserve).toContain('instruments.0.budgetLineId: budget line "board-reserve" is for reserve, not grants');
  });

  it("R-X-02 a line cannot release more than it holds", () => {
    expect(issuesOf((raw) => (raw.budgetLines[0].initiallyReleasedCents = raw.budgetLines[0].amountCents + 1))).toContain(
      "budgetLines.0.initiallyReleasedCents: released more than the line's amount",
    );
  });

  it("tranche shares that do not sum to 10000 basis points are rejected", () => {
    const issues = issuesOf((raw) => (raw.paymentSchedule.tranches[1].shareBasisPoints = 1999));
    expect(issues).toContain("paymentSchedule.tranches: tranche shares sum to 9999 basis points, expected exactly 10000");
  });

  it("R-ST-04 a yearly tranche outside the project period is rejected", () => {
    const issues = issuesOf((raw) => (raw.paymentSchedule.tranches[3].trigger.year = 2024), "sterk-techniekonderwijs-2020");
    expect(issues).toContain("paymentSchedule.tranches.3.trigger.year: year 2024 is outside the project period");
  });

  it("R-TH-10 round deadlines must lie in the term and in increasing order", () => {
    expect(issuesOf((raw) => (raw.committeeRounds[3].submissionDeadline = "2021-07-15"))).toContain(
      "committeeRounds.3.submissionDeadline: deadline 2021-07-15 is outside the term 2020-01-01..2021-06-30",
    );
    expect(issuesOf((raw) => (raw.committeeRounds[1].submissionDeadline = "2021-02-01"))).toContain(
      "committeeRounds.1.submissionDeadline: rounds must be in strictly increasing deadline order",
    );
    expect(issuesOf((raw) => (raw.committeeRounds[0].submissionDeadline = "2021-02-30")).join()).toMatch(
      /^committeeRounds\.0\.submissionDeadline:/,
    );
  });

  it("an instrument that no committee round accepts could never be decided", () => {
    const issues = issuesOf((raw) => {
      for (const round of raw.committeeRounds) round.instrumentIds = ["execution"];
    });
    expect(issues).toContain('instruments.0.id: no committee round accepts instrument "planning"');
  });

  it("references to unknown instruments are rejected wherever they occur", () => {
    const issues = issuesOf((raw) => {
      raw.costRules.eligibleCategories[0].instrumentIds = ["exécution"];
      raw.eligibilityChecks[0].instrumentIds = ["plan"];
    });
    expect(issues.join("\n")).toMatch(/costRules\.eligibleCategories\.0\.instrumentIds\.0:/);
    expect(issues).toContain('eligibilityChecks.0.instrumentIds.0: unknown instrument "plan"');
  });

  it("duplicate ids inside a scheme are rejected", () => {
    expect(issuesOf((raw) => (raw.instruments[1].id = "planning"))).toContain('instruments.1.id: duplicate id "planning"');
  });

  it("an unknown eligibility check kind is rejected", () => {
    expect(issuesOf((raw) => (raw.eligibilityChecks[0].kind = "vibes")).join()).toMatch(/^eligibilityChecks\.0/);
  });

  it("R-ST-05 the region number pattern must be a valid regular expression", () => {
    const issues = issuesOf((raw) => (raw.intake.regionNumberPattern = "STO19(\\d{3}"), "sterk-techniekonderwijs-2020");
    expect(issues).toContain("intake.regionNumberPattern: expected a valid regular expression");
  });

  it("R-VD-06 a warning period needs a decision deadline, and must be shorter", () => {
    expect(issuesOf((raw) => (raw.decisionDeadlineWarningDays = 7))).toContain(
      "decisionDeadlineWarningDays: set both decisionDeadlineDays and decisionDeadlineWarningDays, or neither",
    );
    expect(issuesOf((raw) => (raw.decisionDeadlineWarningDays = 28), "verduurzamen-2025")).toContain(
      "decisionDeadlineWarningDays: warning must come before the deadline",
    );
  });

  it("R-VD-10 an allocation matrix must cover every cell once and sum to 100%", () => {
    const issues = issuesOf((raw) => raw.allocationMatrix.cells.pop(), "verduurzamen-2025");
    expect(issues).toContain("allocationMatrix.cells: every hub type x characteristic needs exactly one cell");
    expect(issues).toContain("allocationMatrix.cells: cells sum to 9000 basis points, expected exactly 10000");
  });

  it("a payment schedule without rule ids must be explained by an interpretation", () => {
    const issues = issuesOf((raw) => {
      raw.interpretations = raw.interpretations.filter((i: { subject: string }) => !i.subject.startsWith("paymentSchedule"));
    }, "verduurzamen-2025");
    expect(issues).toContain("paymentSchedule.ruleIds: a payment schedule without rule ids needs an interpretation on paymentSchedule");
  });

  it("interpretations must cite a well-formed rule id", () => {
    expect(issuesOf((raw) => (raw.interpretations[0].ruleId = "TH-1")).join()).toMatch(/^interpretations\.0\.ruleId:/);
  });
});

describe("loadSchemeCatalogue", () => {
  it("a broken scheme file fails fast with the file and the path of the bad field", () => {
    const broken = rawScheme("technohubs-2020");
    broken.instruments[1].maxAmountCents = "500000";
    const dir = schemesFolder({ "technohubs-2020.json": broken, "verduurzamen-2025.json": rawScheme("verduurzamen-2025") });
    const error = errorOf(() => loadSchemeCatalogue(dir));
    expect(error.message).toMatch(/^schemes\/technohubs-2020\.json: instruments\.1\.maxAmountCents: /);
  });

  it("duplicate scheme ids are an error", () => {
    const dir = schemesFolder({ "a.json": rawScheme("technohubs-2020"), "technohubs-2020.json": rawScheme("technohubs-2020") });
    expect(errorOf(() => loadSchemeCatalogue(dir)).message).toBe(
      'schemes/technohubs-2020.json: id: duplicate scheme id "technohubs-2020" (also in schemes/a.json)',
    );
  });

  it("a file must be named after the scheme it holds", () => {
    const dir = schemesFolder({ "technohubs.json": rawScheme("technohubs-2020") });
    expect(errorOf(() => loadSchemeCatalogue(dir)).message).toBe(
      'schemes/technohubs.json: id: "technohubs-2020" does not match the file name',
    );
  });

  it("invalid JSON and an empty folder are errors, other files are ignored", () => {
    const invalid = schemesFolder({ "technohubs-2020.json": "{ not json" });
    expect(errorOf(() => loadSchemeCatalogue(invalid)).message).toMatch(/^schemes\/technohubs-2020\.json: \(root\): not valid JSON/);
    const empty = schemesFolder({ "README.md": "# nothing here" });
    expect(errorOf(() => loadSchemeCatalogue(empty)).message).toMatch(/no scheme definitions/);
  });

  it("loads only what is in the folder and finds it by id", () => {
    const dir = schemesFolder({ "verduurzamen-2025.json": rawScheme("verduurzamen-2025"), "notes.txt": "ignored" });
    const loaded = loadSchemeCatalogue(dir);
    expect(loaded.all().map((s) => s.definition.id)).toEqual(["verduurzamen-2025"]);
    expect(loaded.get("verduurzamen-2025")?.version).toBe(catalogue.get("verduurzamen-2025")?.version);
  });
});

describe("scheme versions", () => {
  const versionOf = (text: string): string => parseSchemeDefinition(JSON.parse(text), "test").version;
  const text = readFileSync(join(SCHEMES_DIR, "technohubs-2020.json"), "utf8");

  it("the version changes when content changes and not when whitespace does", () => {
    const original = versionOf(text);
    const reformatted = JSON.stringify(JSON.parse(text));
    const indented = JSON.stringify(JSON.parse(text), null, 8);
    expect(versionOf(reformatted)).toBe(original);
    expect(versionOf(indented)).toBe(original);

    const changed = JSON.parse(text);
    changed.costRules.externalHourlyRateCapCents = 11_600;
    expect(versionOf(JSON.stringify(changed))).not.toBe(original);
  });

  it("the version does not depend on the order of keys", () => {
    const reordered = Object.fromEntries(Object.entries(JSON.parse(text)).reverse());
    expect(versionOf(JSON.stringify(reordered))).toBe(versionOf(text));
  });

  it("the version is the sha256 of the canonical JSON of the definition", async () => {
    const { createHash } = await import("node:crypto");
    const loaded: LoadedScheme = parseSchemeDefinition(JSON.parse(text), "test");
    const expected = createHash("sha256").update(canonicalJson(JSON.parse(text))).digest("hex");
    expect(loaded.version).toBe(`sha256:${expected}`);
  });
});

describe("canonicalJson", () => {
  it("sorts keys recursively, keeps array order, drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1, { z: true, y: null }], c: "x" }, u: undefined })).toBe(
      '{"a":{"c":"x","d":[3,1,{"y":null,"z":true}]},"b":1}',
    );
  });

  it("rejects values JSON cannot carry faithfully", () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson({ at: new Date(0) })).toThrow(TypeError);
    expect(() => canonicalJson(10n)).toThrow(TypeError);
  });

  it("is the same text for any key order and parses back to the same value", () => {
    const shuffle = (value: unknown, seed: number): unknown => {
      if (Array.isArray(value)) return value.map((item) => shuffle(item, seed));
      if (value === null || typeof value !== "object") return value;
      const entries = Object.entries(value).map(([k, v]) => [k, shuffle(v, seed)] as const);
      const rotated = entries.length > 0 ? [...entries.slice(seed % entries.length), ...entries.slice(0, seed % entries.length)] : entries;
      return Object.fromEntries(rotated.reverse());
    };
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, seed) => {
        expect(canonicalJson(shuffle(value, seed))).toBe(canonicalJson(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});
