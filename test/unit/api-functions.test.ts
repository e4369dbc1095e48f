import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from "aws-lambda";
import { afterAll, describe, expect, it, vi } from "vitest";
import { type ApiFunction, apiFunctionEntry, apiFunctionOf, apiFunctions, apiRoutes } from "../../functions/api/routes.ts";

const load = async (fn: ApiFunction) => (await import(`../../${apiFunctionEntry(fn)}`)) as { handler: (e: APIGatewayProxyEventV2WithJWTAuthorizer, c: Context) => Promise<{ statusCode?: number; body?: string }> };

function event(routeKey: string, groups: string[]): APIGatewayProxyEventV2WithJWTAuthorizer {
  const [method, path] = routeKey.split(" ") as [string, string];
  return {
    version: "2.0", routeKey, rawPath: path, rawQueryString: "", headers: {}, isBase64Encoded: false,
    requestContext: { requestId: "r-1", routeKey, http: { method, path }, authorizer: { jwt: { claims: { sub: "u-1", "cognito:groups": groups }, scopes: [] } } },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
afterAll(() => stdout.mockRestore());

describe("API functions: a few Lambdas serve every route", () => {
  it("every route belongs to exactly one API function, and the auditor's functions only read", () => {
    for (const route of apiRoutes) expect(apiFunctions).toContain(apiFunctionOf(route));
    for (const route of apiRoutes.filter((r) => (r.roles as ReadonlyArray<string>).includes("auditor"))) expect(route.writes).toBe(false);
  });

  it.each(apiFunctions)("%s loads (its dispatch table lists exactly its routes) and runs each route's own role check", async (fn) => {
    const { handler } = await load(fn);
    for (const route of apiRoutes.filter((r) => apiFunctionOf(r) === fn)) {
      const refused = await handler(event(`${route.method} ${route.path}`, []), {} as Context);
      expect({ route: route.id, status: refused.statusCode }).toEqual({ route: route.id, status: 403 });
    }
  });

  it("a route key the function does not serve is a 404, not a crash", async () => {
    const { handler } = await load("grant-commands");
    const response = await handler(event("POST /applications", ["admin"]), {} as Context);
    expect(response.statusCode).toBe(404);
  });
});
