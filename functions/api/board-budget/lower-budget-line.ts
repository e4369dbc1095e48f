import * as z from "zod";
import { decideLowerBudgetLine } from "../../../domain/board-budget.ts";
import { AmountCents } from "../../../events/index.ts";
import { httpRoute } from "../http.ts";
import { BudgetLinePath, boardDecisionFields, recordLineDecision } from "./board-decision.ts";

/** The board lowers a line's budget; never below what is reserved and committed (R-X-02), closing the intake at exhaustion (R-TH-01). */
export const handler = httpRoute(
  "LowerBudgetLine",
  { path: BudgetLinePath, body: z.object({ amountCents: AmountCents.positive(), ...boardDecisionFields }).strict() },
  (input) => recordLineDecision(input, ({ scheme, decidedOn }, line) => decideLowerBudgetLine(line, { budgetLineId: input.path.budgetLineId, ...input.body, decidedOn }, scheme)),
);
