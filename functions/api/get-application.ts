import * as z from "zod";
import { applicationsProjection } from "../../domain/projections/applications.ts";
import { Identifier } from "../../events/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "./http.ts";

export const handler = httpRoute("GetApplication", { path: z.object({ applicationId: Identifier }) }, async (input) => {
  const found = await dependencies().readModels.document(applicationsProjection.name, input.path.applicationId);
  if (!found) throw new HttpProblem(404, "not-found", `there is no application ${input.path.applicationId}`);
  const view = found.doc as { version: number };
  return { status: 200, headers: { etag: `"${view.version}"` }, body: view };
});
