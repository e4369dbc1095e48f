import { z } from "zod";
import { localDate } from "../../../domain/calendar.ts";
import { unmetCommitments } from "../../../domain/evaluation.ts";
import { type HubEvaluationView, evaluationProjection } from "../../../domain/projections/evaluation.ts";
import { CalendarDate } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "../http.ts";
import { HubPath } from "./hub-command.ts";

/** One hub's evaluation with its history: every classification and self-evaluation version, findings, commitments. */
export const handler = httpRoute("GetHubEvaluation", { path: HubPath, query: z.object({ today: CalendarDate.optional() }).strict() }, async (input) => {
  const { readModels, schemes, clock } = dependencies();
  const { schemeId, hubKey } = input.path;
  const scheme = schemes.get(schemeId);
  if (!scheme) throw new HttpProblem(404, "not-found", `there is no scheme ${schemeId}`);
  const found = await readModels.document(evaluationProjection.name, `${schemeId}.${hubKey}`);
  if (!found) throw new HttpProblem(404, "not-found", `there is no evaluation of ${hubKey} in scheme ${schemeId}`);
  const view = found.doc as HubEvaluationView;
  const today = input.query.today ?? localDate(clock().toISOString(), scheme.definition.timeZone);
  const unmet = unmetCommitments(scheme.definition, view.sessionsAttended.map((s) => s.sessionId), view.ozoneModules.length, today);
  return { status: 200, headers: { etag: `"${view.version}"` }, body: { ...view, today, unmetCommitments: unmet } };
});
