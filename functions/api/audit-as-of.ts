import * as z from "zod";
import { stateAsOf, timeAxes } from "../../audit/replay.ts";
import type { EffectiveDateContext } from "../../domain/effective-date.ts";
import { projectionNamed, projections } from "../../domain/projections/index.ts";
import { Identifier, Instant } from "../../events/index.ts";
import type { SchemeCatalogue } from "../../schemes/load.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "./http.ts";

/** An instant, or a date meaning the end of that day (UTC). */
const Moment = z.union([Instant, z.iso.date().transform((d) => `${d}T23:59:59.999Z`)]);

export const AuditQuery = z.object({
  schemeId: Identifier,
  projection: z.enum(projections.map((p) => p.name) as [string, ...string[]]),
  id: z.string().min(1).max(300).optional(),
  /** The asked moment: a recorded time (axis=recorded), or an effective date D (axis=business). */
  at: Moment,
  /** recorded (default): as recorded at `at`. business: effective on `at`, as known at `knownAt`. */
  axis: z.enum(timeAxes as ["recorded", "business"]).default("recorded"),
  /** Business axis: the recorded time T the answer is known at (default: now). */
  knownAt: Moment.optional(),
});

/** The scheme's set-up events count from its term's opening date (domain/effective-date.ts). */
export const effectiveDatesOf = (schemes: SchemeCatalogue): EffectiveDateContext => ({ schemeOpensOn: (schemeId) => schemes.get(schemeId)?.definition.term.opens });

/**
 * R-X-04: a read model as it was at a past moment, rebuilt from the events alone (never from
 * the live read models), on either time axis (bitemporal: recorded time, or business time as
 * known at a recorded time), with the events known later than their date listed as backdated.
 * Large schemes belong in the CLI: a replay runs at 10-18k events/s.
 */
export const handler = httpRoute("GetStateAsOf", { query: AuditQuery }, async (input) => {
  const { events, schemes } = dependencies();
  const { schemeId, projection, id, at, axis, knownAt } = input.query;
  if (!schemes.get(schemeId)) throw new HttpProblem(404, "not-found", `there is no scheme ${schemeId}`);
  if (axis === "recorded" && knownAt !== undefined) throw new HttpProblem(400, "invalid", "knownAt belongs to axis=business: on the recorded axis, at is the recorded time");
  const known = axis === "business" ? (knownAt ?? new Date().toISOString()) : at;
  const state = await stateAsOf({
    events: events.readSchemes([schemeId], { until: known }),
    projection: projectionNamed(projection),
    asOf: at,
    documentId: id,
    axis,
    knownAt: known,
    effectiveDates: effectiveDatesOf(schemes),
  });
  return { status: 200, body: state };
});
