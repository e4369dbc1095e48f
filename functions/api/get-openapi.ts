import { httpRoute } from "./http.ts";
import { openApiDocument } from "./openapi.ts";

let document: Record<string, unknown> | undefined;

export const handler = httpRoute("GetOpenApi", {}, async () => {
  document ??= openApiDocument();
  return { status: 200, body: document };
});
