import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openApiDocument, openApiPath, openApiText } from "../../functions/api/openapi.ts";
import { apiRoutes } from "../../functions/api/routes.ts";

/**
 * GetOpenApi serves the committed functions/api/openapi.json instead of importing every route module
 * (its bundle was 1.4 MB). The file must be what the route table and the handlers' schemas generate.
 */
describe("the committed OpenAPI document", () => {
  it("is exactly what the route table and the zod schemas generate (regenerate with `npm run openapi`)", () => {
    const committed = readFileSync(openApiPath, "utf8");
    expect(committed === openApiText(), "functions/api/openapi.json is stale: run npm run openapi and commit it").toBe(true);
  });

  it("names every route of the table, once, by its operation id", () => {
    const paths = openApiDocument().paths as Record<string, Record<string, { operationId: string }>>;
    const operations = Object.values(paths).flatMap((methods) => Object.values(methods).map((o) => o.operationId));
    expect(operations.sort()).toEqual(apiRoutes.map((r) => r.id).sort());
  });
});
