import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projections } from "../../domain/projections/index.ts";
import { apiRoutes, staffRoles } from "../../functions/api/routes.ts";
import { DynamoDbReadModelStore } from "../../functions/projector/read-model-store.ts";
import { rebuildProjections } from "../../functions/projector/rebuild.ts";
import type { DynamoDbEventStore } from "../../functions/store/dynamodb-event-store.ts";
import { freshTables, localClient } from "../support/dynamo.ts";
import { eventually, startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";

let backOffice: TestBackOffice;

beforeAll(async () => {
  backOffice = await startTestBackOffice("api");
});
afterAll(async () => {
  await backOffice?.stop();
});

const registration = (overrides: Record<string, unknown> = {}) => ({
  schemeId: "technohubs-2020",
  instrumentId: "execution",
  technohub: { name: "Technohub Twente", region: "Twente" },
  applicant: { companyName: "Metaalbedrijf Oost BV", chamberOfCommerceNumber: "12345678" },
  requestedAmountCents: 40_950_000,
  receivedAt: "2021-01-20T09:15:00.000Z",
  ...overrides,
});

describe("the first slice through every layer, on the local runtime", () => {
  it("runs on Node 22, the Lambda runtime the stack declares", () => {
    expect(process.versions.node.split(".")[0]).toBe("22");
  });

  it("R-TH-09 staff register an application: POST -> decide -> append -> stream -> relay -> bus -> projector -> GET and list", async () => {
    const created = await backOffice.call("intake", "POST", "/applications", registration());
    expect(created.status).toBe(201);
    const { applicationId } = created.body;
    expect(created.headers.get("location")).toBe(`/applications/${applicationId}`);

    const read = await eventually(() => backOffice.call("assessor", "GET", `/applications/${applicationId}`), (r) => r.status === 200);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      applicationId,
      schemeId: "technohubs-2020",
      instrumentId: "execution",
      technohub: { name: "Technohub Twente", region: "Twente" },
      requestedAmountCents: 40_950_000,
      receivedAt: "2021-01-20T09:15:00.000Z",
      status: "registered",
      version: 1,
    });
    expect(read.body.schemeVersion).toMatch(/^sha256:[0-9a-f]{64}$/);

    const list = await eventually(
      () => backOffice.call("auditor", "GET", "/applications?schemeId=technohubs-2020"),
      (r) => r.body?.items?.some((i: { applicationId: string }) => i.applicationId === applicationId),
    );
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { applicationId: string }) => i.applicationId)).toContain(applicationId);
  });

  it("lists a scheme's applications in order of arrival (R-TH-09), not in order of registration", async () => {
    const later = await backOffice.call("intake", "POST", "/applications", registration({ schemeId: "sterk-techniekonderwijs-2020", instrumentId: "regional-plan", receivedAt: "2019-03-20T10:00:00.000Z" }));
    const earlier = await backOffice.call("intake", "POST", "/applications", registration({ schemeId: "sterk-techniekonderwijs-2020", instrumentId: "regional-plan", receivedAt: "2019-03-01T10:00:00.000Z" }));
    expect([later.status, earlier.status]).toEqual([201, 201]);
    const list = await eventually(() => backOffice.call("assessor", "GET", "/applications?schemeId=sterk-techniekonderwijs-2020"), (r) => r.body?.count === 2);
    expect(list.body.items.map((i: { applicationId: string }) => i.applicationId)).toEqual([earlier.body.applicationId, later.body.applicationId]);
  });

  it("R-X-05 invalid input gets a 400 naming every bad field path, never a 500 or a stack trace", async () => {
    const bad = await backOffice.call("intake", "POST", "/applications", { schemeId: "technohubs-2020", instrumentId: 7, technohub: { name: "" }, requestedAmountCents: 12.5, extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toBe("application/problem+json");
    const paths = bad.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["body.instrumentId", "body.technohub.name", "body.applicant", "body.requestedAmountCents"]));
    expect(JSON.stringify(bad.body)).not.toMatch(/at .*\.ts:\d+/);

    const notJson = await backOffice.call("intake", "POST", "/applications", "{not json");
    expect(notJson.status).toBe(400);
    expect(notJson.body.detail).toBe("the body is not valid JSON");
  });

  it("an unknown scheme is a 404 listing the schemes there are; an unknown instrument a 422 listing the instruments", async () => {
    const unknownScheme = await backOffice.call("intake", "POST", "/applications", registration({ schemeId: "no-such-scheme" }));
    expect(unknownScheme.status).toBe(404);
    expect(unknownScheme.body.schemes).toEqual(["technohubs-2020", "verduurzamen-2025", "sterk-techniekonderwijs-2020"]);
    const unknownInstrument = await backOffice.call("intake", "POST", "/applications", registration({ instrumentId: "hardware" }));
    expect(unknownInstrument.status).toBe(422);
    expect(unknownInstrument.body.details.instruments).toEqual(["planning", "execution"]);
    const missing = await backOffice.call("intake", "GET", "/applications/does-not-exist");
    expect(missing.status).toBe(404);
  });

  it("a request without a valid token is 401 before any handler runs", async () => {
    expect((await backOffice.call(undefined, "GET", "/schemes")).status).toBe(401);
    const forged = await backOffice.call(undefined, "GET", "/schemes", undefined, { authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl" });
    expect(forged.status).toBe(401);
  });

  it("role matrix: every route x role is allowed exactly when the route table says so, and the auditor is on no route that writes", async () => {
    for (const route of apiRoutes) {
      expect(route.writes && (route.roles as ReadonlyArray<string>).includes("auditor")).toBe(false);
      for (const role of staffRoles) {
        const path =
          route.path.replace("{applicationId}", "none").replace("{schemeId}", "technohubs-2020").replace("{roundId}", "2021-02-15").replace("{budgetLineId}", "technohubs").replace("{grantId}", "none").replace("{invoiceId}", "none") +
          (route.id === "ListApplications" || route.id === "ListPayouts" ? "?schemeId=technohubs-2020" : "");
        // An empty body: an allowed caller gets past the role check (400/404/409/2xx), a refused one gets 403.
        const response = await backOffice.call(role, route.method, path, route.method === "GET" ? undefined : {});
        const allowed = (route.roles as ReadonlyArray<string>).includes(role);
        expect({ route: route.id, role, forbidden: response.status === 403 }).toEqual({ route: route.id, role, forbidden: !allowed });
      }
    }
  });

  it("an Idempotency-Key makes a retried POST return the first result: 5 concurrent retries, one application", async () => {
    const key = `retry-${Date.now()}`;
    const body = registration({ schemeId: "verduurzamen-2025", instrumentId: "hub-top", technohub: { name: "TechnoHUB Woerden", region: "Utrecht-West" }, receivedAt: "2025-04-15T08:00:00.000Z" });
    const responses = await Promise.all(Array.from({ length: 5 }, () => backOffice.call("intake", "POST", "/applications", body, { "idempotency-key": key })));
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const ids = new Set(responses.map((r) => r.body.applicationId));
    expect(ids.size).toBe(1);
    const [applicationId] = [...ids];
    const stream = await backOffice.dependencies.events.readStream(`application#${applicationId}`);
    expect(stream).toHaveLength(1);
    expect(stream[0]!.metadata.idempotencyKey).toBe(key);
  });

  it("every event records who did it, in which role and through which channel", async () => {
    const created = await backOffice.call("admin", "POST", "/applications", registration({ technohub: { name: "Technohub Noord", region: "Groningen" } }));
    const [event] = await backOffice.dependencies.events.readStream(`application#${created.body.applicationId}`);
    expect(event!.metadata).toMatchObject({ actor: "local-admin", role: "admin", channel: "api" });
    expect(event!.metadata.correlationId).toBeTruthy();
  });

  it("R-VD-01 the schemes are opened at start with their budget lines, visible to every role", async () => {
    const schemes = await eventually(() => backOffice.call("finance", "GET", "/schemes"), (r) => r.body?.items?.every((s: { opened: unknown }) => s.opened !== null));
    const verduurzamen = schemes.body.items.find((s: { schemeId: string }) => s.schemeId === "verduurzamen-2025");
    expect(verduurzamen.opened.budgetLineIds).toEqual(
      backOffice.dependencies.schemes.get("verduurzamen-2025")!.definition.budgetLines.map((l) => l.id),
    );
    const again = await backOffice.call("admin", "POST", "/schemes/verduurzamen-2025/open", {});
    expect(again.status).toBe(409);
  });

  it("R-X-04 a rebuild of every projection from the log into a fresh table equals the live read models, item for item", async () => {
    await backOffice.settle();
    const client = localClient();
    const target = new DynamoDbReadModelStore(client, (await freshTables(client, "rebuild")).readModels);
    const schemeIds = backOffice.dependencies.schemes.all().map((s) => s.definition.id);
    const result = await rebuildProjections({ events: (backOffice.dependencies.events as DynamoDbEventStore).readSchemes(schemeIds), projections, target });
    let logged = 0;
    for await (const _ of (backOffice.dependencies.events as DynamoDbEventStore).readSchemes(schemeIds)) logged++;
    expect(result.events).toBe(logged);
    const live = await backOffice.dependencies.readModels.dump();
    expect(live.length).toBeGreaterThan(0);
    expect(JSON.stringify(await target.dump())).toBe(JSON.stringify(live));
    client.destroy();
  });

  it("serves an OpenAPI document generated from the zod schemas: every route, with its request body and problems", async () => {
    const response = await backOffice.call("auditor", "GET", "/openapi.json");
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe("3.1.0");
    for (const route of apiRoutes) {
      const operation = response.body.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation?.operationId).toBe(route.id);
      if (route.writes && route.method === "POST" && route.id !== "OpenScheme") {
        const schema = operation.requestBody.content["application/json"].schema;
        // An object, or (the committee decision) one object per kind of decision.
        expect(schema.type ?? schema.oneOf?.[0]?.type ?? schema.anyOf?.[0]?.type).toBe("object");
      }
    }
    const register = response.body.paths["/applications"].post.requestBody.content["application/json"].schema;
    expect(register.required).toEqual(expect.arrayContaining(["schemeId", "instrumentId", "technohub", "applicant", "requestedAmountCents"]));
  });
});
