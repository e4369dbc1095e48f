import * as z from "zod";
import { eventVersion } from "./contract.ts";
import { CalendarDate, Cents, Identifier, Instant, SchemeVersion } from "./primitives.ts";

const Text = z.string().trim().min(1).max(2000);
const RuleIds = z.array(z.string().regex(/^R-[A-Z]{1,2}-\d{2}$/)).default([]);

/** A cost line of the application's budget (R-TH-03, R-TH-04, R-VD-03 E). */
export const CostLine = z
  .object({
    lineId: Identifier,
    categoryId: Identifier,
    description: z.string().trim().min(1).max(500),
    amountCents: Cents,
    /** External work billed by the hour: the hourly cap of R-TH-04 applies. Hours in hundredths. */
    external: z.object({ hundredthsOfHour: z.number().int().positive(), hourlyRateCents: Cents }).strict().nullable().default(null),
  })
  .strict();

/** R-ST-02: what a partner contributes, financially or in kind, valued in cents. */
export const Contribution = z.object({ partner: z.string().trim().min(1).max(200), kindId: Identifier, amountCents: Cents }).strict();

/** R-ST-01, 002: who takes part (companies, schools, governments). */
export const Partner = z.object({ name: z.string().trim().min(1).max(200), kindId: Identifier }).strict();

/** The substance of an application as staff (or the form) recorded it; a later recording replaces it. */
export const ApplicationDetailsRecordedV1 = eventVersion(
  "ApplicationDetailsRecorded",
  1,
  z
    .object({
      applicationId: Identifier,
      plannedStartDate: CalendarDate.nullable(),
      plannedEndDate: CalendarDate.nullable(),
      /** R-TH-05: the applicant is a company affiliated with A+O Metalektro (per the fund's register). */
      applicantAffiliated: z.boolean().nullable(),
      /** R-VD-07: the lead applicant ("penvoerder") and whether it is a Metalektro company. */
      leadApplicant: z.object({ companyName: z.string().trim().min(1).max(200), metalektroCompany: z.boolean() }).strict().nullable(),
      costLines: z.array(CostLine).max(500),
      coFinancing: z.array(Contribution).max(200),
      partners: z.array(Partner).max(200),
      totalPlanCostsCents: Cents.nullable(),
    })
    .strict(),
);

/** Pieces of the application arrived (sections of the form, documents); `receivedAt` is their arrival (R-TH-09). */
export const ApplicationSectionsReceivedV1 = eventVersion(
  "ApplicationSectionsReceived",
  1,
  z
    .object({
      applicationId: Identifier,
      sectionIds: z.array(Identifier).min(1),
      receivedAt: Instant,
      documents: z.array(z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), name: z.string().max(300), contentType: z.string().max(200), bytes: z.number().int().nonnegative() }).strict()).default([]),
    })
    .strict(),
);

export const ApplicationFoundIncompleteV1 = eventVersion(
  "ApplicationFoundIncomplete",
  1,
  z.object({ applicationId: Identifier, missingSectionIds: z.array(Identifier).min(1), note: Text.nullable().default(null) }).strict(),
);

/** Complete and queued (R-TH-09): ordered by `completedAt`, ties by `firstReceivedAt`; scheduled into a round (R-TH-10). */
export const ApplicationQueuedV1 = eventVersion(
  "ApplicationQueued",
  1,
  z
    .object({
      applicationId: Identifier,
      completedAt: Instant,
      firstReceivedAt: Instant,
      roundId: Identifier,
      queueKey: z.string().min(1),
      schemeVersion: SchemeVersion,
    })
    .strict(),
);

export const CheckOutcome = z
  .object({
    checkId: Identifier,
    kind: z.string().min(1),
    outcome: z.enum(["met", "not-met", "not-applicable", "unknown"]),
    reason: Text,
    ruleIds: RuleIds,
  })
  .strict();

/** How an amount was computed: inputs, caps, the formula as staff read it, the rules and the scheme version. */
export const Derivation = z
  .object({
    formula: z.string().min(1).max(1000),
    inputs: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
    ruleIds: RuleIds,
    schemeVersion: SchemeVersion,
  })
  .strict();

export const ApplicationAssessedV1 = eventVersion(
  "ApplicationAssessed",
  1,
  z
    .object({
      applicationId: Identifier,
      schemeVersion: SchemeVersion,
      checks: z.array(CheckOutcome),
      eligible: z.boolean(),
      eligibleCostsCents: Cents,
      excludedCosts: z.array(z.object({ lineId: Identifier, excludedCents: Cents, reason: Text, ruleIds: RuleIds }).strict()),
      maximumAmountCents: Cents,
      derivation: Derivation,
      /** R-TH-08: the other applications in the same region when the assessment was made. */
      regionOverlap: z.array(z.object({ applicationId: Identifier, technohub: z.string(), status: z.string() }).strict()),
    })
    .strict(),
);

const Committee = { roundId: Identifier, membersPresent: z.array(z.string().trim().min(1).max(200)).min(1), decidedOn: CalendarDate };

export const AwardGrantedV1 = eventVersion(
  "AwardGranted",
  1,
  z.object({ applicationId: Identifier, ...Committee, amountCents: Cents.positive(), budgetLineId: Identifier, derivation: Derivation }).strict(),
);

export const ApplicationRejectedV1 = eventVersion(
  "ApplicationRejected",
  1,
  z.object({ applicationId: Identifier, ...Committee, reasons: z.array(Text).min(1), ruleIds: RuleIds }).strict(),
);

/** A submission or decision refused by the rules, recorded so nothing sent is lost (R-X-05, R-TH-01). */
export const ApplicationRefusedV1 = eventVersion(
  "ApplicationRefused",
  1,
  z
    .object({
      applicationId: Identifier,
      code: z.enum(["budget-exhausted", "intake-closed", "late", "no-round"]),
      reason: Text,
      ruleIds: RuleIds,
    })
    .strict(),
);

export const ApplicationWithdrawnV1 = eventVersion(
  "ApplicationWithdrawn",
  1,
  z.object({ applicationId: Identifier, reason: Text, releasedCents: Cents }).strict(),
);

export const ProjectStartedV1 = eventVersion("ProjectStarted", 1, z.object({ applicationId: Identifier, startedOn: CalendarDate }).strict());

/** R-TH-11: an approved execution plan that had not started by the latest start date. */
export const AwardLapsedV1 = eventVersion(
  "AwardLapsed",
  1,
  z.object({ applicationId: Identifier, latestStartDate: CalendarDate, lapsedOn: CalendarDate, releasedCents: Cents, ruleIds: RuleIds }).strict(),
);

export const AwardLetterIssuedV1 = eventVersion(
  "AwardLetterIssued",
  1,
  z
    .object({
      applicationId: Identifier,
      grantId: Identifier,
      amountCents: Cents.positive(),
      issuedOn: CalendarDate,
      /** R-TH-13, R-VD-04: what the grantee committed to. */
      commitments: z.array(z.object({ commitmentId: Identifier, description: Text, ruleIds: RuleIds }).strict()),
    })
    .strict(),
);

/** Opens the grant for payments (the payments issue builds on this stream). */
export const GrantOpenedV1 = eventVersion(
  "GrantOpened",
  1,
  z
    .object({
      grantId: Identifier,
      applicationId: Identifier,
      schemeId: Identifier,
      schemeVersion: SchemeVersion,
      instrumentId: Identifier,
      budgetLineId: Identifier,
      technohub: z.string().min(1),
      amountCents: Cents.positive(),
      openedOn: CalendarDate,
      /** The payment plan fixed when the grant opened: a later change of the scheme does not rewrite it. */
      tranches: z
        .array(
          z
            .object({
              trancheId: Identifier,
              shareBasisPoints: z.number().int().min(0).max(10_000),
              amountCents: Cents,
              trigger: z.discriminatedUnion("kind", [
                z.object({ kind: z.literal("award-letter") }).strict(),
                z.object({ kind: z.literal("final-report-approved") }).strict(),
                z.object({ kind: z.literal("calendar-year"), year: z.number().int() }).strict(),
              ]),
            })
            .strict(),
        )
        .min(1),
    })
    .strict(),
);

/**
 * R-ST-03: a change request ("wijzigingsverzoek") adds a supplement for special-education (VSO)
 * pupils in a technical profile on the count date, per pupil, with an addendum to plan and budget.
 */
export const VsoSupplementAwardedV1 = eventVersion(
  "VsoSupplementAwarded",
  1,
  z
    .object({
      applicationId: Identifier,
      partnerSchool: z.string().trim().min(1).max(200),
      pupilCount: z.number().int().positive().max(10_000),
      countDate: CalendarDate,
      perPupilCents: Cents.positive(),
      amountCents: Cents.positive(),
      addendumRef: z.string().trim().min(1).max(300),
      requestedOn: CalendarDate,
      derivation: Derivation,
    })
    .strict(),
);
