import { type ApplicationClaim, type ApplicationView, applicationsProjection, arrivalKey } from "../../domain/projections/applications.ts";
import type { DynamoDbReadModelStore } from "../projector/read-model-store.ts";

/**
 * The current view of each claimed application (issue 15), by its key in the scheme's list: a Query
 * on the list index, all that the routes looking claims up may read (infra/stack.ts: the assessment
 * and the hub commands). In the claims' order.
 */
export async function claimedViews(readModels: Pick<DynamoDbReadModelStore, "page">, schemeId: string, claims: ReadonlyArray<ApplicationClaim>): Promise<ApplicationView[]> {
  const pages = await Promise.all(claims.map((claim) => readModels.page(applicationsProjection.name, `scheme#${schemeId}`, { from: arrivalKey(claim), to: arrivalKey(claim), limit: 1 })));
  return pages.flatMap((page) => page.docs as ApplicationView[]);
}
