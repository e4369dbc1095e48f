import * as z from "zod";
import { INTAKE_FAILURES_LIST, type IntakeMailView, intakeProjection } from "../../domain/projections/intake.ts";
import { Identifier } from "../../events/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { httpRoute } from "./http.ts";

/** R-X-05: every message the intake could not file (unparseable, truncated, unknown scheme or application), oldest first, for staff to handle. */
export const handler = httpRoute("ListIntakeFailures", { query: z.object({ schemeId: Identifier.optional(), code: z.string().min(1).max(40).optional() }) }, async (input) => {
  const { schemeId, code } = input.query;
  const all = (await dependencies().readModels.list(intakeProjection.name, INTAKE_FAILURES_LIST)) as IntakeMailView[];
  const items = all.filter((m) => (!schemeId || m.schemeId === schemeId) && (!code || m.failure?.code === code));
  return { status: 200, body: { count: items.length, items } };
});
