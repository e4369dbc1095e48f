import * as z from "zod";
import { hubKeyOf } from "../../../domain/evaluation.ts";
import { type ApplicationView, applicationsProjection } from "../../../domain/projections/applications.ts";
import { Identifier } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { httpRoute } from "../http.ts";

export interface HubRecord {
  readonly hubKey: string;
  readonly name: string;
  readonly regions: ReadonlyArray<string>;
  readonly leadApplicant: string | null;
  readonly partners: ReadonlyArray<{ name: string; kindId: string }>;
  readonly applications: ReadonlyArray<{ schemeId: string; applicationId: string; instrumentId: string; status: string; receivedAt: string; requestedAmountCents: number; awardedCents: number | null; grantId: string | null }>;
}

/** The hub registry: each technohub across every scheme, with its applications and grants (from the application read models). */
export function hubRegistry(applications: ReadonlyArray<ApplicationView>): HubRecord[] {
  const byKey = new Map<string, ApplicationView[]>();
  for (const a of applications) byKey.set(hubKeyOf(a.technohub.name), [...(byKey.get(hubKeyOf(a.technohub.name)) ?? []), a]);
  return [...byKey]
    .map(([hubKey, apps]) => {
      const sorted = [...apps].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
      const latestDetails = sorted.filter((a) => a.details).at(-1)?.details ?? null;
      return {
        hubKey,
        name: sorted.at(-1)!.technohub.name,
        regions: [...new Set(sorted.flatMap((a) => (a.technohub.region ? [a.technohub.region] : [])))],
        leadApplicant: latestDetails?.leadApplicant?.companyName ?? sorted.at(-1)!.applicant.companyName,
        partners: latestDetails?.partners ?? [],
        applications: sorted.map((a) => ({
          schemeId: a.schemeId,
          applicationId: a.applicationId,
          instrumentId: a.instrumentId,
          status: a.status,
          receivedAt: a.receivedAt,
          requestedAmountCents: a.requestedAmountCents,
          awardedCents: a.award?.amountCents ?? null,
          grantId: a.awardLetter?.grantId ?? null,
        })),
      };
    })
    .sort((a, b) => a.hubKey.localeCompare(b.hubKey));
}

export const handler = httpRoute("ListHubs", { query: z.object({ hubKey: Identifier.optional() }).strict() }, async (input) => {
  const { readModels, schemes } = dependencies();
  const lists = await Promise.all(schemes.all().map((s) => readModels.list(applicationsProjection.name, `scheme#${s.definition.id}`)));
  const items = hubRegistry(lists.flat() as ApplicationView[]).filter((h) => !input.query.hubKey || h.hubKey === input.query.hubKey);
  return { status: 200, body: { count: items.length, items } };
});
