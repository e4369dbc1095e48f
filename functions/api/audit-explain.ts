import { z } from "zod";
import { explainDocument } from "../../audit/explain.ts";
import { projectionNamed } from "../../domain/projections/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { AuditQuery } from "./audit-as-of.ts";
import { HttpProblem, httpRoute } from "./http.ts";

/** The events that produced a read-model value, in order, with who recorded each. */
export const handler = httpRoute("ExplainDocument", { query: AuditQuery.omit({ at: true }).extend({ id: z.string().min(1).max(300) }) }, async (input) => {
  const { events, schemes } = dependencies();
  const { schemeId, projection, id } = input.query;
  if (!schemes.get(schemeId)) throw new HttpProblem(404, "not-found", `there is no scheme ${schemeId}`);
  return { status: 200, body: await explainDocument({ events: events.readSchemes([schemeId]), projection: projectionNamed(projection), documentId: id }) };
});
