import * as z from "zod";
import { localDate } from "../../../domain/calendar.ts";
import type { Decision } from "../../../domain/decision.ts";
import { type HubEvaluationState, type HubRef, evolveHubEvaluation, hubKeyOf, initialHubEvaluationState } from "../../../domain/evaluation.ts";
import { type ApplicationClaim, type ApplicationView, HUBS_LIST, applicationsProjection, hubRange } from "../../../domain/projections/applications.ts";
import type { SchemeDefinition } from "../../../schemes/definition.ts";
import { type DomainEvent, Identifier, streamIds } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { executeCommand } from "../command.ts";
import { claimedViews } from "../claimed-views.ts";
import { HttpProblem, type HttpResult, httpRoute } from "../http.ts";
import type { RouteId } from "../routes.ts";

export const HubPath = z.object({ schemeId: Identifier, hubKey: Identifier });

/** Statuses of an application that funded its hub: only funded hubs are evaluated. */
const funded = new Set(["awarded", "granted"]);

/** The hub behind `hubKey` among the scheme's funded applications (404 when there is none). */
export async function fundedHub(schemeId: string, hubKey: string): Promise<{ hub: HubRef; application: ApplicationView; scheme: SchemeDefinition }> {
  const { readModels, schemes } = dependencies();
  const scheme = schemes.get(schemeId);
  if (!scheme) throw new HttpProblem(404, "not-found", `there is no scheme ${schemeId}`);
  // The hub's applications by its key (a handful: one per instrument, R-TH-07), not the whole scheme (issue 15).
  const claims = (await readModels.page(applicationsProjection.name, HUBS_LIST, { ...hubRange(hubKey, schemeId), limit: 100 })).docs as ApplicationClaim[];
  const application = (await claimedViews(readModels, schemeId, claims)).find((a) => hubKeyOf(a.technohub.name) === hubKey && funded.has(a.status));
  if (!application) throw new HttpProblem(404, "not-found", `there is no funded technohub ${hubKey} in scheme ${schemeId}`);
  return { hub: { schemeId, hubKey, hubName: application.technohub.name, applicationId: application.applicationId }, application, scheme: scheme.definition };
}

/** A command on the evaluation stream of a funded hub (`hub#<schemeId>.<hubKey>`). */
export function hubCommand<B>(spec: {
  routeId: RouteId;
  body: z.ZodType<B>;
  decide: (context: { state: HubEvaluationState; hub: HubRef; scheme: SchemeDefinition; body: B; today: string }) => Decision<DomainEvent>;
}) {
  return httpRoute(spec.routeId, { body: spec.body, path: HubPath }, async (input): Promise<HttpResult> => {
    const deps = dependencies();
    const { schemeId, hubKey } = input.path;
    const { hub, scheme } = await fundedHub(schemeId, hubKey);
    const today = localDate(deps.clock().toISOString(), scheme.timeZone);
    const { recorded, replayed } = await executeCommand({
      store: deps.events,
      streamId: streamIds.hub(schemeId, hubKey),
      schemeId,
      initial: initialHubEvaluationState,
      evolve: evolveHubEvaluation,
      decide: (state) => spec.decide({ state, hub, scheme, body: input.body, today }),
      input,
    });
    const last = recorded.at(-1);
    return {
      status: replayed ? 200 : 201,
      headers: { ...(last ? { etag: `"${last.version}"` } : {}), ...(replayed ? { "idempotent-replayed": "true" } : {}) },
      body: { schemeId, hubKey, hubName: hub.hubName, eventId: last?.eventId ?? null, type: last?.type ?? null, version: last?.version ?? null },
    };
  });
}
