import { z } from "zod";
import { eventVersion } from "./contract.ts";
import { Cents, Identifier, SchemeVersion } from "./primitives.ts";

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
