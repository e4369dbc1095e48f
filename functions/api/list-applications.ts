import { z } from "zod";
import { type ApplicationView, applicationsProjection } from "../../domain/projections/applications.ts";
import { Identifier } from "../../events/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "./http.ts";

/** A scheme's applications in order of arrival (R-TH-09), optionally of one region (R-TH-08) or status. */
export const handler = httpRoute(
  "ListApplications",
  { query: z.object({ schemeId: Identifier, region: z.string().trim().min(1).max(200).optional(), status: z.string().min(1).max(40).optional() }) },
  async (input) => {
    const { readModels, schemes } = dependencies();
    const { schemeId, region, status } = input.query;
    if (!schemes.get(schemeId)) throw new HttpProblem(404, "not-found", `there is no scheme ${schemeId}`);
    const all = (await readModels.list(applicationsProjection.name, `scheme#${schemeId}`)) as ApplicationView[];
    const items = all.filter((v) => (!region || v.technohub.region?.toLowerCase() === region.toLowerCase()) && (!status || v.status === status));
    return { status: 200, body: { schemeId, count: items.length, items } };
  },
);
