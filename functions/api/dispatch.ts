import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { type ApiFunction, type RouteId, apiFunctionOf, apiRoutes } from "./routes.ts";

type RouteHandler = (event: never, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * One Lambda serving several routes: API Gateway names the route in `routeKey` ("POST /grants/{grantId}/invoices"),
 * and each route's own middy chain (roles, validation, problems) runs unchanged. The table must list
 * exactly the routes the route table assigns to this function, or the module refuses to load.
 */
export function dispatcher(fn: ApiFunction, handlers: Partial<Record<RouteId, RouteHandler>>) {
  const expected = apiRoutes.filter((r) => apiFunctionOf(r) === fn).map((r) => r.id).sort();
  const given = Object.keys(handlers).sort();
  if (expected.join() !== given.join()) throw new Error(`API function ${fn} must serve exactly ${expected.join(", ")}; it serves ${given.join(", ")}`);
  const byRouteKey = new Map(apiRoutes.filter((r) => apiFunctionOf(r) === fn).map((r) => [`${r.method} ${r.path}`, handlers[r.id]!]));
  return async (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const handler = byRouteKey.get(event.routeKey);
    if (!handler) return { statusCode: 404, headers: { "content-type": "application/problem+json" }, body: JSON.stringify({ title: "not-found", status: 404, detail: `no route ${event.routeKey}` }) };
    return handler(event as never, context);
  };
}
