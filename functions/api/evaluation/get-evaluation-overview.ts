import * as z from "zod";
import { localDate } from "../../../domain/calendar.ts";
import { type ApplicationView, applicationsProjection } from "../../../domain/projections/applications.ts";
import { type HubEvaluationView, evaluationProjection } from "../../../domain/projections/evaluation.ts";
import { CalendarDate, Identifier } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "../http.ts";
import { evaluationOverview, overviewCsv } from "./overview.ts";

/** The evaluation overview of a scheme: per hub and criterion, the classification table (4.3.3), the allocation matrix; JSON or CSV. */
export const handler = httpRoute(
  "GetEvaluationOverview",
  { path: z.object({ schemeId: Identifier }), query: z.object({ format: z.enum(["json", "csv"]).default("json"), today: CalendarDate.optional() }).strict() },
  async (input) => {
    const { readModels, schemes, clock } = dependencies();
    const scheme = schemes.get(input.path.schemeId);
    if (!scheme) throw new HttpProblem(404, "not-found", `there is no scheme ${input.path.schemeId}`);
    const list = `scheme#${scheme.definition.id}`;
    const [applications, evaluations] = await Promise.all([readModels.list(applicationsProjection.name, list), readModels.list(evaluationProjection.name, list)]);
    const today = input.query.today ?? localDate(clock().toISOString(), scheme.definition.timeZone);
    const overview = evaluationOverview(scheme.definition, applications as ApplicationView[], evaluations as HubEvaluationView[], today);
    if (input.query.format === "csv") {
      return { status: 200, headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="evaluation-${scheme.definition.id}.csv"` }, body: overviewCsv(overview), raw: true };
    }
    return { status: 200, body: overview };
  },
);
