import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StoreUnavailable } from "../../domain/errors.ts";
import { rolesFromClaims } from "../../functions/api/http.ts";
import { handler as listSchemes } from "../../functions/api/list-schemes.ts";
import { handler as registerApplication } from "../../functions/api/register-application.ts";
import { type Dependencies, useDependencies } from "../../functions/runtime/dependencies.ts";
import { bundledSchemes } from "../../schemes/bundled.ts";

type Claims = Record<string, string | number | boolean | string[]>;

/** An HTTP API (payload 2.0) event as API Gateway's JWT authorizer hands it to Lambda. */
function apiEvent(options: { method?: string; path?: string; claims?: Claims | null; body?: unknown } = {}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const method = options.method ?? "GET";
  const path = options.path ?? "/schemes";
  const claims = options.claims === undefined ? { sub: "u1", "cognito:groups": ["intake"] } : options.claims;
  return {
    version: "2.0",
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: "",
    headers: { "content-type": "application/json", "x-correlation-id": "corr-test-1" },
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example.test",
      domainPrefix: "api",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "vitest" },
      requestId: "req-1",
      routeKey: `${method} ${path}`,
      stage: "$default",
      time: "12/Jun/2025:10:00:00 +0000",
      timeEpoch: 1_749_722_400_000,
      authorizer: claims === null ? (undefined as never) : { principalId: "", integrationLatency: 0, jwt: { claims, scopes: [] } },
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
}

const context = { functionName: "test", awsRequestId: "aws-req-1" } as Context;

async function invoke(
  handler: (event: never, context: Context) => Promise<APIGatewayProxyStructuredResultV2>,
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown>; raw: string }> {
  const result = await handler(event as never, context);
  const raw = result.body ?? "";
  return { status: result.statusCode ?? 0, headers: (result.headers ?? {}) as Record<string, unknown>, body: JSON.parse(raw), raw };
}

function fakeDependencies(overrides: { list?: () => Promise<unknown[]>; readStream?: () => Promise<never[]> } = {}): Dependencies {
  return {
    readModels: { list: overrides.list ?? (async () => []) } as unknown as Dependencies["readModels"],
    events: { readStream: overrides.readStream ?? (async () => []) } as unknown as Dependencies["events"],
    schemes: bundledSchemes(),
    clock: () => new Date("2025-06-12T10:00:00.000Z"),
    newId: () => "app-fixed",
  };
}

const validRegistration = () => ({
  schemeId: "technohubs-2020",
  instrumentId: "execution",
  technohub: { name: "TechnoHUB Woerden", region: "Utrecht" },
  applicant: { companyName: "Metaal Woerden BV", chamberOfCommerceNumber: "12345678" },
  requestedAmountCents: 40_950_000,
  receivedAt: "2021-02-01T09:30:00.000Z",
});

let stderr: string[];

beforeEach(() => {
  stderr = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
});

afterEach(() => {
  useDependencies(undefined);
  vi.restoreAllMocks();
});

describe("rolesFromClaims", () => {
  it("accepts an array claim, as a locally issued token carries it", () => {
    expect(rolesFromClaims({ "cognito:groups": ["intake", "finance"] })).toEqual(["intake", "finance"]);
  });

  it("accepts API Gateway's stringified form \"[intake finance]\"", () => {
    expect(rolesFromClaims({ "cognito:groups": "[intake finance]" })).toEqual(["intake", "finance"]);
  });

  it("accepts a single group as a bare string", () => {
    expect(rolesFromClaims({ "cognito:groups": "auditor" })).toEqual(["auditor"]);
  });

  it("R-X-05 drops group names that are not staff roles, in either form", () => {
    expect(rolesFromClaims({ "cognito:groups": ["intake", "superuser", "Admin"] })).toEqual(["intake"]);
    expect(rolesFromClaims({ "cognito:groups": "[hacker finance root]" })).toEqual(["finance"]);
  });

  it("gives no roles without the claim or with an empty one", () => {
    expect(rolesFromClaims({ sub: "u1" })).toEqual([]);
    expect(rolesFromClaims({ "cognito:groups": "[]" })).toEqual([]);
    expect(rolesFromClaims({ "cognito:groups": 42 })).toEqual([]);
  });
});

describe("httpRoute handlers", () => {
  it("an intake caller lists every bundled scheme (200 JSON)", async () => {
    // Prepare
    useDependencies(fakeDependencies());

    // Act
    const response = await invoke(listSchemes, apiEvent());

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json");
    const items = response.body.items as Array<{ schemeId: string; opened: unknown }>;
    expect(items.map((i) => i.schemeId).sort()).toEqual(["sterk-techniekonderwijs-2020", "technohubs-2020", "verduurzamen-2025"]);
    expect(items.every((i) => i.opened === null)).toBe(true);
  });

  it("API Gateway's stringified group claim authorises as well", async () => {
    // Prepare
    useDependencies(fakeDependencies());

    // Act
    const response = await invoke(listSchemes, apiEvent({ claims: { sub: "u2", "cognito:groups": "[auditor]" } }));

    // Assess
    expect(response.status).toBe(200);
  });

  it("R-X-05 no claims at all is 401 as problem+json", async () => {
    // Prepare
    useDependencies(fakeDependencies());

    // Act
    const response = await invoke(listSchemes, apiEvent({ claims: null }));

    // Assess
    expect(response.status).toBe(401);
    expect(response.headers["content-type"]).toBe("application/problem+json");
    expect(response.body).toMatchObject({ type: "about:blank", title: "unauthenticated", status: 401, correlationId: "corr-test-1" });
  });

  it("R-X-05 claims without a subject are 401", async () => {
    // Act
    const response = await invoke(listSchemes, apiEvent({ claims: { "cognito:groups": ["intake"] } }));

    // Assess
    expect(response.status).toBe(401);
  });

  it("a caller with only unknown groups is 403 on a route open to every staff role", async () => {
    // Act
    const response = await invoke(listSchemes, apiEvent({ claims: { sub: "u3", "cognito:groups": ["visitor"] } }));

    // Assess
    expect(response.status).toBe(403);
  });

  it("R-X-05 an auditor registering an application is 403, naming the allowed roles; nothing is read or written", async () => {
    // Prepare
    const readStream = vi.fn(async () => []);
    useDependencies(fakeDependencies({ readStream }));

    // Act
    const response = await invoke(
      registerApplication,
      apiEvent({ method: "POST", path: "/applications", claims: { sub: "auditor-1", "cognito:groups": ["auditor"] }, body: validRegistration() }),
    );

    // Assess
    expect(response.status).toBe(403);
    expect(response.headers["content-type"]).toBe("application/problem+json");
    expect(response.body).toMatchObject({ title: "forbidden", status: 403, detail: "this action needs one of the roles: intake, admin" });
    expect(readStream).not.toHaveBeenCalled();
  });

  it("R-X-05 an invalid body is 400 with the path of each bad field", async () => {
    // Prepare
    useDependencies(fakeDependencies());
    const body = { ...validRegistration(), requestedAmountCents: 12.5 };

    // Act
    const response = await invoke(registerApplication, apiEvent({ method: "POST", path: "/applications", body }));

    // Assess
    expect(response.status).toBe(400);
    expect(response.headers["content-type"]).toBe("application/problem+json");
    expect(response.body).toMatchObject({ title: "invalid-request", status: 400 });
    const errors = response.body.errors as Array<{ path: string; message: string }>;
    expect(errors.map((e) => e.path)).toEqual(["body.requestedAmountCents"]);
  });

  it("R-X-05 nested and unknown body fields are reported with their paths", async () => {
    // Prepare
    const body = { ...validRegistration(), technohub: { name: "", region: null }, applicant: { companyName: "X", chamberOfCommerceNumber: "123" } };

    // Act
    const response = await invoke(registerApplication, apiEvent({ method: "POST", path: "/applications", body }));

    // Assess
    expect(response.status).toBe(400);
    const paths = (response.body.errors as Array<{ path: string }>).map((e) => e.path).sort();
    expect(paths).toEqual(["body.applicant.chamberOfCommerceNumber", "body.technohub.name"]);
  });

  it("a body that is not JSON is 400", async () => {
    // Prepare
    const event = apiEvent({ method: "POST", path: "/applications" });
    event.body = "{not json";

    // Act
    const response = await invoke(registerApplication, event);

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.detail).toBe("the body is not valid JSON");
  });

  it("an unexpected error from a dependency is a plain 500 with no message or stack in the body or the log", async () => {
    // Prepare
    const secret = "connect to arn:aws:dynamodb:eu-west-1:123456789012:table/read-models failed";
    useDependencies(fakeDependencies({ list: async () => Promise.reject(new Error(secret)) }));

    // Act
    const response = await invoke(listSchemes, apiEvent());

    // Assess
    expect(response.status).toBe(500);
    expect(response.headers["content-type"]).toBe("application/problem+json");
    expect(response.body).toMatchObject({ title: "internal-error", status: 500, correlationId: "corr-test-1" });
    expect(response.raw).not.toContain("arn:aws");
    expect(response.raw).not.toContain(secret);
    expect(response.raw).not.toMatch(/\bat .*\.ts:\d+/);
    expect(Object.keys(response.body).sort()).toEqual(["correlationId", "detail", "status", "title", "type"]);
    expect(stderr.join("")).toContain("unhandled error");
    expect(stderr.join("")).not.toContain("arn:aws");
  });

  it("an unexpected error while registering is a plain 500 as well", async () => {
    // Prepare
    useDependencies(fakeDependencies({ readStream: async () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'Items')")) }));

    // Act
    const response = await invoke(registerApplication, apiEvent({ method: "POST", path: "/applications", body: validRegistration() }));

    // Assess
    expect(response.status).toBe(500);
    expect(response.raw).not.toContain("Items");
  });

  it("a StoreUnavailable from a dependency is 503 with retry-after, not a 500", async () => {
    // Prepare
    useDependencies(fakeDependencies({ list: async () => Promise.reject(new StoreUnavailable("read", true, new Error("ThrottlingException"))) }));

    // Act
    const response = await invoke(listSchemes, apiEvent());

    // Assess
    expect(response.status).toBe(503);
    expect(response.headers["retry-after"]).toBe("1");
    expect(response.body).toMatchObject({ title: "unavailable", retryable: true });
    expect(response.raw).not.toContain("ThrottlingException");
  });
});

describe("httpRoute header hygiene", () => {
  it("an Idempotency-Key longer than 200 characters is a 400, not stored", async () => {
    useDependencies(fakeDependencies());
    const event = apiEvent({ method: "POST", path: "/applications", body: validRegistration() });
    event.headers["idempotency-key"] = "k".repeat(201);
    const response = await invoke(registerApplication, event);
    expect(response.status).toBe(400);
    expect(response.body.detail).toMatch(/Idempotency-Key/);
  });

  it("an odd x-correlation-id is replaced by the gateway's request id", async () => {
    useDependencies(fakeDependencies());
    const event = apiEvent({ claims: null });
    event.headers["x-correlation-id"] = "<script>".repeat(40);
    const response = await invoke(listSchemes, event);
    expect(response.body.correlationId).toBe("req-1");
  });
});
