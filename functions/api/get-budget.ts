import * as z from "zod";
import { budgetLinesProjection } from "../../domain/projections/budget-lines.ts";
import { Identifier } from "../../events/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "./http.ts";

/** The budget position per line: amount, released, reserved, committed, available (R-X-02). */
export const handler = httpRoute("GetBudget", { path: z.object({ schemeId: Identifier }) }, async (input) => {
  const { readModels, schemes } = dependencies();
  if (!schemes.get(input.path.schemeId)) throw new HttpProblem(404, "not-found", `there is no scheme ${input.path.schemeId}`);
  const lines = await readModels.list(budgetLinesProjection.name, `scheme#${input.path.schemeId}`);
  return { status: 200, body: { schemeId: input.path.schemeId, budgetLines: lines } };
});
