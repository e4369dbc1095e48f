import * as z from "zod";
import { type ApplicationView, agendaProjection } from "../../domain/projections/applications.ts";
import { Identifier } from "../../events/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "./http.ts";
import { pageOfList, pageQuery } from "./paged-list.ts";

/** R-TH-10: a committee round's agenda, in queue order (R-TH-09), a page at a time with a `next` cursor (issue 15). */
export const handler = httpRoute("GetRoundAgenda", { path: z.object({ schemeId: Identifier, roundId: Identifier }), query: z.object(pageQuery) }, async (input) => {
  const { readModels, schemes } = dependencies();
  const scheme = schemes.get(input.path.schemeId);
  if (!scheme) throw new HttpProblem(404, "not-found", `there is no scheme ${input.path.schemeId}`);
  const round = scheme.definition.committeeRounds.find((r) => r.id === input.path.roundId);
  if (!round) throw new HttpProblem(404, "not-found", `scheme ${input.path.schemeId} has no round ${input.path.roundId}`, { rounds: scheme.definition.committeeRounds.map((r) => r.id) });
  const page = await pageOfList<ApplicationView>(readModels, agendaProjection.name, `round#${input.path.schemeId}#${input.path.roundId}`, input.query);
  return { status: 200, body: { schemeId: input.path.schemeId, round, count: page.items.length, ...page } };
});
