import * as z from "zod";
import { type ApplicationView, applicationsProjection } from "../../domain/projections/applications.ts";
import { Identifier } from "../../events/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "./http.ts";
import { pageOfList, pageQuery } from "./paged-list.ts";

/**
 * A scheme's applications in order of arrival (R-TH-09), a page at a time (issue 15): at most
 * `limit` (default 100, at most 500) and a `next` cursor while more follow (`?cursor=`), optionally
 * of one region (R-TH-08), status, round or hub. `count` is the number on this page.
 */
export const handler = httpRoute(
  "ListApplications",
  {
    query: z.object({
      schemeId: Identifier,
      region: z.string().trim().min(1).max(200).optional(),
      status: z.string().min(1).max(40).optional(),
      round: z.string().trim().min(1).max(100).optional(),
      hub: z.string().trim().min(1).max(200).optional(),
      ...pageQuery,
    }),
  },
  async (input) => {
    const { readModels, schemes } = dependencies();
    const { schemeId, region, status, round, hub, limit, cursor } = input.query;
    if (!schemes.get(schemeId)) throw new HttpProblem(404, "not-found", `there is no scheme ${schemeId}`);
    const matches = (v: ApplicationView) =>
      (!region || v.technohub.region?.toLowerCase() === region.toLowerCase()) &&
      (!status || v.status === status) &&
      (!round || v.queue?.roundId === round || v.award?.roundId === round) &&
      (!hub || v.technohub.name.toLowerCase() === hub.toLowerCase());
    const page = await pageOfList<ApplicationView>(readModels, applicationsProjection.name, `scheme#${schemeId}`, { limit, cursor, matches });
    return { status: 200, body: { schemeId, count: page.items.length, ...page } };
  },
);
