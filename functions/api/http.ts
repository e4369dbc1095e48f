import middy, { type MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import type * as z from "zod";
import type { Refusal } from "../../domain/decision.ts";
import { ConcurrencyConflict, DomainError, RecordTooLarge, StoreUnavailable } from "../../domain/errors.ts";
import { issuePaths } from "../../events/index.ts";
import { log } from "../runtime/log.ts";
import { observe } from "../runtime/observability.ts";
import { currentPersonalData } from "../runtime/dependencies.ts";
import { type RouteId, type StaffRole, routeById, staffRoles } from "./routes.ts";
import { inInvocation } from "../personal-data/vault.ts";

/** An HTTP problem (RFC 9457) a handler or middleware raises on purpose; anything else is a plain 500. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.name = "HttpProblem";
  }
}

const refusalStatus: Record<Refusal["code"], number> = {
  "not-found": 404,
  "already-exists": 409,
  invalid: 422,
  ineligible: 422,
  closed: 409,
  "budget-exhausted": 409,
  forbidden: 403,
};

export function refusalProblem(refusal: Refusal): HttpProblem {
  return new HttpProblem(refusalStatus[refusal.code], refusal.code, refusal.reason, {
    ...(refusal.ruleIds ? { ruleIds: refusal.ruleIds } : {}),
    ...(refusal.details ? { details: refusal.details } : {}),
  });
}

export interface Caller {
  readonly subject: string;
  readonly roles: ReadonlyArray<StaffRole>;
  /** The role the caller acts in for this request (the first of theirs the route allows). */
  readonly actingRole: StaffRole;
}

export interface ParsedInput<B, P, Q> {
  readonly body: B;
  readonly path: P;
  readonly query: Q;
  readonly caller: Caller;
  readonly correlationId: string;
  readonly idempotencyKey: string | undefined;
  readonly ifMatch: number | undefined;
  /** The route being served: part of an idempotency key's scope. */
  readonly routeId: RouteId;
  /** Milliseconds left before the function's timeout; a command stops retrying well before it. */
  readonly remainingMs: () => number;
}

export type HttpEvent<B = unknown, P = unknown, Q = unknown> = APIGatewayProxyEventV2WithJWTAuthorizer & { input?: ParsedInput<B, P, Q> };

export interface HttpResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** The body is already text in its own content type (CSV, PDF as base64 and the like). */
  readonly raw?: boolean;
  readonly isBase64Encoded?: boolean;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}, contentType = "application/json"): APIGatewayProxyStructuredResultV2 => ({
  statusCode: status,
  headers: { "content-type": contentType, ...headers },
  body: JSON.stringify(body),
});

/** API Gateway hands JWT array claims over as "[a b]"; a local token keeps the array. Accept both. */
export function rolesFromClaims(claims: Record<string, unknown>): StaffRole[] {
  const raw = claims["cognito:groups"];
  const names = Array.isArray(raw) ? raw.map(String) : typeof raw === "string" ? raw.replace(/^\[|\]$/g, "").split(/[\s,]+/) : [];
  return names.filter((n): n is StaffRole => (staffRoles as ReadonlyArray<string>).includes(n));
}

/** A caller's correlation id is used when it is sane; otherwise the gateway's request id. */
const correlationIdOf = (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
  const given = event.headers?.["x-correlation-id"];
  return given && /^[\w.:-]{1,200}$/.test(given) ? given : (event.requestContext?.requestId ?? "unknown");
};

/** Turns every error into a problem response; internal errors become a plain 500 with nothing internal in it. */
const problemResponses = (routeId: RouteId): MiddlewareObj<HttpEvent, APIGatewayProxyStructuredResultV2> => ({
  onError: async (request) => {
    const error = request.error;
    const correlationId = correlationIdOf(request.event);
    let problem: HttpProblem;
    if (error instanceof HttpProblem) problem = error;
    else if (error instanceof ConcurrencyConflict) problem = new HttpProblem(409, "concurrency-conflict", "the record changed since you read it; reload and try again");
    else if (error instanceof RecordTooLarge) problem = new HttpProblem(413, "too-large", `what this request would record is too large: ${error.message}; send less (fewer lines, shorter texts) or split it`, { sizeBytes: error.sizeBytes, limitBytes: error.limitBytes });
    else if (error instanceof StoreUnavailable && error.retryable) problem = new HttpProblem(503, "unavailable", "the back office is busy; try again shortly", { retryable: true });
    else {
      log("error", "unhandled error", { route: routeId, correlationId, errorName: error instanceof Error ? error.name : typeof error, errorMessage: error instanceof DomainError ? error.message : undefined, causeName: error instanceof Error && error.cause instanceof Error ? error.cause.name : undefined });
      problem = new HttpProblem(500, "internal-error", "something went wrong on our side; quote the correlation id when reporting it");
    }
    if (problem.status >= 400 && problem.status < 500) log("info", "request refused", { route: routeId, correlationId, status: problem.status, title: problem.title });
    request.response = json(
      problem.status,
      { type: "about:blank", title: problem.title, status: problem.status, detail: problem.detail, correlationId, ...problem.extensions },
      problem.status === 503 ? { "retry-after": "1" } : {},
      "application/problem+json",
    );
  },
});

/** Reads the caller's roles from the JWT claims, exactly as API Gateway's JWT authorizer passes them. */
const authorise = (routeId: RouteId): MiddlewareObj<HttpEvent, APIGatewayProxyStructuredResultV2> => ({
  before: async (request) => {
    const claims = request.event.requestContext?.authorizer?.jwt?.claims as Record<string, unknown> | undefined;
    const subject = typeof claims?.sub === "string" ? claims.sub : undefined;
    if (!claims || !subject) throw new HttpProblem(401, "unauthenticated", "a valid bearer token is required");
    const roles = rolesFromClaims(claims);
    const allowed = routeById(routeId).roles;
    const actingRole = allowed.find((r) => roles.includes(r));
    if (!actingRole) throw new HttpProblem(403, "forbidden", `this action needs one of the roles: ${allowed.join(", ")}`);
    (request.internal as Record<string, unknown>).caller = { subject, roles, actingRole } satisfies Caller;
  },
});

function validate<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new HttpProblem(400, "invalid-request", `the ${where} is not valid`, {
      errors: issuePaths(result.error).map((i) => ({ ...i, path: i.path === "(root)" ? where : `${where}.${i.path}` })),
    });
  }
  return result.data;
}

const parseRequest = <B, P, Q>(routeId: RouteId, schemas: RouteSchemas<B, P, Q>): MiddlewareObj<HttpEvent<B, P, Q>, APIGatewayProxyStructuredResultV2> => ({
  before: async (request) => {
    const event = request.event;
    let body: unknown;
    if (schemas.body) {
      const text = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body) : "";
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        throw new HttpProblem(400, "invalid-request", "the body is not valid JSON");
      }
    }
    const ifMatchHeader = event.headers?.["if-match"];
    const ifMatch = ifMatchHeader === undefined ? undefined : Number(ifMatchHeader.replace(/"/g, ""));
    if (ifMatch !== undefined && (!Number.isInteger(ifMatch) || ifMatch < 0)) throw new HttpProblem(400, "invalid-request", "If-Match must be a version number");
    const idempotencyKey = event.headers?.["idempotency-key"];
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey)) {
      throw new HttpProblem(400, "invalid-request", "Idempotency-Key must be 1 to 200 visible ASCII characters");
    }
    const caller = (request.internal as { caller: Caller }).caller;
    // Auditors' reads are themselves audited: who looked at what, when (ids and filters only).
    if (caller.actingRole === "auditor") log("info", "auditor query", { actor: caller.subject, path: event.rawPath, query: event.rawQueryString, correlationId: correlationIdOf(event) });
    event.input = {
      body: validate(schemas.body, body, "body"),
      path: validate(schemas.path, event.pathParameters ?? {}, "path"),
      query: validate(schemas.query, event.queryStringParameters ?? {}, "query"),
      caller,
      correlationId: correlationIdOf(event),
      idempotencyKey,
      ifMatch,
      routeId,
      remainingMs: () => request.context.getRemainingTimeInMillis(),
    };
  },
});

export interface RouteSchemas<B, P, Q> {
  readonly body?: z.ZodType<B>;
  readonly path?: z.ZodType<P>;
  readonly query?: z.ZodType<Q>;
}

/** The input schemas of every route built in this process, for the OpenAPI document. */
export const routeSchemas = new Map<RouteId, RouteSchemas<unknown, unknown, unknown>>();

/**
 * A handler is a middy chain around one command: Powertools' logger context, tracing and
 * metrics (functions/runtime/observability.ts), problems on error, the role check from the route
 * table, zod on the input, then the command.
 */
export function httpRoute<B = undefined, P = undefined, Q = undefined>(
  routeId: RouteId,
  schemas: RouteSchemas<B, P, Q>,
  run: (input: ParsedInput<B, P, Q>) => Promise<HttpResult>,
) {
  routeSchemas.set(routeId, schemas as RouteSchemas<unknown, unknown, unknown>);
  return middy<HttpEvent<B, P, Q>, APIGatewayProxyStructuredResultV2, Error, Context>({
    // Commands stop retrying long before this (see executeDecision); if a single attempt still runs
    // into the timeout, its append may or may not have landed: say so, and how to find out safely.
    timeoutEarlyInMillis: 500,
    timeoutEarlyResponse: () => {
      throw new HttpProblem(503, "outcome-unknown", "the request ran out of time; it may or may not have been recorded: retry it with the same Idempotency-Key to learn which", {
        retryable: true,
      });
    },
  })
    .use(observe() as Array<MiddlewareObj<HttpEvent<B, P, Q>, APIGatewayProxyStructuredResultV2>>)
    .use(problemResponses(routeId) as MiddlewareObj<HttpEvent<B, P, Q>, APIGatewayProxyStructuredResultV2>)
    .use(authorise(routeId) as MiddlewareObj<HttpEvent<B, P, Q>, APIGatewayProxyStructuredResultV2>)
    .use(parseRequest(routeId, schemas))
    .handler(async (event) => {
      // Issue 16: keys are cached for one request only; every response shows personal data revealed, or `[erased]`.
      const vault = currentPersonalData();
      const respond = async () => {
        const result = await run(event.input!);
        return { result, body: vault && !result.isBase64Encoded ? await vault.reveal(result.body) : result.body };
      };
      const { result, body } = await inInvocation(vault, respond);
      if (result.raw) return { statusCode: result.status, headers: result.headers, body: String(body ?? ""), isBase64Encoded: result.isBase64Encoded ?? false };
      return json(result.status, body ?? null, result.headers);
    });
}
