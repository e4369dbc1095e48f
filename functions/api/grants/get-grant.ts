import { grantsProjection } from "../../../domain/projections/grants.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "../http.ts";
import { GrantPath } from "./grant-command.ts";

export const handler = httpRoute("GetGrant", { path: GrantPath }, async (input) => {
  const found = await dependencies().readModels.document(grantsProjection.name, input.path.grantId);
  if (!found) throw new HttpProblem(404, "not-found", `there is no grant ${input.path.grantId}`);
  return { status: 200, body: found.doc };
});
