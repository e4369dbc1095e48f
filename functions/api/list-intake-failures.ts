import * as z from "zod";
import { INTAKE_FAILURES_LIST, type IntakeMailView, intakeProjection } from "../../domain/projections/intake.ts";
import { Identifier } from "../../events/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { httpRoute } from "./http.ts";
import { pageOfList, pageQuery } from "./paged-list.ts";

/**
 * R-X-05: every message the intake could not file (unparseable, truncated, unknown scheme or
 * application), oldest first, for staff to handle; a page at a time with a `next` cursor (issue 15).
 */
export const handler = httpRoute("ListIntakeFailures", { query: z.object({ schemeId: Identifier.optional(), code: z.string().min(1).max(40).optional(), ...pageQuery }) }, async (input) => {
  const { schemeId, code, limit, cursor } = input.query;
  const matches = (m: IntakeMailView) => (!schemeId || m.schemeId === schemeId) && (!code || m.failure?.code === code);
  const page = await pageOfList<IntakeMailView>(dependencies().readModels, intakeProjection.name, INTAKE_FAILURES_LIST, { limit, cursor, matches });
  return { status: 200, body: { count: page.items.length, ...page } };
});
