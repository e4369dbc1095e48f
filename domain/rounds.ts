import type { SchemeDefinition } from "../schemes/definition.ts";
import { addDays, localDate } from "./calendar.ts";

type Round = SchemeDefinition["committeeRounds"][number];

/**
 * R-TH-10: a complete application goes to the first round that takes its instrument and whose
 * submission deadline (inclusive, scheme-local date) it meets; a late one rolls to the next.
 * Undefined when no round is left (e.g. after the last execution round).
 */
export function roundFor(scheme: SchemeDefinition, instrumentId: string, completedAt: string): Round | undefined {
  const completedOn = localDate(completedAt, scheme.timeZone);
  return [...scheme.committeeRounds]
    .sort((a, b) => a.submissionDeadline.localeCompare(b.submissionDeadline))
    .find((round) => round.instrumentIds.includes(instrumentId) && completedOn <= round.submissionDeadline);
}

/**
 * R-TH-09: the queue orders by the arrival of the piece that made the application complete, ties
 * by its first arrival, then by id so the order is total. A sortable text key.
 */
export const queueKey = (completedAt: string, firstReceivedAt: string, applicationId: string) => `${completedAt}|${firstReceivedAt}|${applicationId}`;

export type DeadlineStatus = "on-time" | "nearing" | "overdue";

/** R-VD-06: the decision is due `days` after the application; `warningDays` before that it is nearing. */
export function decisionDeadline(receivedAt: string, scheme: SchemeDefinition): { dueOn: string; warnFrom: string } | undefined {
  if (scheme.decisionDeadlineDays === null) return undefined;
  const dueOn = addDays(localDate(receivedAt, scheme.timeZone), scheme.decisionDeadlineDays);
  return { dueOn, warnFrom: addDays(dueOn, -(scheme.decisionDeadlineWarningDays ?? 0)) };
}

export function deadlineStatus(deadline: { dueOn: string; warnFrom: string }, today: string): DeadlineStatus {
  if (today > deadline.dueOn) return "overdue";
  return today >= deadline.warnFrom ? "nearing" : "on-time";
}
