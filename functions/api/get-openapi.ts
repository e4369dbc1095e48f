import document from "./openapi.json" with { type: "json" };
import { httpRoute } from "./http.ts";

/**
 * The staff API's OpenAPI document. It is generated from the route table and the handlers' zod
 * schemas (functions/api/openapi.ts, `npm run openapi`) and committed; a test keeps the file equal to
 * what they generate. Serving the file keeps every route module out of this Lambda's bundle.
 */
export const handler = httpRoute("GetOpenApi", {}, async () => ({ status: 200, body: document as Record<string, unknown> }));
