import * as z from "zod";
import { eventVersion } from "./contract.ts";
import { CalendarDate, Cents, Identifier, SchemeVersion } from "./primitives.ts";

/**
 * The board's budget decisions besides a tranche (issue 13): lowering a line, correcting a mistaken
 * release, moving money between lines ("overheveling"). Each carries the board decision's reference
 * (e.g. "Bestuursbesluit 2021-03") and its date, which is the event's effective date
 * (domain/effective-date.ts). None takes a line's released money below what it has reserved and
 * committed (R-X-02); the fold and the deciders are in domain/budget.ts and domain/board-budget.ts.
 */
const boardDecision = {
  schemeId: Identifier,
  schemeVersion: SchemeVersion,
  budgetLineId: Identifier,
  /** The board decision's reference, as the minutes name it ("Bestuursbesluit 2021-03"). */
  boardDecision: z.string().min(1).max(500),
  /** The day the board decided: the date the change takes effect. */
  decidedOn: CalendarDate,
};

/**
 * The board lowers what it set aside for a line by `amountCents`; `releasedCents` of it was released
 * money (the unreleased part goes first), so the line's released amount drops by that much.
 */
export const BudgetLineLoweredV1 = eventVersion(
  "BudgetLineLowered",
  1,
  z.object({ ...boardDecision, amountCents: Cents.positive(), releasedCents: Cents }).strict(),
);

/**
 * A tranche was released with the wrong amount (R-X-01: corrected by a new event that names it). The
 * line's released amount moves by `correctedCents - releasedCents`: from what the tranche stood at
 * (its own amount, or its last correction) to what it should have been (0: it should not have been).
 */
export const BudgetTrancheReleaseCorrectedV1 = eventVersion(
  "BudgetTrancheReleaseCorrected",
  1,
  z
    .object({
      ...boardDecision,
      /** The BudgetTrancheReleased on this line's stream, by version, and the decision that released it. */
      corrects: z.object({ version: z.number().int().positive(), boardDecision: z.string().min(1).max(500) }).strict(),
      releasedCents: Cents.positive(),
      correctedCents: Cents,
    })
    .strict(),
);

/** Released money moves to another line of the scheme: set aside and released there, in the same append as BudgetTransferReceived. */
export const BudgetTransferSentV1 = eventVersion(
  "BudgetTransferSent",
  1,
  z.object({ ...boardDecision, amountCents: Cents.positive(), toBudgetLineId: Identifier }).strict(),
);

/** Released money arrives from another line of the scheme, in the same append as its BudgetTransferSent. */
export const BudgetTransferReceivedV1 = eventVersion(
  "BudgetTransferReceived",
  1,
  z.object({ ...boardDecision, amountCents: Cents.positive(), fromBudgetLineId: Identifier }).strict(),
);
