import { z } from "zod";
import { decideAssess } from "../../domain/application.ts";
import type { OtherApplication } from "../../domain/eligibility.ts";
import { type ApplicationView, applicationsProjection } from "../../domain/projections/applications.ts";
import { applicationCommand } from "./application-command.ts";

export const AssessBody = z
  .object({
    /** Answers to the scheme's yes/no and project-plan checks, by check id (R-VD-05 A-E). */
    answers: z.record(z.string(), z.object({ answer: z.boolean(), note: z.string().trim().min(1).max(2000).optional() }).strict()).default({}),
  })
  .strict();

/**
 * The assessor's check: every eligibility rule with its outcome and reason, the eligible costs
 * and the maximum amount with its derivation. The scheme's other applications (one per hub,
 * R-TH-07; overlap in the region, R-TH-08) come from the read model and are stored with it.
 */
export const handler = applicationCommand({
  routeId: "AssessApplication",
  body: AssessBody,
  prepare: async ({ registration, deps }): Promise<OtherApplication[]> => {
    const views = (await deps.readModels.list(applicationsProjection.name, `scheme#${registration.schemeId}`)) as ApplicationView[];
    return views.map((v) => ({ applicationId: v.applicationId, technohub: v.technohub.name, region: v.technohub.region, instrumentId: v.instrumentId, receivedAt: v.receivedAt, status: v.status }));
  },
  decide: ({ states, body, applicationId, scheme, prepared }) => decideAssess(states.application, { applicationId, others: prepared, answers: body.answers }, scheme),
});
