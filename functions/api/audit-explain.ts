import * as z from "zod";
import { explainDocument } from "../../audit/explain.ts";
import { projectionNamed } from "../../domain/projections/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { AuditQuery, effectiveDatesOf } from "./audit-as-of.ts";
import { HttpProblem, httpRoute } from "./http.ts";

/**
 * The events that produced a read-model value, in order, with who recorded each and when each took
 * effect; with `at`, as the value stood then on `axis` (recorded by default, or business as known at `knownAt`).
 */
export const handler = httpRoute("ExplainDocument", { query: AuditQuery.extend({ id: z.string().min(1).max(300), at: AuditQuery.shape.at.optional() }) }, async (input) => {
  const { events, schemes } = dependencies();
  const { schemeId, projection, id, at, axis, knownAt } = input.query;
  if (!schemes.get(schemeId)) throw new HttpProblem(404, "not-found", `there is no scheme ${schemeId}`);
  if (axis === "recorded" && knownAt !== undefined) throw new HttpProblem(400, "invalid", "knownAt belongs to axis=business: on the recorded axis, at is the recorded time");
  const until = axis === "business" ? knownAt : at;
  return {
    status: 200,
    body: await explainDocument({
      events: events.readSchemes([schemeId], until === undefined ? {} : { until }),
      projection: projectionNamed(projection),
      documentId: id,
      axis,
      at,
      knownAt,
      effectiveDates: effectiveDatesOf(schemes),
    }),
  };
});
