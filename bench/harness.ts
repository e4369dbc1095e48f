import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from "aws-lambda";
import { type StaffRole, apiRoutes } from "../functions/api/routes.ts";
import { DynamoDbReadModelStore } from "../functions/projector/read-model-store.ts";
import { type Dependencies, useDependencies } from "../functions/runtime/dependencies.ts";
import { createTable } from "../functions/store/create-tables.ts";
import { DynamoDbEventStore } from "../functions/store/dynamodb-event-store.ts";
import { eventsTable, readModelsTable } from "../functions/store/tables.ts";
import { type DynamoDbLocal, localCredentials, localRegion, startDynamoDbLocal } from "../local/dynamodb-local.ts";
import { bundledSchemes } from "../schemes/bundled.ts";

/**
 * The staff API's handlers called in this process, as API Gateway invokes them (payload 2.0, the
 * JWT authorizer's claims, a 10 s Lambda context), on DynamoDB Local, without the relay and the
 * projectors: a benchmark that writes a long line straight to the table measures the command, not
 * the projectors catching up on it. (The local runtime adds HTTP and runs the projectors beside it.)
 */
export interface Harness {
  readonly client: DynamoDBClient;
  readonly store: DynamoDbEventStore;
  readonly tables: { events: string; readModels: string };
  call(role: StaffRole, method: string, path: string, body?: unknown, headers?: Record<string, string>, subject?: string): Promise<{ status: number; text: string; body: any; headers: Record<string, string> }>;
  stop(): Promise<void>;
}

type Handler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<{ statusCode?: number; body?: string; headers?: Record<string, string> }>;

export async function startHarness(options: { dynamo?: DynamoDbLocal } = {}): Promise<Harness> {
  const dynamo = options.dynamo ?? (await startDynamoDbLocal());
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: localRegion, credentials: localCredentials });
  const suffix = randomUUID().slice(0, 6);
  const tables = { events: `bench-events-${suffix}`, readModels: `bench-rm-${suffix}` };
  await Promise.all([createTable(client, tables.events, eventsTable), createTable(client, tables.readModels, readModelsTable)]);
  const store = new DynamoDbEventStore({ client, tableName: tables.events });
  const dependencies: Dependencies = { events: store, readModels: new DynamoDbReadModelStore(client, tables.readModels), schemes: bundledSchemes(), clock: () => new Date(), newId: randomUUID };
  useDependencies(dependencies);
  const call = routeInvoker();
  const harness: Harness = {
    client,
    store,
    tables,
    call,
    async stop() {
      useDependencies(undefined);
      client.destroy();
      if (!options.dynamo) await dynamo.stop();
    },
  };
  return harness;
}

export type RouteCall = Harness["call"];

/**
 * Calls the staff API's handlers in this process as API Gateway invokes them (payload 2.0, the JWT
 * authorizer's claims, a 10 s Lambda context), with the dependencies set by `useDependencies`.
 */
export function routeInvoker(): RouteCall {
  const routes = apiRoutes.map((route) => {
    const names: string[] = [];
    const pattern = new RegExp(`^${route.path.replace(/\{([^}]+)\}/g, (_, name: string) => (names.push(name), "([^/]+)"))}$`);
    return { route, pattern, names };
  });
  const handlers = new Map<string, Promise<Handler>>();
  return async (role, method, path, body, headers = {}, subject) => {
    const url = new URL(path, "http://bench.local");
    const match = routes.map((r) => ({ r, found: r.pattern.exec(url.pathname) })).find((m) => m.found && m.r.route.method === method);
    if (!match) throw new Error(`no route ${method} ${url.pathname}`);
    const route = match.r.route;
    if (!handlers.has(route.id)) handlers.set(route.id, import(new URL(`../${route.entry}`, import.meta.url).href).then((m: { handler: Handler }) => m.handler));
    const deadline = Date.now() + 10_000;
    const event = {
      version: "2.0",
      routeKey: `${route.method} ${route.path}`,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
      pathParameters: match.r.names.length ? Object.fromEntries(match.r.names.map((n, i) => [n, decodeURIComponent(match.found![i + 1]!)])) : undefined,
      requestContext: {
        accountId: "000000000000", apiId: "bench", domainName: "bench.local", domainPrefix: "bench",
        http: { method, path: url.pathname, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "bench" },
        requestId: randomUUID(), routeKey: `${route.method} ${route.path}`, stage: "$default", time: new Date().toUTCString(), timeEpoch: Date.now(),
        authorizer: { principalId: "", integrationLatency: 0, jwt: { claims: { sub: subject ?? `bench-${role}`, "cognito:groups": [role] } as unknown as Record<string, string>, scopes: [] } },
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      isBase64Encoded: false,
    } as APIGatewayProxyEventV2WithJWTAuthorizer;
    const context = { functionName: route.id, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as Context;
    const result = await (await handlers.get(route.id)!)(event, context);
    const text = result.body ?? "";
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: result.statusCode ?? 200, text, body: parsed, headers: result.headers ?? {} };
  };
}

/** A process's user + system CPU in ms, from /proc (Linux); undefined without a pid or a /proc. */
export function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    // utime and stime, fields 14 and 15 of stat (12 and 13 after the command name), in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
