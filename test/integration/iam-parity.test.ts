import { DynamoDBServiceException } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreUnavailable } from "../../domain/errors.ts";
import { routeById } from "../../functions/api/routes.ts";
import type { PolicyStatement } from "../../local/iam-evaluator.ts";
import { type IamManifest, loadCommittedManifest, routeFunction, runAs, runUnrestricted, withStatements } from "../../local/iam-parity.ts";
import { type TestBackOffice, startTestBackOffice } from "../support/back-office.ts";
import { sendMail } from "../support/mail.ts";
import { Staff } from "../support/scenario.ts";

/**
 * The local runtime enforces each function's synthesised IAM statements (infra/iam-manifest.json)
 * on its SDK clients: a call the deployed role could not make fails here as on AWS.
 */

const application = {
  schemeId: "technohubs-2020",
  instrumentId: "execution",
  technohub: { name: "Technohub Twente", region: "Twente" },
  applicant: { companyName: "Metaalbedrijf Oost BV", chamberOfCommerceNumber: "12345678" },
  requestedAmountCents: 45_000_000,
  receivedAt: "2021-01-20T09:00:00.000Z",
  sectionIds: ["application-form", "proposal"],
};
const details = {
  plannedStartDate: "2021-03-01",
  applicantAffiliated: true,
  costLines: [{ lineId: "staff", categoryId: "company-staff", description: "Company staff developing the hub", amountCents: 25_000_000 }],
};
const finding = { kind: "interview", date: "2021-06-01", participants: ["hub coordinator"], notes: "Regional schools joined" };
const hubPath = "/schemes/technohubs-2020/hubs/technohub-twente";

const isEventsTable = (resource: string) => /:table\/\$\{Events\}$/.test(resource);
const isReadModels = (resource: string) => resource.includes(":table/${ReadModels}");

/** The manifest without one action on the resources `which` picks, in one function's statements. */
function without(manifest: IamManifest, functionId: string, action: string, which: (resource: string) => boolean): IamManifest {
  return withStatements(manifest, functionId, (statements) =>
    statements.flatMap((s): PolicyStatement[] => {
      if (!s.Action?.includes(action) || !s.Resource?.some(which)) return [s];
      const kept = s.Resource.filter((r) => !which(r));
      const rest: PolicyStatement[] = s.Action.length > 1 ? [{ ...s, Action: s.Action.filter((a) => a !== action) }] : [];
      return kept.length ? [...rest, { ...s, Action: [action], Resource: kept }] : rest;
    }),
  );
}

/** The manifest as the stack was synthesised before finding 1 was fixed: no read-model access for write routes. */
function beforeFinding1(manifest: IamManifest): IamManifest {
  let result = manifest;
  for (const [id, fn] of Object.entries(manifest.functions)) {
    if (!fn.invokedBy.some((how) => how.startsWith("api:POST "))) continue;
    result = withStatements(result, id, (statements) => statements.filter((s) => !s.Resource?.some(isReadModels)));
  }
  return result;
}

/** ... and before finding 2 was fixed: no read route may touch the events table. */
function beforeFinding2(manifest: IamManifest): IamManifest {
  let result = manifest;
  for (const [id, fn] of Object.entries(manifest.functions)) {
    if (!fn.invokedBy.some((how) => how.startsWith("api:GET "))) continue;
    result = withStatements(result, id, (statements) => statements.filter((s) => !s.Resource?.some((r) => r.includes(":table/${Events}"))));
  }
  return result;
}

const manifest = loadCommittedManifest();
const asOf = (id: string) => `/audit/as-of?schemeId=technohubs-2020&projection=applications&id=${id}&at=2030-01-01`;
const explain = (id: string) => `/audit/explain?schemeId=technohubs-2020&projection=applications&id=${id}`;
const functionIdOfRoute = (routeKey: string) => Object.entries(manifest.functions).find(([, f]) => f.invokedBy.includes(`api:${routeKey}`))![0];

// One back office at a time: the local runtime hands its handlers the process's dependencies (useDependencies).
let real: TestBackOffice;
let broken: TestBackOffice;

/** Registered, detailed and complete, with the projections caught up: ready for the assessor. */
async function readyForAssessment(backOffice: TestBackOffice): Promise<string> {
  const staff = new Staff(backOffice);
  const id = await staff.register(application);
  await staff.details(id, details);
  await staff.complete(id);
  await backOffice.settle();
  return id;
}

describe("IAM parity on the local runtime, with the committed manifest", () => {
  // Strict about identity too: a call of the runtime made outside any function would be refused.
  beforeAll(async () => {
    real = await startTestBackOffice("iam-real", { iam: { outside: "deny" } });
  });
  afterAll(async () => {
    await real?.stop();
  });

  it("runs an application from registration to a hub finding with only each function's own grants, every call made as a function", async () => {
    const staff = new Staff(real);
    const id = await readyForAssessment(real);
    await staff.sections(id, ["proposal"], "2021-01-21T09:00:00.000Z");
    await staff.assess(id);
    await staff.award(id, { roundId: "2021-02-15", membersPresent: ["FME", "FNV", "CNV"], decidedOn: "2021-02-25" });
    await real.settle();
    await staff.expect("assessor", "POST", `${hubPath}/findings`, finding, 201);
    await staff.expect("auditor", "GET", `/applications/${id}`, undefined, 200);
    await real.settle();

    expect(real.iam.denials).toEqual([]);
    // Nothing the runtime did on its own ran without a function identity (the guard would have refused it).
    expect([...real.iam.unattributed]).toEqual([]);
    const checked = new Set(real.iam.checks().map((c) => c.functionId));
    for (const fn of ["RegisterApplicationApi", "ReceiveApplicationSectionsApi", "AssessApplicationApi", "RecordEvaluationFindingApi", "GetApplicationApi", "Relay", "ApplicationsProjector"]) {
      expect(checked, fn).toContain(fn);
    }
    // The relay read the stream and published with the relay's role, the `events:source` condition included.
    const relayActions = new Set(real.iam.checks().filter((c) => c.functionId === "Relay").map((c) => c.action));
    expect([...relayActions].sort()).toEqual(["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "events:PutEvents"]);
  });

  it("takes a mail through the SMTP intake as the intake function: its log, bucket and SES calls within its role", async () => {
    await sendMail(real.smtpUrl, { from: "aanvrager@example.org", to: "technohubs@intake.aeno.local", subject: "Aanvraag", text: "zonder bijlagen" });
    await real.settle();
    const intake = real.iam.checks().filter((c) => c.functionId === "Intake");
    expect(intake.map((c) => c.action)).toContain("dynamodb:PutItem");
    expect(intake.every((c) => c.decision === "allow")).toBe(true);
    expect(real.iam.denials).toEqual([]);
    expect([...real.iam.unattributed]).toEqual([]);
  });

  it("finding 1: AssessApplication reads read models with only its synthesised permissions", async () => {
    const id = await readyForAssessment(real);
    expect((await real.call("assessor", "POST", `/applications/${id}/assessment`, { answers: {} })).status).toBe(200);
    expect(real.iam.checks()).toContainEqual(
      expect.objectContaining({ functionId: "AssessApplicationApi", action: "dynamodb:Query", resource: "dynamodb:table/${ReadModels}/index/byList", decision: "allow" }),
    );
    // The grant is exactly a Query on the read models' list index, for exactly the write routes that list.
    const readModelGrants = Object.entries(manifest.functions)
      .filter(([, f]) => f.invokedBy.some((how) => how.startsWith("api:POST ")))
      .flatMap(([fid, f]) => f.statements.filter((s) => s.Resource?.some(isReadModels)).map((s) => [fid, s.Action, s.Resource] as const));
    expect(readModelGrants.map(([fid]) => fid).sort()).toEqual(
      ["AssessApplicationApi", "ClassifyHubApi", "RecordEvaluationFindingApi", "RecordKnowledgeSessionAttendanceApi", "RecordOzoneModuleApi", "SubmitSelfEvaluationApi"].sort(),
    );
    for (const [, actions, resources] of readModelGrants) {
      expect(actions).toEqual(["dynamodb:Query"]);
      expect(resources).toEqual(["arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${ReadModels}/index/byList"]);
    }
  });

  it("finding 1: the hub write routes look the funded hub up in the read models with only their synthesised permissions", async () => {
    // The lookup runs: an unknown hub is a 404 (a funded one took its finding above).
    expect((await real.call("assessor", "POST", "/schemes/technohubs-2020/hubs/technohub-nowhere/findings", finding)).status).toBe(404);
    expect(real.iam.denials).toEqual([]);
  });

  it("IAM parity finding 2: the auditor's as-of and explain replay the log with only their synthesised permissions", async () => {
    const id = await new Staff(real).register(application);
    expect((await real.call("auditor", "GET", asOf(id))).status).toBe(200);
    expect((await real.call("auditor", "GET", explain(id))).status).toBe(200);
    for (const functionId of ["GetStateAsOfApi", "ExplainDocumentApi"]) {
      expect(real.iam.checks()).toContainEqual(expect.objectContaining({ functionId, action: "dynamodb:Query", resource: "dynamodb:table/${Events}/index/globalOrder", decision: "allow" }));
      // Of the log, that Query on the replay index is all they may do.
      const onEvents = manifest.functions[functionId]!.statements.filter((s) => s.Resource?.some((r) => r.includes(":table/${Events}")));
      expect(onEvents.map((s) => [s.Action, s.Resource])).toEqual([[["dynamodb:Query"], ["arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${Events}/index/globalOrder"]]]);
    }
    expect(real.iam.denials).toEqual([]);
  });

  it("refuses a call made outside any function identity when told to, and lets an explicit unrestricted one through", async () => {
    await expect(real.dependencies.events.readStream("application#nobody")).rejects.toThrow(StoreUnavailable);
    expect(real.iam.unattributed.get("Query")).toBe(1);
    await expect(runUnrestricted("a test reads the log", () => real.dependencies.events.readStream("application#nobody"))).resolves.toEqual([]);
    expect(real.iam.unrestricted.get("a test reads the log")).toBe(1);
  });
});

describe("IAM parity on the local runtime, with grants taken away", () => {
  // The manifest as synthesised before findings 1 and 2 were fixed, and without the sections route's Query on the events table.
  beforeAll(async () => {
    const sections = functionIdOfRoute("POST /applications/{applicationId}/sections");
    broken = await startTestBackOffice("iam-broken", { iam: { manifest: without(beforeFinding2(beforeFinding1(manifest)), sections, "dynamodb:Query", isEventsTable) } });
  });
  afterAll(async () => {
    await broken?.stop();
  });

  it("bites: without dynamodb:Query on the events table, the sections route is denied as AWS would deny it (AccessDeniedException, 400), the API answers 5xx", async () => {
    const id = await new Staff(broken).register(application);
    // With the committed manifest the same call answers 200 (the first test above).
    const answer = await broken.call("intake", "POST", `/applications/${id}/sections`, { sectionIds: ["proposal"], receivedAt: "2021-01-21T09:00:00.000Z" });
    expect(answer.status).toBeGreaterThanOrEqual(500);
    expect(broken.iam.denials).toContainEqual(
      expect.objectContaining({ functionId: "ReceiveApplicationSectionsApi", action: "dynamodb:Query", resource: expect.stringMatching(/:table\/events-iam-broken-[^/]+$/), decision: "implicit-deny" }),
    );
    // What reached the store adapter is the SDK's own exception, shaped as on AWS.
    const error = await runAs(routeFunction(routeById("ReceiveApplicationSections")), () => broken.dependencies.events.readStream(`application#${id}`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailable);
    const cause = (error as StoreUnavailable).cause as DynamoDBServiceException;
    expect(cause).toBeInstanceOf(DynamoDBServiceException);
    expect(cause.name).toBe("AccessDeniedException");
    expect(cause.$metadata.httpStatusCode).toBe(400);
    expect(cause.$fault).toBe("client");
    expect(cause.message).toMatch(/ReceiveApplicationSectionsApi is not authorized to perform: dynamodb:Query on resource: arn:aws:dynamodb:ddblocal:000000000000:table\/events-iam-broken-/);
  });

  it("finding 1, as synthesised before the fix: every assessment and every hub write would have been denied on AWS", async () => {
    // R-TH-07/08: the scheme's other applications come from the applications read model.
    const id = await readyForAssessment(broken);
    expect((await broken.call("assessor", "POST", `/applications/${id}/assessment`, { answers: {} })).status).toBeGreaterThanOrEqual(500);
    expect(broken.iam.denials).toContainEqual(
      expect.objectContaining({ functionId: "AssessApplicationApi", action: "dynamodb:Query", resource: expect.stringMatching(/:table\/read-models-iam-broken-[^/]+\/index\/byList$/) }),
    );
    // The hub routes' lookup of the funded hub, whatever the hub.
    expect((await broken.call("assessor", "POST", `${hubPath}/findings`, finding)).status).toBeGreaterThanOrEqual(500);
    expect(broken.iam.denials).toContainEqual(expect.objectContaining({ functionId: "RecordEvaluationFindingApi", action: "dynamodb:Query", resource: expect.stringMatching(/\/index\/byList$/) }));
  });

  it("IAM parity finding 2, as synthesised before the fix: every as-of and explain would have been denied on AWS", async () => {
    const id = await new Staff(broken).register(application);
    expect((await broken.call("auditor", "GET", asOf(id))).status).toBeGreaterThanOrEqual(500);
    expect((await broken.call("auditor", "GET", explain(id))).status).toBeGreaterThanOrEqual(500);
    for (const functionId of ["GetStateAsOfApi", "ExplainDocumentApi"]) {
      expect(broken.iam.denials).toContainEqual(expect.objectContaining({ functionId, action: "dynamodb:Query", resource: expect.stringMatching(/:table\/events-iam-broken-[^/]+\/index\/globalOrder$/) }));
    }
  });
});
