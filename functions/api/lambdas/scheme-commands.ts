import { handler as openScheme } from "../open-scheme.ts";
import { handler as releaseBudgetTranche } from "../release-budget-tranche.ts";
import { dispatcher } from "../dispatch.ts";

/** The scheme-commands API function: OpenScheme, ReleaseBudgetTranche. */
export const handler = dispatcher("scheme-commands", {
  OpenScheme: openScheme,
  ReleaseBudgetTranche: releaseBudgetTranche,
});
