import * as z from "zod";
import { localDate } from "../../domain/calendar.ts";
import { type ApplicationView, applicationsProjection } from "../../domain/projections/applications.ts";
import { deadlineStatus, decisionDeadline } from "../../domain/rounds.ts";
import { CalendarDate, Identifier } from "../../events/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "./http.ts";

const undecided = new Set(["registered", "incomplete", "queued", "refused"]);

/** R-VD-06: undecided applications nearing or past their decision deadline. */
export const handler = httpRoute(
  "ListDecisionDeadlines",
  { path: z.object({ schemeId: Identifier }), query: z.object({ today: CalendarDate.optional() }) },
  async (input) => {
    const { readModels, schemes, clock } = dependencies();
    const scheme = schemes.get(input.path.schemeId);
    if (!scheme) throw new HttpProblem(404, "not-found", `there is no scheme ${input.path.schemeId}`);
    const today = input.query.today ?? localDate(clock().toISOString(), scheme.definition.timeZone);
    if (scheme.definition.decisionDeadlineDays === null) return { status: 200, body: { schemeId: scheme.definition.id, today, tracked: false, items: [] } };
    const views = (await readModels.list(applicationsProjection.name, `scheme#${scheme.definition.id}`)) as ApplicationView[];
    const items = views
      .filter((v) => undecided.has(v.status))
      .map((v) => {
        const deadline = decisionDeadline(v.receivedAt, scheme.definition)!;
        return { applicationId: v.applicationId, technohub: v.technohub.name, status: v.status, receivedAt: v.receivedAt, dueOn: deadline.dueOn, deadline: deadlineStatus(deadline, today) };
      })
      .filter((i) => i.deadline !== "on-time")
      .sort((a, b) => a.dueOn.localeCompare(b.dueOn));
    return { status: 200, body: { schemeId: scheme.definition.id, today, tracked: true, decisionDeadlineDays: scheme.definition.decisionDeadlineDays, ruleIds: ["R-VD-06"], items } };
  },
);
