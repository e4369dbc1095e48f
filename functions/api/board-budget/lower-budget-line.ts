import * as z from "zod";
import { decideLowerBudgetLine } from "../../../domain/board-budget.ts";
import { AmountCents, streamIds } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { budgetLineStream, executeCommand } from "../command.ts";
import { httpRoute } from "../http.ts";
import { BudgetLinePath, boardDecisionAnswer, boardDecisionContext, boardDecisionFields } from "./board-decision.ts";

/** The board lowers a line's budget; never below what is reserved and committed (R-X-02), closing the intake at exhaustion (R-TH-01). */
export const handler = httpRoute(
  "LowerBudgetLine",
  { path: BudgetLinePath, body: z.object({ amountCents: AmountCents.positive(), ...boardDecisionFields }).strict() },
  async (input) => {
    const { scheme, decidedOn } = boardDecisionContext(input.path.schemeId, input.body.decidedOn);
    const line = budgetLineStream(streamIds.budgetLine(scheme.definition.id, input.path.budgetLineId));
    const { recorded } = await executeCommand({
      store: dependencies().events,
      ...line,
      schemeId: scheme.definition.id,
      // Read in full (it is the record replays are looked up in), and its balance carried on.
      balance: { partners: [] },
      decide: (state) => decideLowerBudgetLine(state, { budgetLineId: input.path.budgetLineId, ...input.body, decidedOn }, scheme),
      input,
    });
    return boardDecisionAnswer(scheme.definition.id, recorded);
  },
);
