import * as z from "zod";

/**
 * A subsidy scheme as data: the back office reads its rules from here, not from code, so a
 * new scheme (or a changed interpretation) is a reviewed data change.
 *
 * Conventions: money is integer euro cents, percentages are integer basis points
 * (7000 = 70%), dates are ISO calendar dates in the scheme's `timeZone`, and every date
 * named `closes`, `submissionDeadline` or `latest*` is the last day that still counts
 * (inclusive). Rule IDs refer to `domain-rules.md`.
 *
 * @example
 * const definition = SchemeDefinition.parse(JSON.parse(text));
 * definition.instruments.find((i) => i.id === "execution")?.maxAmountCents; // 50_000_000
 */

const Id = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "expected a kebab-case id");
const RuleId = z.string().regex(/^R-(?:TH|VD|ST|X)-\d{2}$/, "expected a rule id like R-TH-02");
const RuleIds = z.array(RuleId).min(1);
const Cents = z.number().int().nonnegative();
const BasisPoints = z.number().int().min(0).max(10_000);
const IsoDate = z.iso.date();
// Rejected rather than trimmed: the version hash is taken of exactly what was written.
const Text = z.string().regex(/^\S(?:[\s\S]*\S)?$/, "expected non-empty text without leading or trailing whitespace");
const InstrumentIds = z.array(Id).min(1);

const RegexSource = Text.refine((source) => {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}, "expected a valid regular expression");

const Fund = z.strictObject({
  id: Id,
  name: Text,
  /** On whose behalf the fund runs the scheme (ROM board, a ministry). */
  principal: Text.nullable(),
});

const Intake = z.strictObject({
  /** The back office's own receiving address. */
  emailAddress: z.email(),
  /** The address the source documents publish, for tracing; null when none is given. */
  publishedEmailAddress: z.email().nullable(),
  /** Case-insensitive phrases that mark a message as being about this scheme (R-TH-14). */
  subjectKeywords: z.array(Text).min(1),
  /** Regex source for a region number in the subject (R-ST-05), null when unused. */
  regionNumberPattern: RegexSource.nullable(),
  /** R-TH-09: how complete applications are queued. */
  queueOrder: z.enum(["completed-then-first-arrival", "first-arrival"]),
  ruleIds: RuleIds,
});

const Term = z.strictObject({
  opens: IsoDate,
  closes: IsoDate,
  /** R-TH-01: intake closes early once the budget is exhausted. */
  closesWhenBudgetExhausted: z.boolean(),
  /** When funded work may take place; `until` null when the documents give no end. */
  projectPeriod: z.strictObject({ from: IsoDate, until: IsoDate.nullable() }),
  ruleIds: RuleIds,
});

const Instrument = z.strictObject({
  id: Id,
  name: Text,
  dutchName: Text,
  maxAmountCents: Cents.nullable(),
  maxShareOfEligibleCostsBasisPoints: BasisPoints.nullable(),
  /** How many grants the instrument is meant for (R-VD-02: 5 top hubs), null = unlimited. */
  maxAwards: z.number().int().positive().nullable(),
  budgetLineId: Id,
  ruleIds: RuleIds,
});

const BudgetLine = z.strictObject({
  id: Id,
  name: Text,
  dutchName: Text.optional(),
  /** grants: drawn on by instruments; operations: spent by the fund itself; reserve: held back until released. */
  purpose: z.enum(["grants", "operations", "reserve"]),
  /** The amount reserved for this line. */
  amountCents: Cents,
  /** Available from the start; the rest needs a release decision (R-VD-01). */
  initiallyReleasedCents: Cents,
  ruleIds: RuleIds,
});

const CostCategory = z.strictObject({
  id: Id,
  name: Text,
  dutchName: Text.optional(),
  instrumentIds: InstrumentIds,
  ruleIds: RuleIds,
});

const ExcludedCostCategory = CostCategory.extend({ reason: Text });

const CostRules = z.strictObject({
  /** An instrument named by no eligible category has no category restriction. */
  eligibleCategories: z.array(CostCategory),
  excludedCategories: z.array(ExcludedCostCategory),
  /** R-TH-04: hourly rate above this is not eligible; null = no cap. */
  externalHourlyRateCapCents: Cents.nullable(),
  amountsIncludeVat: z.boolean(),
  ruleIds: RuleIds,
});

const Committee = z.strictObject({
  name: Text,
  dutchName: Text,
  memberOrganisations: z.array(Text),
  /** R-TH-10: used to expect a meeting date when a round does not name one. */
  usualMeetingWithinDaysAfterDeadline: z.number().int().positive().nullable(),
  ruleIds: RuleIds,
});

const CommitteeRound = z.strictObject({
  id: Id,
  submissionDeadline: IsoDate,
  instrumentIds: InstrumentIds,
  expectedMeetingDate: IsoDate.nullable(),
  ruleIds: RuleIds,
});

const RequiredSection = z.strictObject({
  id: Id,
  /** The label the source uses (R-VD-03 A..E), null when it has none. */
  code: Text.nullable(),
  title: Text,
  dutchTitle: Text.optional(),
  description: Text.optional(),
  instrumentIds: InstrumentIds,
  ruleIds: RuleIds,
});

const DocumentLimits = z.strictObject({
  maxDocumentBytes: z.number().int().positive(),
  maxExtraDocuments: z.number().int().nonnegative(),
  ruleIds: RuleIds,
});

const checkBase = {
  id: Id,
  description: Text,
  instrumentIds: InstrumentIds,
  ruleIds: RuleIds,
};

const ContributionKind = z.strictObject({ id: Id, name: Text, dutchName: Text.optional() });

const EligibilityCheck = z.discriminatedUnion("kind", [
  z.strictObject({ ...checkBase, kind: z.literal("affiliated-applicant") }),
  /** R-VD-07: the lead applicant ("penvoerder") is a Metalektro company. */
  z.strictObject({ ...checkBase, kind: z.literal("lead-applicant-metalektro") }),
  z.strictObject({ ...checkBase, kind: z.literal("one-per-hub-per-instrument") }),
  z.strictObject({ ...checkBase, kind: z.literal("one-per-hub") }),
  z.strictObject({ ...checkBase, kind: z.literal("one-per-region") }),
  z.strictObject({ ...checkBase, kind: z.literal("start-after-arrival"), sameDayAllowed: z.boolean() }),
  z.strictObject({ ...checkBase, kind: z.literal("latest-start-date"), latestDate: IsoDate }),
  z.strictObject({ ...checkBase, kind: z.literal("latest-end-date"), latestDate: IsoDate }),
  z.strictObject({ ...checkBase, kind: z.literal("region-named") }),
  /** R-VD-05 A..D: a "no" rejects, with the question as the reason. */
  z.strictObject({ ...checkBase, kind: z.literal("yes-no"), code: Text, question: Text }),
  z.strictObject({ ...checkBase, kind: z.literal("project-plan"), code: Text, requiredParts: z.array(Text).min(1) }),
  z.strictObject({
    ...checkBase,
    kind: z.literal("consortium-composition"),
    requiredPartnerKinds: z.array(Id).min(1),
  }),
  z.strictObject({
    ...checkBase,
    kind: z.literal("co-financing-min-share"),
    minShareBasisPoints: BasisPoints,
    contributionKinds: z.array(ContributionKind).min(1),
  }),
]);

const TrancheTrigger = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("award-letter") }),
  z.strictObject({ kind: z.literal("final-report-approved") }),
  /** R-ST-04: paid for a calendar year and not spendable before that year starts. */
  z.strictObject({ kind: z.literal("calendar-year"), year: z.number().int().min(2000).max(2100) }),
]);

const Tranche = z.strictObject({
  id: Id,
  shareBasisPoints: BasisPoints,
  trigger: TrancheTrigger,
});

const PaymentSchedule = z.strictObject({
  tranches: z.array(Tranche).min(1),
  /** How the final grant is fixed: recalculated on approved actual costs (caps kept, never above the award) or paid as awarded. */
  finalSettlement: z.enum(["recalculate-on-approved-costs", "as-awarded"]),
  /** May be empty only when an interpretation on `paymentSchedule` explains the choice. */
  ruleIds: z.array(RuleId),
});

const VsoSupplement = z.strictObject({
  instrumentId: Id,
  budgetLineId: Id,
  perPupilCents: Cents,
  countDate: IsoDate,
  requestLatestDate: IsoDate,
  requestEmailAddress: z.email().nullable(),
  requiredItems: z.array(z.strictObject({ id: Id, title: Text, dutchTitle: Text.optional() })).min(1),
  ruleIds: RuleIds,
});

/**
 * Issue 13: which change requests ("wijzigingsverzoek") an awarded grant takes. An increase needs a
 * basis the scheme defines (R-ST-03: `vsoSupplement`); the others are checked against the grant.
 */
const ChangeRequests = z.strictObject({
  kinds: z.array(z.enum(["increase", "cost-line-shift", "end-date-extension", "decrease"])).min(1),
  ruleIds: RuleIds,
});

const EvaluationCriterion = z.strictObject({
  id: Id,
  number: z.number().int().positive(),
  name: Text,
  dutchName: Text,
  description: Text,
  ruleIds: RuleIds,
});

const NamedOption = z.strictObject({ id: Id, name: Text, dutchName: Text });

const AllocationMatrix = z.strictObject({
  /** R-VD-10 calls the percentages illustrative: advice, not a binding split. */
  illustrative: z.boolean(),
  hubTypes: z.array(NamedOption).min(1),
  characteristics: z.array(NamedOption).min(1),
  cells: z.array(z.strictObject({ hubTypeId: Id, characteristicId: Id, shareBasisPoints: BasisPoints })),
  ruleIds: RuleIds,
});

const CommitmentSession = z.strictObject({
  id: Id,
  date: IsoDate.nullable(),
  title: Text,
  location: Text.nullable(),
});

const Commitment = z.strictObject({
  id: Id,
  kind: z.enum(["attend-sessions", "publish-ozone-module", "publish-teaching-material", "cooperate-monitoring", "report-accountability"]),
  description: Text,
  /** attend-sessions: representatives per session; publish-ozone-module: modules per hub; null when not counted. */
  minimumCount: z.number().int().positive().nullable(),
  sessions: z.array(CommitmentSession),
  ruleIds: RuleIds,
});

const Interpretation = z.strictObject({
  ruleId: RuleId,
  /** The field path the choice is recorded in, e.g. `budgetLines.technohubs.amountCents`. */
  subject: Text,
  note: Text,
});

const SchemeShape = z.strictObject({
  id: Id,
  title: Text,
  dutchTitle: Text,
  /** Seed documents the definition was taken from. */
  sources: z.array(Text).min(1),
  /** Date boundaries (deadlines, terms) are local dates in this zone. */
  timeZone: Text,
  fund: Fund,
  intake: Intake,
  term: Term,
  instruments: z.array(Instrument).min(1),
  budgetLines: z.array(BudgetLine).min(1),
  costRules: CostRules,
  committee: Committee,
  committeeRounds: z.array(CommitteeRound).min(1),
  requiredSections: z.array(RequiredSection).min(1),
  documentLimits: DocumentLimits,
  eligibilityChecks: z.array(EligibilityCheck),
  decisionDeadlineDays: z.number().int().positive().nullable(),
  /** How many days before the decision deadline an application counts as "nearing" it (R-VD-06). */
  decisionDeadlineWarningDays: z.number().int().positive().nullable(),
  paymentSchedule: PaymentSchedule,
  vsoSupplement: VsoSupplement.optional(),
  changeRequests: ChangeRequests.optional(),
  evaluationCriteria: z.array(EvaluationCriterion),
  allocationMatrix: AllocationMatrix.optional(),
  commitments: z.array(Commitment),
  interpretations: z.array(Interpretation),
});

type Shape = z.infer<typeof SchemeShape>;
type Ctx = z.RefinementCtx;
type Path = (string | number)[];

function issue(ctx: Ctx, path: Path, message: string): void {
  ctx.addIssue({ code: "custom", path, message });
}

function requireUniqueIds(ctx: Ctx, items: readonly { id: string }[], path: Path): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (seen.has(item.id)) issue(ctx, [...path, index, "id"], `duplicate id "${item.id}"`);
    seen.add(item.id);
  });
}

function requireKnown(ctx: Ctx, known: ReadonlySet<string>, ids: readonly string[], path: Path, what: string): void {
  ids.forEach((id, index) => {
    if (!known.has(id)) issue(ctx, [...path, index], `unknown ${what} "${id}"`);
  });
}

function checkReferences(s: Shape, ctx: Ctx): void {
  requireUniqueIds(ctx, s.instruments, ["instruments"]);
  requireUniqueIds(ctx, s.budgetLines, ["budgetLines"]);
  requireUniqueIds(ctx, s.committeeRounds, ["committeeRounds"]);
  requireUniqueIds(ctx, s.requiredSections, ["requiredSections"]);
  requireUniqueIds(ctx, s.eligibilityChecks, ["eligibilityChecks"]);
  requireUniqueIds(ctx, s.evaluationCriteria, ["evaluationCriteria"]);
  requireUniqueIds(ctx, s.commitments, ["commitments"]);
  requireUniqueIds(ctx, s.paymentSchedule.tranches, ["paymentSchedule", "tranches"]);
  // One namespace for all cost categories: a cost line names a single category id.
  requireUniqueIds(ctx, [...s.costRules.eligibleCategories, ...s.costRules.excludedCategories], ["costRules", "categories"]);

  const instrumentIds = new Set(s.instruments.map((i) => i.id));
  const lines = new Map(s.budgetLines.map((l) => [l.id, l]));

  s.instruments.forEach((instrument, index) => {
    const line = lines.get(instrument.budgetLineId);
    if (!line) issue(ctx, ["instruments", index, "budgetLineId"], `unknown budget line "${instrument.budgetLineId}"`);
    else if (line.purpose !== "grants")
      issue(ctx, ["instruments", index, "budgetLineId"], `budget line "${line.id}" is for ${line.purpose}, not grants`);
  });
  s.costRules.eligibleCategories.forEach((c, i) =>
    requireKnown(ctx, instrumentIds, c.instrumentIds, ["costRules", "eligibleCategories", i, "instrumentIds"], "instrument"),
  );
  s.costRules.excludedCategories.forEach((c, i) =>
    requireKnown(ctx, instrumentIds, c.instrumentIds, ["costRules", "excludedCategories", i, "instrumentIds"], "instrument"),
  );
  s.requiredSections.forEach((r, i) =>
    requireKnown(ctx, instrumentIds, r.instrumentIds, ["requiredSections", i, "instrumentIds"], "instrument"),
  );
  s.eligibilityChecks.forEach((c, i) =>
    requireKnown(ctx, instrumentIds, c.instrumentIds, ["eligibilityChecks", i, "instrumentIds"], "instrument"),
  );
  if (s.vsoSupplement) {
    requireKnown(ctx, instrumentIds, [s.vsoSupplement.instrumentId], ["vsoSupplement", "instrumentId"], "instrument");
    requireKnown(ctx, new Set(lines.keys()), [s.vsoSupplement.budgetLineId], ["vsoSupplement", "budgetLineId"], "budget line");
    if (s.vsoSupplement.countDate > s.vsoSupplement.requestLatestDate)
      issue(ctx, ["vsoSupplement", "requestLatestDate"], "request deadline is before the count date");
  }
}

function checkBudget(s: Shape, ctx: Ctx): void {
  s.budgetLines.forEach((line, index) => {
    if (line.initiallyReleasedCents > line.amountCents)
      issue(ctx, ["budgetLines", index, "initiallyReleasedCents"], "released more than the line's amount");
  });
}

function checkDates(s: Shape, ctx: Ctx): void {
  const { term } = s;
  if (term.opens > term.closes) issue(ctx, ["term", "closes"], "term closes before it opens");
  if (term.projectPeriod.until !== null && term.projectPeriod.from > term.projectPeriod.until)
    issue(ctx, ["term", "projectPeriod", "until"], "project period ends before it starts");

  const instrumentIds = new Set(s.instruments.map((i) => i.id));
  const accepted = new Set<string>();
  let previousDeadline = "";
  s.committeeRounds.forEach((round, index) => {
    const path = ["committeeRounds", index];
    requireKnown(ctx, instrumentIds, round.instrumentIds, [...path, "instrumentIds"], "instrument");
    round.instrumentIds.forEach((id) => accepted.add(id));
    if (round.submissionDeadline < term.opens || round.submissionDeadline > term.closes)
      issue(ctx, [...path, "submissionDeadline"], `deadline ${round.submissionDeadline} is outside the term ${term.opens}..${term.closes}`);
    // "Goes to the next round" (R-TH-10) needs rounds in deadline order.
    if (round.submissionDeadline <= previousDeadline)
      issue(ctx, [...path, "submissionDeadline"], "rounds must be in strictly increasing deadline order");
    previousDeadline = round.submissionDeadline;
    if (round.expectedMeetingDate !== null && round.expectedMeetingDate < round.submissionDeadline)
      issue(ctx, [...path, "expectedMeetingDate"], "meeting is before the submission deadline");
  });
  s.instruments.forEach((instrument, index) => {
    if (!accepted.has(instrument.id))
      issue(ctx, ["instruments", index, "id"], `no committee round accepts instrument "${instrument.id}"`);
  });
}

function checkPayment(s: Shape, ctx: Ctx): void {
  const { tranches } = s.paymentSchedule;
  const total = tranches.reduce((sum, t) => sum + t.shareBasisPoints, 0);
  if (total !== 10_000)
    issue(ctx, ["paymentSchedule", "tranches"], `tranche shares sum to ${total} basis points, expected exactly 10000`);

  const from = Number(s.term.projectPeriod.from.slice(0, 4));
  const until = s.term.projectPeriod.until === null ? Infinity : Number(s.term.projectPeriod.until.slice(0, 4));
  const years = new Set<number>();
  tranches.forEach((tranche, index) => {
    if (tranche.trigger.kind !== "calendar-year") return;
    const { year } = tranche.trigger;
    const path = ["paymentSchedule", "tranches", index, "trigger", "year"];
    if (year < from || year > until) issue(ctx, path, `year ${year} is outside the project period`);
    if (years.has(year)) issue(ctx, path, `year ${year} has more than one tranche`);
    years.add(year);
  });

  if (s.paymentSchedule.ruleIds.length === 0 && !s.interpretations.some((i) => i.subject.startsWith("paymentSchedule")))
    issue(ctx, ["paymentSchedule", "ruleIds"], "a payment schedule without rule ids needs an interpretation on paymentSchedule");
}

function checkDecisionDeadline(s: Shape, ctx: Ctx): void {
  const { decisionDeadlineDays: days, decisionDeadlineWarningDays: warning } = s;
  if ((days === null) !== (warning === null))
    issue(ctx, ["decisionDeadlineWarningDays"], "set both decisionDeadlineDays and decisionDeadlineWarningDays, or neither");
  else if (days !== null && warning !== null && warning >= days)
    issue(ctx, ["decisionDeadlineWarningDays"], "warning must come before the deadline");
}

function checkAllocationMatrix(s: Shape, ctx: Ctx): void {
  const matrix = s.allocationMatrix;
  if (!matrix) return;
  requireUniqueIds(ctx, matrix.hubTypes, ["allocationMatrix", "hubTypes"]);
  requireUniqueIds(ctx, matrix.characteristics, ["allocationMatrix", "characteristics"]);
  const types = new Set(matrix.hubTypes.map((t) => t.id));
  const characteristics = new Set(matrix.characteristics.map((c) => c.id));
  const seen = new Set<string>();
  matrix.cells.forEach((cell, index) => {
    const path = ["allocationMatrix", "cells", index];
    if (!types.has(cell.hubTypeId)) issue(ctx, [...path, "hubTypeId"], `unknown hub type "${cell.hubTypeId}"`);
    if (!characteristics.has(cell.characteristicId))
      issue(ctx, [...path, "characteristicId"], `unknown characteristic "${cell.characteristicId}"`);
    const key = `${cell.hubTypeId}/${cell.characteristicId}`;
    if (seen.has(key)) issue(ctx, path, `duplicate cell ${key}`);
    seen.add(key);
  });
  if (seen.size !== types.size * characteristics.size)
    issue(ctx, ["allocationMatrix", "cells"], "every hub type x characteristic needs exactly one cell");
  const total = matrix.cells.reduce((sum, c) => sum + c.shareBasisPoints, 0);
  if (total !== 10_000) issue(ctx, ["allocationMatrix", "cells"], `cells sum to ${total} basis points, expected exactly 10000`);
}

export const SchemeDefinition = SchemeShape.superRefine((s, ctx) => {
  checkReferences(s, ctx);
  checkBudget(s, ctx);
  checkDates(s, ctx);
  checkPayment(s, ctx);
  checkDecisionDeadline(s, ctx);
  checkAllocationMatrix(s, ctx);
});

export type SchemeDefinition = z.infer<typeof SchemeDefinition>;
export type Instrument = SchemeDefinition["instruments"][number];
export type BudgetLine = SchemeDefinition["budgetLines"][number];
export type CommitteeRound = SchemeDefinition["committeeRounds"][number];
export type EligibilityCheck = SchemeDefinition["eligibilityChecks"][number];
export type Tranche = SchemeDefinition["paymentSchedule"]["tranches"][number];
