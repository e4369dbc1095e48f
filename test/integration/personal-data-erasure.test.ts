import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { ERASED } from "../../events/personal-data.ts";
import { startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { localClient } from "../support/dynamo.ts";
import { Staff } from "../support/scenario.ts";

/**
 * Issue 16 (R-X-01, R-X-03, R-TH-12): personal data sealed per data subject in an unchangeable log;
 * erasure destroys the subject's key, every read shows `[erased]`, every hash and total stays.
 */
const exec = promisify(execFile);
const CONTACT = { address: "jan.jansen@metaal-oost.example", name: "Jan Jansen" };
const IBAN = "NL91ABNA0417164300";
const MEMBER = "Mevrouw De Unie-Vertegenwoordiger";

let backOffice: TestBackOffice;
let staff: Staff;
let applicationId: string;
let grantId: string;
let workDir: string;

const audit = async (...args: string[]) => {
  try {
    const { stdout } = await exec("npx", ["tsx", "audit/cli.ts", ...args, "--quiet"], { cwd: process.cwd(), timeout: 120_000 });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
};
const source = () => ["--endpoint", backOffice.dynamoEndpoint, "--events-table", backOffice.tables.events];

async function pay(trancheId: string, amountCents: number, invoiceDate: string, valueDate: string) {
  const registered = await backOffice.callAs("finance", "finance-anna", "POST", `/grants/${grantId}/invoices`, { trancheId, invoiceNumber: `F-${trancheId}`, invoiceDate, amountCents, iban: IBAN, documentRef: "s3://documents/invoice.pdf" });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const invoiceId = registered.body.recorded[0].data.invoiceId;
  await staff.expectAs("finance", "finance-bram", "POST", `/grants/${grantId}/invoices/${invoiceId}/approval`, {}, 200);
  await staff.expectAs("finance", "finance-bram", "POST", `/grants/${grantId}/invoices/${invoiceId}/payment`, { bankReference: `BANK-${trancheId}`, valueDate }, 200);
}

async function figures() {
  await backOffice.settle();
  const grant = (await staff.expect("auditor", "GET", `/grants/${grantId}`, undefined, 200)).body;
  const budget = (await staff.expect("finance", "GET", "/schemes/technohubs-2020/budget", undefined, 200)).body;
  const csv = (await staff.expect("finance", "GET", "/payouts?schemeId=technohubs-2020&format=csv", undefined, 200)).body as string;
  const application = (await staff.expect("auditor", "GET", `/applications/${applicationId}`, undefined, 200)).body;
  return { grant, budget, csv, application };
}

const erasure = (subjectKind: string, identity: string) =>
  backOffice.call("admin", "POST", "/data-subjects/erasure-requests", { subjectKind, identity, legalBasis: "gdpr-17-1-a", note: "request by letter, ref AVG-2026-001" });

async function storedPayloads(streamId: string): Promise<string> {
  const documents = DynamoDBDocumentClient.from(localClient());
  const out = await documents.send(new QueryCommand({ TableName: backOffice.tables.events, KeyConditionExpression: "streamId = :s", ExpressionAttributeValues: { ":s": streamId } }));
  return (out.Items ?? []).map((i) => String(i.payload)).join("\n");
}

/** The application's letters as staff see them (issue 13), recipients revealed or [erased]. */
async function letters(): Promise<Array<{ letterId: string; kind: string; sha256: string }>> {
  return (await staff.expect("auditor", "GET", `/applications/${applicationId}/letters`, undefined, 200)).body.items;
}

beforeAll(async () => {
  backOffice = await startTestBackOffice("gdpr");
  staff = new Staff(backOffice);
  workDir = await mkdtemp(join(tmpdir(), "gdpr-"));
  applicationId = await staff.register({
    schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name: "Technohub Privacy", region: "Regio Privacy" },
    applicant: { companyName: "Metaal Oost BV" }, requestedAmountCents: 50_000_000, receivedAt: "2021-01-10T09:00:00.000Z", sectionIds: ["application-form", "proposal"],
  });
  await staff.expect("intake", "POST", `/applications/${applicationId}/contacts`, CONTACT, 200);
  await staff.details(applicationId, { plannedStartDate: "2021-03-01", applicantAffiliated: true, costLines: [{ lineId: "staff", categoryId: "company-staff", description: "Staff", amountCents: 58_500_000 }] });
  await staff.complete(applicationId);
  await backOffice.settle();
  await staff.assess(applicationId);
  await staff.award(applicationId, { roundId: "2021-02-15", membersPresent: ["FME", MEMBER], decidedOn: "2021-02-25" });
  await staff.awardLetter(applicationId, "2021-03-01");
  // The grant takes the application's id (domain/application.ts decideIssueAwardLetter).
  grantId = applicationId;
  await pay("advance", 32_760_000, "2021-03-05", "2021-03-10");
  await staff.expect("intake", "POST", `/grants/${grantId}/final-report`, { results: [{ objective: "Hub running", achieved: true }], actualCosts: [{ categoryId: "company-staff", amountCents: 58_500_000 }], submittedOn: "2022-01-15" }, 200);
  await staff.expect("assessor", "POST", `/grants/${grantId}/final-report/review`, { decision: "approve", approvedEligibleCostsCents: 58_500_000, on: "2022-02-01" }, 200);
  await staff.expect("finance", "POST", `/grants/${grantId}/settlement`, { settledOn: "2022-02-10" }, 200);
  await pay("final", 8_190_000, "2022-02-12", "2022-02-15");
}, 120_000);

afterAll(async () => {
  await backOffice?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe("issue 16: personal data erasable from a log that cannot change (R-X-01)", () => {
  it("stores the contact, the committee members and the IBAN only sealed: no plaintext in any stored payload", async () => {
    const stored = `${await storedPayloads(`application#${applicationId}`)}\n${await storedPayloads(`grant#${grantId}`)}`;
    expect(stored).toContain("pd1.");
    for (const plain of [CONTACT.address, CONTACT.name, IBAN, MEMBER]) expect(stored).not.toContain(plain);
    const { application, csv, grant } = await figures();
    expect(application.contacts).toContainEqual(expect.objectContaining(CONTACT));
    expect(application.award.membersPresent).toEqual(["FME", MEMBER]);
    expect(csv).toContain("NL91**********4300");
    expect(grant.paidCents).toBe(40_950_000);
  });

  it("refuses to erase a bank account within the fiscal retention period, with the reason and the date from which it is possible (R-X-03)", async () => {
    const refused = await erasure("bank-account", "NL91 ABNA 0417 1643 00");
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.details).toMatchObject({ code: "fiscal-retention", erasableFrom: "2029-02-15", applicationIds: [applicationId] });
    expect(refused.body.detail).toContain("7 years after the last payment (2022-02-15");
    expect((await figures()).csv).toContain("NL91**********4300");
  });

  it("refuses to erase the contact of a running application (running-file, no date yet)", async () => {
    const running = await staff.register({
      schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name: "Technohub Lopend", region: "Regio Lopend" },
      applicant: { companyName: "Lopend BV" }, requestedAmountCents: 10_000_000, receivedAt: "2021-01-11T09:00:00.000Z", sectionIds: ["application-form"],
    });
    await staff.expect("intake", "POST", `/applications/${running}/contacts`, { address: "piet@lopend.example", name: "Piet Lopend" }, 200);
    const refused = await erasure("contact", "Piet@Lopend.example");
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.details).toMatchObject({ code: "running-file", erasableFrom: null, applicationIds: [running] });
  });

  it("erases the contact of a closed file: every read shows [erased]; totals, payouts, letters' figures, verify and replay stay as they were", async () => {
    await backOffice.settle();
    const before = await figures();
    // Issue 13's letters went to the contact: the award, the two payments and the settlement.
    const lettersBefore = await letters();
    expect(lettersBefore.length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(lettersBefore)).toContain(CONTACT.address);
    for (const letter of lettersBefore) expect(await storedPayloads(`letter#${letter.letterId}`), letter.kind).not.toContain(CONTACT.address);
    const erased = await erasure("contact", CONTACT.address.toUpperCase());
    expect(erased.status, JSON.stringify(erased.body)).toBe(201);
    expect(erased.body).toMatchObject({ outcome: "erased", applicationIds: [applicationId] });

    const after = await figures();
    expect(after.application.contacts).toContainEqual(expect.objectContaining({ address: ERASED, name: ERASED }));
    expect(JSON.stringify(after.application)).not.toContain(CONTACT.name);
    // Nothing else moved: the grant, the budget and the payout CSV are byte for byte what they were.
    expect(after.grant).toEqual(before.grant);
    expect(after.budget).toEqual(before.budget);
    expect(after.csv).toEqual(before.csv);
    expect({ ...after.application, contacts: undefined }).toEqual({ ...before.application, contacts: undefined });
    // The letters stay listed with their hashes and kinds; where their recipient was, [erased].
    const lettersAfter = await letters();
    expect(JSON.stringify(lettersAfter)).not.toContain(CONTACT.address);
    expect(JSON.stringify(lettersAfter)).toContain(ERASED);
    expect(lettersAfter.map((l) => [l.letterId, l.kind, l.sha256])).toEqual(lettersBefore.map((l) => [l.letterId, l.kind, l.sha256]));
    // A second request finds no subject: the lookup was forgotten with the key.
    expect((await erasure("contact", CONTACT.address)).status).toBe(404);

    const verified = await audit("verify", ...source());
    expect(verified.code, verified.stdout).toBe(0);
    const replayed = await audit("replay", ...source(), "--read-models-table", backOffice.tables.readModels);
    expect(replayed.code, replayed.stdout).toBe(0);
  });

  it("erases the IBAN once the fiscal retention period has passed: the payout CSV shows [erased], its amounts unchanged; the export verifies without keys", async () => {
    const before = await figures();
    const realClock = backOffice.dependencies.clock;
    (backOffice.dependencies as { clock: () => Date }).clock = () => new Date("2029-02-15T10:00:00.000Z");
    try {
      const erased = await erasure("bank-account", IBAN);
      expect(erased.status, JSON.stringify(erased.body)).toBe(201);
    } finally {
      (backOffice.dependencies as { clock: () => Date }).clock = realClock;
    }
    const after = await figures();
    // The masked form and the number itself are gone (a bare "4300" could be part of a random id).
    for (const shown of ["NL91**********4300", IBAN]) expect(after.csv).not.toContain(shown);
    expect(after.csv).toEqual(before.csv.replaceAll("NL91**********4300", ERASED));
    expect(after.grant.paidCents).toBe(before.grant.paidCents);
    expect(after.budget).toEqual(before.budget);

    const file = join(workDir, "technohubs.jsonl");
    const exported = await audit("export", ...source(), "--scheme", "technohubs-2020", "--out", file);
    expect(exported.code, exported.stdout).toBe(0);
    const verifiedFile = await audit("verify", "--file", file);
    expect(verifiedFile.code, verifiedFile.stdout).toBe(0);
  });
});
