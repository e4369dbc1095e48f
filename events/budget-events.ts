import * as z from "zod";
import { type Upcaster, eventVersion } from "./contract.ts";
import { Cents, Identifier, SchemeVersion } from "./primitives.ts";

/**
 * A budget line's own stream holds everything that moves its money, so one conditional append
 * decides over one consistent position and the line can never be over-committed (R-X-02).
 */
export const BudgetLineOpenedV1 = eventVersion(
  "BudgetLineOpened",
  1,
  z
    .object({ schemeId: Identifier, schemeVersion: SchemeVersion, budgetLineId: Identifier, name: z.string().min(1), amountCents: Cents, releasedCents: Cents })
    .strict(),
);

/** An award reserves its amount in the same transaction as the decision (R-X-02). */
export const BudgetReservedV1 = eventVersion(
  "BudgetReserved",
  1,
  z.object({ schemeId: Identifier, budgetLineId: Identifier, applicationId: Identifier, amountCents: Cents.positive() }).strict(),
);

/** The award letter turns a reservation into a commitment. */
export const BudgetCommittedV1 = eventVersion(
  "BudgetCommitted",
  1,
  z.object({ schemeId: Identifier, budgetLineId: Identifier, applicationId: Identifier, amountCents: Cents.positive() }).strict(),
);

/** Withdrawal, lapse or a lower settlement gives money back to the line. */
export const BudgetReleasedV1 = eventVersion(
  "BudgetReleased",
  1,
  z
    .object({
      schemeId: Identifier,
      budgetLineId: Identifier,
      applicationId: Identifier,
      amountCents: Cents.positive(),
      from: z.enum(["reserved", "committed"]),
      reason: z.enum(["withdrawn", "lapsed", "settled-lower"]),
    })
    .strict(),
);

/** R-TH-01: the line cannot cover the next application; later submissions are recorded and refused. */
export const BudgetLineIntakeClosedV1 = eventVersion(
  "BudgetLineIntakeClosed",
  1,
  z.object({ schemeId: Identifier, budgetLineId: Identifier, availableCents: Cents, reason: z.string().min(1).max(500) }).strict(),
);

/**
 * V2: a granted change request that lowers a grant (a decrease or partial withdrawal, issue 13)
 * gives the difference back too. V1 payloads read as V2 unchanged: the reasons only widened.
 */
export const BudgetReleasedV2 = eventVersion(
  "BudgetReleased",
  2,
  BudgetReleasedV1.schema.extend({ reason: z.enum(["withdrawn", "lapsed", "settled-lower", "change-request"]) }).strict(),
);

export const budgetReleasedV1ToV2: Upcaster = { type: "BudgetReleased", fromVersion: 1, upcast: (payload) => payload };
