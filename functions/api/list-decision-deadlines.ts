import * as z from "zod";
import { addDays, localDate } from "../../domain/calendar.ts";
import { type ApplicationView, applicationsProjection } from "../../domain/projections/applications.ts";
import { deadlineStatus, decisionDeadline } from "../../domain/rounds.ts";
import { CalendarDate, Identifier } from "../../events/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "./http.ts";
import { pageOfList, pageQuery } from "./paged-list.ts";

const undecided = new Set(["registered", "incomplete", "queued", "refused"]);

/**
 * R-VD-06: undecided applications nearing or past their decision deadline, soonest due first, a
 * page at a time (issue 15). The deadline follows the day of receipt, so the scheme's list in order
 * of arrival is in order of deadline, and nothing received after the last day that can be nearing
 * today is read.
 */
export const handler = httpRoute(
  "ListDecisionDeadlines",
  { path: z.object({ schemeId: Identifier }), query: z.object({ today: CalendarDate.optional(), ...pageQuery }) },
  async (input) => {
    const { readModels, schemes, clock } = dependencies();
    const scheme = schemes.get(input.path.schemeId);
    if (!scheme) throw new HttpProblem(404, "not-found", `there is no scheme ${input.path.schemeId}`);
    const definition = scheme.definition;
    const today = input.query.today ?? localDate(clock().toISOString(), definition.timeZone);
    if (definition.decisionDeadlineDays === null) return { status: 200, body: { schemeId: definition.id, today, tracked: false, count: 0, items: [] } };
    const status = (v: ApplicationView) => deadlineStatus(decisionDeadline(v.receivedAt, definition)!, today);
    // Received on this local day at the latest to be nearing today; two days on in UTC covers every time zone's offset.
    const lastNearing = addDays(today, (definition.decisionDeadlineWarningDays ?? 0) - definition.decisionDeadlineDays);
    const page = await pageOfList<ApplicationView>(readModels, applicationsProjection.name, `scheme#${definition.id}`, {
      ...input.query,
      matches: (v) => undecided.has(v.status) && status(v) !== "on-time",
      to: `${addDays(lastNearing, 2)}\uffff`,
    });
    const items = page.items.map((v) => {
      const deadline = decisionDeadline(v.receivedAt, definition)!;
      return { applicationId: v.applicationId, technohub: v.technohub.name, status: v.status, receivedAt: v.receivedAt, dueOn: deadline.dueOn, deadline: deadlineStatus(deadline, today) };
    });
    return {
      status: 200,
      body: { schemeId: definition.id, today, tracked: true, decisionDeadlineDays: definition.decisionDeadlineDays, ruleIds: ["R-VD-06"], count: items.length, items, ...(page.next ? { next: page.next } : {}) },
    };
  },
);
