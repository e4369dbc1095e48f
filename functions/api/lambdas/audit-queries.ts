import { handler as explainDocument } from "../audit-explain.ts";
import { handler as getStateAsOf } from "../audit-as-of.ts";
import { dispatcher } from "../dispatch.ts";

/** The audit-queries API function: ExplainDocument, GetStateAsOf. */
export const handler = dispatcher("audit-queries", {
  ExplainDocument: explainDocument,
  GetStateAsOf: getStateAsOf,
});
