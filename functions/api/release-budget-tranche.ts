import * as z from "zod";
import { evolveBudgetLine, initialBudgetLineState } from "../../domain/budget.ts";
import { decideReleaseBudgetTranche } from "../../domain/scheme.ts";
import { localDate } from "../../domain/calendar.ts";
import { AmountCents, CalendarDate, Identifier, streamIds } from "../../events/index.ts";
import { notAfterToday } from "./application-command.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { executeCommand } from "./command.ts";
import { HttpProblem, httpRoute } from "./http.ts";

/** R-VD-01: the board releases a further tranche of a budget line. */
export const handler = httpRoute(
  "ReleaseBudgetTranche",
  {
    path: z.object({ schemeId: Identifier, budgetLineId: Identifier }),
    body: z.object({ amountCents: AmountCents.positive(), boardDecision: z.string().trim().min(1).max(500), decidedOn: CalendarDate.optional() }).strict(),
  },
  async (input) => {
    const { events, schemes, clock } = dependencies();
    const scheme = schemes.get(input.path.schemeId);
    if (!scheme) throw new HttpProblem(404, "not-found", `there is no scheme ${input.path.schemeId}`);
    // Issue 13: the board's decision date, when given, is the tranche's effective date (never in the future).
    const decidedOn = input.body.decidedOn === undefined ? undefined : notAfterToday(input.body.decidedOn, localDate(clock().toISOString(), scheme.definition.timeZone), "decidedOn");
    const { recorded } = await executeCommand({
      store: events,
      streamId: streamIds.budgetLine(scheme.definition.id, input.path.budgetLineId),
      schemeId: scheme.definition.id,
      initial: initialBudgetLineState,
      evolve: evolveBudgetLine,
      // Read in full (it is the record replays are looked up in), and its balance carried on.
      balance: { partners: [] },
      decide: (line) => decideReleaseBudgetTranche(line, { budgetLineId: input.path.budgetLineId, ...input.body, ...(decidedOn ? { decidedOn } : {}) }, scheme),
      input,
    });
    return { status: 201, body: { schemeId: scheme.definition.id, budgetLineId: input.path.budgetLineId, version: recorded.at(-1)?.version ?? null } };
  },
);
