import * as z from "zod";
import { eventVersion } from "./contract.ts";
import { Derivation, GrantOpenedV1 } from "./lifecycle-events.ts";
import { CalendarDate, Cents, Identifier } from "./primitives.ts";

/**
 * Change requests ("wijzigingsverzoek") on an awarded grant (issue 13, R-ST-03): the grantee asks,
 * staff decide, and a granted request amends the grant. All three live on the grant's stream.
 */

const Text = z.string().trim().min(1).max(2000);
const RuleIds = z.array(z.string().regex(/^R-[A-Z]{1,2}-\d{2}$/)).default([]);

/** What is asked for: an increase with its basis, a shift between cost lines, a later end date, a decrease. */
export const RequestedChange = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("increase"),
      /** R-ST-03: the only basis the documents give is VSO pupils in a technical profile on the count date. */
      basis: z
        .object({
          kind: z.literal("vso-pupils"),
          partnerSchool: z.string().trim().min(1).max(200),
          pupilCount: z.number().int().positive().max(10_000),
          addendumRef: z.string().trim().min(1).max(300),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("cost-line-shift"),
      shifts: z.array(z.object({ fromLineId: Identifier, toLineId: Identifier, amountCents: Cents.positive() }).strict()).min(1).max(20),
    })
    .strict(),
  z.object({ kind: z.literal("end-date-extension"), newEndDate: CalendarDate }).strict(),
  /** A decrease or partial withdrawal of the grant: by how much. */
  z.object({ kind: z.literal("decrease"), decreaseCents: Cents.positive() }).strict(),
]);

export const ChangeRequestSubmittedV1 = eventVersion(
  "ChangeRequestSubmitted",
  1,
  z
    .object({
      grantId: Identifier,
      requestId: Identifier,
      /** When the request reached the fund (R-TH-09's reading of times): the deadline is judged on it. */
      receivedOn: CalendarDate,
      change: RequestedChange,
      /** The grantee's own explanation, as sent. */
      explanation: z.string().trim().max(2000).nullable(),
      /** A reference to the request's documents (the letter, the addendum), never their content. */
      documentRef: z.string().trim().min(1).max(300).nullable(),
    })
    .strict(),
);

const Tranches = GrantOpenedV1.schema.shape.tranches;

/** The amendment a granted request makes: the grant's new amount and plan, and what moved on its budget line. */
export const ChangeRequestGrantedV1 = eventVersion(
  "ChangeRequestGranted",
  1,
  z
    .object({
      grantId: Identifier,
      requestId: Identifier,
      kind: z.enum(["increase", "cost-line-shift", "end-date-extension", "decrease"]),
      decidedOn: CalendarDate,
      previousAmountCents: Cents,
      amountCents: Cents.positive(),
      /** The amended tranche plan: tranches already invoiced keep their amounts (never below what was invoiced). */
      tranches: Tranches,
      /** The grant's cost lines after a shift; null when the request does not change them. */
      costLines: z.array(z.object({ lineId: Identifier, categoryId: Identifier, amountCents: Cents }).strict()).max(500).nullable(),
      /** The project's end date after an extension; null when unchanged. */
      plannedEndDate: CalendarDate.nullable(),
      /** Commitments the amendment adds to those of the award letter (R-TH-13, R-VD-04 stay as they were). */
      commitmentsAdded: z.array(z.object({ commitmentId: Identifier, description: Text, ruleIds: RuleIds }).strict()),
      /** What the same append did on the grant's budget line (R-X-02). */
      budgetEffect: z.object({ reservedCents: Cents, committedCents: Cents, releasedCents: Cents }).strict(),
      derivation: Derivation,
    })
    .strict(),
);

/** A refused request keeps its reasons: by the rules when it arrived (late, not allowed), or by staff's decision. */
export const ChangeRequestRefusedV1 = eventVersion(
  "ChangeRequestRefused",
  1,
  z
    .object({
      grantId: Identifier,
      requestId: Identifier,
      refusedBy: z.enum(["rules", "staff"]),
      /** For a refusal by the rules, the refusal's code (so a retried request gets the same answer). */
      code: z.enum(["closed", "invalid", "ineligible", "budget-exhausted", "refused"]),
      decidedOn: CalendarDate,
      reasons: z.array(Text).min(1).max(20),
      ruleIds: RuleIds,
    })
    .strict(),
);
