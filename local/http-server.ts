import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, normalize } from "node:path";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { type ApiRoute, type StaffRole, apiFunctionTimeoutSeconds, apiRoutes, staffRoles } from "../functions/api/routes.ts";
import { issueToken, verifyToken } from "./auth.ts";
import { routeFunction, runAs } from "./iam-parity.ts";

/** API Gateway HTTP APIs refuse payloads above 10 MB; Lambda's own limit is 6 MB. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;
/** Lambda's synchronous invocation payload limit, for the request event and for the response alike. */
const MAX_LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;

type LambdaHandler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

interface CompiledRoute {
  readonly route: ApiRoute;
  readonly pattern: RegExp;
  readonly parameterNames: string[];
}

function compile(route: ApiRoute): CompiledRoute {
  const parameterNames: string[] = [];
  const source = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    parameterNames.push(name);
    return "([^/]+)";
  });
  return { route, pattern: new RegExp(`^${source}$`), parameterNames };
}

const compiled = apiRoutes.map(compile);

function lambdaContext(functionName: string): Context {
  const deadline = Date.now() + apiFunctionTimeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function decodedPathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error("payload too large"), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return chunks.length ? Buffer.concat(chunks).toString("utf8") : undefined;
}

export interface LocalApiOptions {
  readonly host: string;
  readonly port: number;
  readonly signingKey: Uint8Array;
  readonly projectRoot: string;
  /** Routes API Gateway would not have: health and the like. Answered without a token. */
  readonly publicRoutes?: ReadonlyMap<string, () => Promise<{ status: number; body: unknown }>>;
  /** Timeouts and the connection cap; {@link defaultLocalApiLimits} unless given (tests shorten the timeouts). */
  readonly limits?: Partial<LocalApiLimits>;
  /** The built staff console (console/build.ts); served at `/` and `/console/` when the folder exists. Default: `console/dist` in the project. */
  readonly consoleDir?: string;
}

const contentTypes: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".map": "application/json", ".json": "application/json" };

/**
 * The staff console's static files, as CloudFront serves them from S3 on AWS: `/` is index.html, the
 * rest lies under `/console/` (no API path starts with it). Locally `/console/config.json` says to
 * sign in with the local token issuer; on AWS the stack writes one naming the Cognito hosted UI.
 */
function consoleFile(dir: string, pathname: string): { body: Buffer; type: string } | undefined {
  if (pathname === "/console/config.json") return { body: Buffer.from(JSON.stringify({ auth: "local" })), type: contentTypes[".json"]! };
  const relative = pathname === "/" ? "index.html" : pathname.startsWith("/console/") ? pathname.slice("/console/".length) : undefined;
  if (!relative || !/^[\w.-]+$/.test(relative)) return undefined;
  const file = normalize(join(dir, relative));
  if (!file.startsWith(normalize(dir)) || !existsSync(file) || !statSync(file).isFile()) return undefined;
  return { body: readFileSync(file), type: contentTypes[relative.slice(relative.lastIndexOf("."))] ?? "application/octet-stream" };
}

/**
 * The console's local sign-in, standing in for the Cognito hosted UI: a role and a name, answered
 * with a token from the local issuer (what `npm run token` prints). Never deployed: on AWS only
 * Cognito issues tokens.
 */
async function localSignIn(signingKey: Uint8Array, body: string | undefined): Promise<{ status: number; body: unknown }> {
  let input: { role?: unknown; name?: unknown };
  try {
    input = JSON.parse(body ?? "{}");
  } catch {
    return { status: 400, body: { message: "the body is not JSON" } };
  }
  const role = input.role;
  const name = typeof input.name === "string" ? input.name.trim() : "";
  if (typeof role !== "string" || !(staffRoles as ReadonlyArray<string>).includes(role)) return { status: 400, body: { message: `role must be one of ${staffRoles.join(", ")}` } };
  if (!/^[\p{L}\p{N} .'-]{1,60}$/u.test(name)) return { status: 400, body: { message: "name: 1 to 60 letters, digits, spaces, dots, apostrophes or hyphens" } };
  const subject = name.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "-");
  return { status: 200, body: { token: await issueToken(signingKey, role as StaffRole, subject), role, subject } };
}

export interface LocalApiLimits {
  /** The request line and headers must have arrived within this (slow-headers clients get 408). */
  readonly headersTimeoutMs: number;
  /** The whole request, body included, must have arrived within this, or 408 and the connection is closed. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Connections beyond this many are closed at once (Node drops them on accept), never queued. */
  readonly maxConnections: number;
}

/**
 * Like API Gateway, the local API does not wait for a slow client forever. 30 s for the whole
 * request is API Gateway's HTTP API integration timeout; 10 s for the headers and Node's 5 s
 * keep-alive are ours. 256 connections is far above what staff and the tests open (a few dozen at
 * most) and far below what one Node process holds, so a runaway client cannot exhaust the machine.
 */
export const defaultLocalApiLimits: LocalApiLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 256 };

function serverOptions(limits: LocalApiLimits) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node looks for timed-out requests only this often (30 s by default, which would double the timeout).
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/**
 * Maps HTTP requests to the same Lambda handlers API Gateway invokes, with the same event shape
 * (payload format 2.0) and the JWT authorizer's behaviour: no valid token, 401 before any handler.
 */
export async function startLocalApi(options: LocalApiOptions): Promise<{ server: Server; url: string }> {
  const handlers = new Map<string, Promise<LambdaHandler>>();
  const handlerOf = (route: ApiRoute) => {
    let loaded = handlers.get(route.id);
    if (!loaded) {
      loaded = import(new URL(route.entry, `file://${options.projectRoot}/`).href).then((m: { handler: LambdaHandler }) => m.handler);
      handlers.set(route.id, loaded);
    }
    return loaded;
  };

  const limits: LocalApiLimits = { ...defaultLocalApiLimits, ...options.limits };
  const consoleDir = options.consoleDir ?? join(options.projectRoot, "console", "dist");
  const server = createServer(serverOptions(limits), async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      const method = (req.method ?? "GET").toUpperCase();
      const publicRoute = options.publicRoutes?.get(`${method} ${url.pathname}`);
      if (publicRoute) {
        const answer = await publicRoute();
        return send(res, answer.status, answer.body);
      }
      if (method === "POST" && url.pathname === "/console/local-sign-in") {
        const answer = await localSignIn(options.signingKey, await readBody(req));
        return send(res, answer.status, answer.body, { "cache-control": "no-store" });
      }
      if (method === "GET" && (url.pathname === "/" || url.pathname.startsWith("/console/"))) {
        const file = consoleFile(consoleDir, url.pathname);
        if (file) {
          res.writeHead(200, { "content-type": file.type, "cache-control": "no-cache", "x-content-type-options": "nosniff" });
          return res.end(file.body);
        }
        if (url.pathname === "/") return send(res, 404, { message: "The staff console is not built: npm start builds it (npx tsx console/build.ts)" });
        return send(res, 404, { message: "Not Found" });
      }
      let match: { route: ApiRoute; parameters: Record<string, string> } | undefined;
      let pathKnown = false;
      for (const candidate of compiled) {
        const found = candidate.pattern.exec(url.pathname);
        if (!found) continue;
        pathKnown = true;
        if (candidate.route.method !== method) continue;
        const values = candidate.parameterNames.map((_, i) => decodedPathSegment(found[i + 1]!));
        // Percent-encoding that is not UTF-8 can name nothing: a client error, before any function runs.
        if (values.some((v) => v === undefined)) return send(res, 400, { message: "Bad Request: a path segment is not valid percent-encoded UTF-8" });
        match = { route: candidate.route, parameters: Object.fromEntries(candidate.parameterNames.map((n, i) => [n, values[i]!])) };
        break;
      }
      if (!match) return send(res, pathKnown ? 405 : 404, { message: pathKnown ? "Method Not Allowed" : "Not Found" });

      const authorization = req.headers.authorization ?? "";
      const token = /^Bearer (.+)$/i.exec(authorization)?.[1];
      const claims = token ? await verifyToken(options.signingKey, token) : undefined;
      if (!claims) return send(res, 401, { message: "Unauthorized" }, { "www-authenticate": "Bearer" });

      const body = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
      const requestId = randomUUID();
      const event: APIGatewayProxyEventV2WithJWTAuthorizer = {
        version: "2.0",
        routeKey: `${match.route.method} ${match.route.path}`,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
        pathParameters: Object.keys(match.parameters).length ? match.parameters : undefined,
        requestContext: {
          accountId: "000000000000",
          apiId: "local",
          domainName: url.host,
          domainPrefix: "local",
          http: { method, path: url.pathname, protocol: "HTTP/1.1", sourceIp: req.socket.remoteAddress ?? "127.0.0.1", userAgent: headers["user-agent"] ?? "" },
          requestId,
          routeKey: `${match.route.method} ${match.route.path}`,
          stage: "$default",
          time: new Date().toUTCString(),
          timeEpoch: Date.now(),
          authorizer: { principalId: "", integrationLatency: 0, jwt: { claims: claims as Record<string, string>, scopes: [] } },
        },
        body,
        isBase64Encoded: false,
      };
      // Lambda takes at most 6 MB as the invocation's payload (the event, not only the body): API Gateway answers 413 beyond it.
      if (Buffer.byteLength(JSON.stringify(event)) > MAX_LAMBDA_PAYLOAD_BYTES) return send(res, 413, { message: "Request Entity Too Large" });
      const handler = await handlerOf(match.route);
      // As the route's function: its AWS calls are checked against that function's IAM statements (local/iam-parity.ts).
      const caller = ([] as unknown[]).concat(claims["cognito:groups"] ?? []).join(",");
      const result = await runAs(routeFunction(match.route), () => handler(event, lambdaContext(match.route.id)), caller);
      // A response over Lambda's 6 MB fails the invocation on AWS (API Gateway answers 500): here too, loudly, so a test sees it.
      const responseBytes = Buffer.byteLength(JSON.stringify(result));
      if (responseBytes > MAX_LAMBDA_PAYLOAD_BYTES) {
        console.error(`[local api] ${match.route.id}: response of ${responseBytes} bytes exceeds Lambda's ${MAX_LAMBDA_PAYLOAD_BYTES}; on AWS this request fails`);
        return send(res, 500, { message: "Internal Server Error" });
      }
      res.writeHead(result.statusCode ?? 200, { "x-request-id": requestId, ...(result.headers as Record<string, string>) });
      // API Gateway decodes a base64 body (binary responses such as the application form PDF) before sending it.
      res.end(result.isBase64Encoded && result.body ? Buffer.from(result.body, "base64") : (result.body ?? ""));
    } catch (error) {
      const status = (error as { status?: number }).status ?? 500;
      if (!res.headersSent) send(res, status, { message: status === 413 ? "Request Entity Too Large" : "Internal Server Error" });
      else res.end();
    }
  });
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return { server, url: `http://${options.host}:${port}` };
}
