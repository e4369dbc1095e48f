import * as z from "zod";
import { decideCorrectTrancheRelease, releasedTrancheAt } from "../../../domain/board-budget.ts";
import { AmountCents } from "../../../events/index.ts";
import { httpRoute } from "../http.ts";
import { BudgetLinePath, boardDecisionFields, recordLineDecision } from "./board-decision.ts";

/** The board corrects a mistaken tranche release (R-X-01: a new event naming it), within R-X-02 and R-VD-01. */
export const handler = httpRoute(
  "CorrectBudgetTrancheRelease",
  {
    path: BudgetLinePath,
    body: z.object({ trancheVersion: z.number().int().positive().max(Number.MAX_SAFE_INTEGER), correctedCents: AmountCents, ...boardDecisionFields }).strict(),
  },
  (input) =>
    // The tranche and its earlier corrections are in the line's history.
    recordLineDecision(input, ({ scheme, decidedOn }, line, history) =>
      decideCorrectTrancheRelease(line, releasedTrancheAt(history, input.body.trancheVersion), { budgetLineId: input.path.budgetLineId, ...input.body, decidedOn }, scheme),
    ),
);
