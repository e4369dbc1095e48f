import * as z from "zod";
import { localDate } from "../../../domain/calendar.ts";
import type { SchemeUnderDecision } from "../../../domain/scheme.ts";
import { CalendarDate, Identifier, type RecordedEvent } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { notAfterToday } from "../application-command.ts";
import { HttpProblem } from "../http.ts";

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
