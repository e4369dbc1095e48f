import { z } from "zod";
import { applicationsProjection } from "../../domain/projections/applications.ts";
import { Identifier } from "../../events/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "./http.ts";

/** A scheme's applications in order of arrival (R-TH-09). */
export const handler = httpRoute("ListApplications", { query: z.object({ schemeId: Identifier }) }, async (input) => {
  const { readModels, schemes } = dependencies();
  if (!schemes.get(input.query.schemeId)) throw new HttpProblem(404, "not-found", `there is no scheme ${input.query.schemeId}`);
  const items = await readModels.list(applicationsProjection.name, `scheme#${input.query.schemeId}`);
  return { status: 200, body: { schemeId: input.query.schemeId, count: items.length, items } };
});
