import * as z from "zod";
import { decideCorrectTrancheRelease, releasedTrancheAt } from "../../../domain/board-budget.ts";
import { AmountCents, streamIds } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { budgetLineStream, executeCommand } from "../command.ts";
import { httpRoute } from "../http.ts";
import { BudgetLinePath, boardDecisionAnswer, boardDecisionContext, boardDecisionFields } from "./board-decision.ts";

/** The board corrects a mistaken tranche release (R-X-01: a new event naming it), within R-X-02 and R-VD-01. */
export const handler = httpRoute(
  "CorrectBudgetTrancheRelease",
  {
    path: BudgetLinePath,
    body: z.object({ trancheVersion: z.number().int().positive().max(Number.MAX_SAFE_INTEGER), correctedCents: AmountCents, ...boardDecisionFields }).strict(),
  },
  async (input) => {
    const { scheme, decidedOn } = boardDecisionContext(input.path.schemeId, input.body.decidedOn);
    const line = budgetLineStream(streamIds.budgetLine(scheme.definition.id, input.path.budgetLineId));
    const { recorded } = await executeCommand({
      store: dependencies().events,
      ...line,
      schemeId: scheme.definition.id,
      balance: { partners: [] },
      // The line is read in full: the tranche and its earlier corrections are in its history.
      decide: (state, history) =>
        decideCorrectTrancheRelease(state, releasedTrancheAt(history, input.body.trancheVersion), { budgetLineId: input.path.budgetLineId, ...input.body, decidedOn }, scheme),
      input,
    });
    return boardDecisionAnswer(scheme.definition.id, recorded);
  },
);
