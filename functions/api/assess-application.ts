import * as z from "zod";
import { decideAssess } from "../../domain/application.ts";
import type { OtherApplication } from "../../domain/eligibility.ts";
import { type ApplicationClaim, applicationsProjection, arrivalKey, hubClaimList, regionClaimList } from "../../domain/projections/applications.ts";
import type { EventData } from "../../events/index.ts";
import type { Dependencies } from "../runtime/dependencies.ts";
import { applicationCommand } from "./application-command.ts";
import { claimedViews } from "./claimed-views.ts";

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
  prepare: ({ registration, deps }) => competitorsOf(registration, deps),
  decide: ({ states, body, applicationId, scheme, prepared }) => decideAssess(states.application, { applicationId, others: prepared, answers: body.answers }, scheme),
});

/**
 * The applications that name the same hub or the same region (issue 15): two queries of those lists
 * and one for the current view of each application found, so the cost follows the hub's and the region's
 * applications, not the scheme's. In arrival order, as the scheme's list (the first competitor named).
 */
async function competitorsOf(registration: EventData<"ApplicationRegistered">, deps: Dependencies): Promise<OtherApplication[]> {
  const { readModels } = deps;
  const name = applicationsProjection.name;
  const region = registration.technohub.region;
  const lists = await Promise.all([
    readModels.list(name, hubClaimList(registration.schemeId, registration.technohub.name)),
    region ? readModels.list(name, regionClaimList(registration.schemeId, region)) : Promise.resolve([]),
  ]);
  const claims = [...new Map((lists.flat() as ApplicationClaim[]).map((claim) => [claim.applicationId, claim])).values()];
  return (await claimedViews(readModels, registration.schemeId, claims))
    .sort((a, b) => (arrivalKey(a) < arrivalKey(b) ? -1 : arrivalKey(a) > arrivalKey(b) ? 1 : 0))
    .map((v) => ({ applicationId: v.applicationId, technohub: v.technohub.name, region: v.technohub.region, instrumentId: v.instrumentId, receivedAt: v.receivedAt, status: v.status }));
}
