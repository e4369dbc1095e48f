import * as z from "zod";
import { type IntakeMailView, applicationMailList, intakeProjection } from "../../domain/projections/intake.ts";
import { Identifier } from "../../events/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { httpRoute } from "./http.ts";

/** The messages filed with an application, in order of arrival: what each brought, what was refused, whether it was acknowledged. */
export const handler = httpRoute("ListApplicationMail", { path: z.object({ applicationId: Identifier }) }, async (input) => {
  const { applicationId } = input.path;
  const items = (await dependencies().readModels.list(intakeProjection.name, applicationMailList(applicationId))) as IntakeMailView[];
  return { status: 200, body: { applicationId, count: items.length, items } };
});
