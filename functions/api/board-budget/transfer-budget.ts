import * as z from "zod";
import type { BudgetLineState } from "../../../domain/budget.ts";
import { decideTransferBudget } from "../../../domain/board-budget.ts";
import { AmountCents, Identifier, streamIds } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { budgetLineStream, executeDecision } from "../command.ts";
import { httpRoute } from "../http.ts";
import { BudgetLinePath, boardDecisionAnswer, boardDecisionContext, boardDecisionFields } from "./board-decision.ts";

/**
 * The board moves released money from the path's line to another line of the scheme ("overheveling"):
 * both lines' events in one append, so either both are written or neither (R-X-02).
 */
export const handler = httpRoute(
  "TransferBudget",
  { path: BudgetLinePath, body: z.object({ toBudgetLineId: Identifier, amountCents: AmountCents.positive(), ...boardDecisionFields }).strict() },
  async (input) => {
    const { scheme, decidedOn } = boardDecisionContext(input.path.schemeId, input.body.decidedOn);
    const schemeId = scheme.definition.id;
    const { recorded } = await executeDecision<{ from: BudgetLineState; to: BudgetLineState }>({
      store: dependencies().events,
      input,
      schemeId,
      // The source is the record replays are looked up in (read in full); the target is read from its last event's balance.
      primary: "from",
      streams: { from: budgetLineStream(streamIds.budgetLine(schemeId, input.path.budgetLineId)), to: budgetLineStream(streamIds.budgetLine(schemeId, input.body.toBudgetLineId)) },
      decide: ({ from, to }) => decideTransferBudget(from, to, { fromBudgetLineId: input.path.budgetLineId, ...input.body, decidedOn }, scheme),
      streamOf: (event) => ((event.data as { budgetLineId?: string }).budgetLineId === input.body.toBudgetLineId && input.body.toBudgetLineId !== input.path.budgetLineId ? "to" : "from"),
    });
    return boardDecisionAnswer(schemeId, recorded);
  },
);
