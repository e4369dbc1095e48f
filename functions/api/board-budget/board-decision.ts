import * as z from "zod";
import { localDate } from "../../../domain/calendar.ts";
import type { SchemeUnderDecision } from "../../../domain/scheme.ts";
import type { BudgetLineState } from "../../../domain/budget.ts";
import type { Decision } from "../../../domain/decision.ts";
import { CalendarDate, type DomainEvent, Identifier, type RecordedEvent, streamIds } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { notAfterToday } from "../application-command.ts";
import { budgetLineStream, executeCommand } from "../command.ts";
import { HttpProblem, type ParsedInput } from "../http.ts";

/** The line a board decision is about (issue 13). */
export const BudgetLinePath = z.object({ schemeId: Identifier, budgetLineId: Identifier });

/** What every board decision states: its reference in the minutes and the day it was taken. */
export const boardDecisionFields = {
  boardDecision: z.string().trim().min(1).max(500),
  decidedOn: CalendarDate,
};

/** The scheme of the path, and the decision's date checked against today in the scheme's time zone (never in the future). */
export function boardDecisionContext(schemeId: string, decidedOn: string): { scheme: SchemeUnderDecision; decidedOn: string } {
  const { schemes, clock } = dependencies();
  const scheme = schemes.get(schemeId);
  if (!scheme) throw new HttpProblem(404, "not-found", `there is no scheme ${schemeId}`);
  return { scheme, decidedOn: notAfterToday(decidedOn, localDate(clock().toISOString(), scheme.definition.timeZone), "decidedOn") };
}

/** The answer to a recorded (or replayed) board decision: each event with its stream and version. */
export function boardDecisionAnswer(schemeId: string, recorded: ReadonlyArray<RecordedEvent>) {
  return { status: 201, body: { schemeId, recorded: recorded.map((e) => ({ streamId: e.streamId, version: e.version, type: e.type, data: e.data })) } };
}

/**
 * A board decision about the path's line alone: the line is read in full (its history holds the
 * tranches a correction names, and it is the record a retried request is looked up in), and its
 * balance is carried on beside the new events.
 */
export async function recordLineDecision(
  input: ParsedInput<{ decidedOn: string }, { schemeId: string; budgetLineId: string }, unknown>,
  decide: (context: { scheme: SchemeUnderDecision; decidedOn: string }, line: BudgetLineState, history: ReadonlyArray<RecordedEvent>) => Decision<DomainEvent>,
) {
  const context = boardDecisionContext(input.path.schemeId, input.body.decidedOn);
  const schemeId = context.scheme.definition.id;
  const { recorded } = await executeCommand({
    store: dependencies().events,
    ...budgetLineStream(streamIds.budgetLine(schemeId, input.path.budgetLineId)),
    schemeId,
    decide: (line, history) => decide(context, line, history),
    input,
  });
  return boardDecisionAnswer(schemeId, recorded);
}
