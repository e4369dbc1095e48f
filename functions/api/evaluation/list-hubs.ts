import * as z from "zod";
import { hubKeyOf } from "../../../domain/evaluation.ts";
import { type ApplicationClaim, type ApplicationView, HUBS_LIST, applicationsProjection, hubRange } from "../../../domain/projections/applications.ts";
import { Identifier } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "../http.ts";
import { MAX_SCANNED } from "../paged-list.ts";

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

/**
 * The hub registry a page of hubs at a time (issue 15): at most `limit` hubs (default 100, at most
 * 500) in order of key, each with all its applications, and a `next` cursor while more follow;
 * `hubKey` gives the one hub. Read from the applications' hub entries (HUBS_LIST) and each
 * application's current view by its key, never from every scheme's whole list.
 */
export const handler = httpRoute(
  "ListHubs",
  { query: z.object({ hubKey: Identifier.optional(), limit: z.coerce.number().int().min(1).max(500).default(100), cursor: z.string().min(1).max(1000).optional() }).strict() },
  async (input) => {
    const { readModels } = dependencies();
    const { hubKey, limit, cursor } = input.query;
    const range = hubKey ? hubRange(hubKey) : { from: "\u0000", to: "\uffff" };
    // After the cursor's hub: every entry of it sorts below `<key>#\uffff`.
    let from = cursor ? `${hubKeyOfCursor(cursor)}#\uffff` : range.from;
    const claims: ApplicationClaim[] = [];
    const keys: string[] = [];
    let more = false;
    while (from <= range.to) {
      const page = await readModels.page(applicationsProjection.name, HUBS_LIST, { from, to: range.to, limit: 200 });
      for (const claim of page.docs as ApplicationClaim[]) {
        const key = hubKeyOf(claim.technohub);
        // A page ends between two hubs, never inside one: a hub's entries are a handful (R-TH-07).
        if (keys.at(-1) !== key && (keys.length >= limit || claims.length >= MAX_SCANNED)) {
          more = true;
          break;
        }
        if (keys.at(-1) !== key) keys.push(key);
        claims.push(claim);
      }
      if (more || !page.more) break;
      from = `${page.sortKeys.at(-1)}\u0000`;
    }
    const views = await readModels.documentsById(applicationsProjection.name, claims.map((c) => c.applicationId));
    const items = hubRegistry(claims.flatMap((c) => (views.has(c.applicationId) ? [views.get(c.applicationId)!.doc as ApplicationView] : [])));
    return { status: 200, body: { count: items.length, items, ...(more ? { next: Buffer.from(keys.at(-1)!, "utf8").toString("base64url") } : {}) } };
  },
);

function hubKeyOfCursor(cursor: string): string {
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  if (!/^[a-z0-9-]+$/.test(key) || Buffer.from(key, "utf8").toString("base64url") !== cursor) throw new HttpProblem(400, "invalid", "cursor is not one this list gave out");
  return key;
}
