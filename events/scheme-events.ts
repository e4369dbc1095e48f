import * as z from "zod";
import { type Upcaster, eventVersion } from "./contract.ts";
import { CalendarDate, Cents, Identifier, SchemeVersion } from "./primitives.ts";

/** A scheme starts taking applications; its budget lines as the definition declares them (R-VD-01, R-VD-02). */
export const SchemeOpenedV1 = eventVersion(
  "SchemeOpened",
  1,
  z
    .object({
      schemeId: Identifier,
      schemeVersion: SchemeVersion,
      title: z.string().min(1),
      budgetLines: z
        .array(z.object({ budgetLineId: Identifier, name: z.string().min(1), amountCents: Cents, releasedCents: Cents }).strict())
        .min(1),
    })
    .strict(),
);

/** The board releases a further tranche of a budget line (R-VD-01: tranches are events). */
export const BudgetTrancheReleasedV1 = eventVersion(
  "BudgetTrancheReleased",
  1,
  z
    .object({
      schemeId: Identifier,
      schemeVersion: SchemeVersion,
      budgetLineId: Identifier,
      amountCents: Cents.positive(),
      boardDecision: z.string().min(1).max(500),
    })
    .strict(),
);

/**
 * V2 (issue 13): the tranche carries the day the board decided, its effective date, as the board's
 * other budget decisions do. Optional: a release recorded before V2, or without a stated date, is
 * dated by its recorded time.
 */
export const BudgetTrancheReleasedV2 = eventVersion(
  "BudgetTrancheReleased",
  2,
  BudgetTrancheReleasedV1.schema.extend({ decidedOn: CalendarDate.optional() }).strict(),
);

/** A V1 tranche stated no date: it reads as a V2 without one. */
export const budgetTrancheReleasedV1ToV2: Upcaster = { type: "BudgetTrancheReleased", fromVersion: 1, upcast: (payload) => payload };
