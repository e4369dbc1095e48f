import { z } from "zod";
import { stateAsOf } from "../../audit/replay.ts";
import { projectionNamed, projections } from "../../domain/projections/index.ts";
import { Identifier, Instant } from "../../events/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "./http.ts";

export const AuditQuery = z.object({
  schemeId: Identifier,
  projection: z.enum(projections.map((p) => p.name) as [string, ...string[]]),
  id: z.string().min(1).max(300).optional(),
  /** An instant, or a date meaning the end of that day (UTC). */
  at: z.union([Instant, z.iso.date().transform((d) => `${d}T23:59:59.999Z`)]),
});

/**
 * R-X-04: a read model as it was at a past moment, rebuilt from the events alone (never from
 * the live read models). Large schemes belong in the CLI: a replay runs at 10-18k events/s.
 */
export const handler = httpRoute("GetStateAsOf", { query: AuditQuery }, async (input) => {
  const { events, schemes } = dependencies();
  const { schemeId, projection, id, at } = input.query;
  if (!schemes.get(schemeId)) throw new HttpProblem(404, "not-found", `there is no scheme ${schemeId}`);
  const state = await stateAsOf({ events: events.readSchemes([schemeId], { until: at }), projection: projectionNamed(projection), asOf: at, documentId: id });
  return { status: 200, body: state };
});
