import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StaffRole } from "../../functions/api/routes.ts";
import { startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { Staff } from "../support/scenario.ts";

/**
 * Finding 4 of the production-parity issue: an Idempotency-Key identifies one request — this caller,
 * this route, this target, this body (architecture.md; the IETF Idempotency-Key draft). Before, a
 * key was matched per stream only, so another route's or another user's request was "replayed".
 */
let backOffice: TestBackOffice;
let staff: Staff;
let grantId: string;
const key = "the-same-key-0001";

const invoice = (number: string) => ({ trancheId: "advance", invoiceNumber: number, invoiceDate: "2021-03-05", amountCents: 30_000_000, iban: "NL91 ABNA 0417 1643 00", documentRef: "s3://documents/invoice.pdf" });

async function post(role: StaffRole, subject: string, path: string, body: unknown, idempotencyKey = key) {
  return backOffice.call(undefined, "POST", path, body, { authorization: `Bearer ${await backOffice.token(role, subject)}`, "idempotency-key": idempotencyKey });
}

async function grantEvents(type: string) {
  return (await backOffice.dependencies.events.readStream(`grant#${grantId}`)).filter((e) => e.type === type);
}

beforeAll(async () => {
  backOffice = await startTestBackOffice("idempotency");
  staff = new Staff(backOffice);
  grantId = await staff.technohubsGrant(1);
});

afterAll(async () => {
  await backOffice?.stop();
});

describe("finding 4: an Idempotency-Key is scoped to caller + route + target, and a reused key with another body is refused", () => {
  let invoiceId: string;

  it("the same request sent again is a replay: same invoice, recorded once, marked as replayed", async () => {
    const first = await post("finance", "finance-anna", `/grants/${grantId}/invoices`, invoice("F-1"));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    invoiceId = first.body.recorded[0].data.invoiceId;
    const again = await post("finance", "finance-anna", `/grants/${grantId}/invoices`, invoice("F-1"));
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.recorded[0].data.invoiceId).toBe(invoiceId);
    expect(await grantEvents("InvoiceRegistered")).toHaveLength(1);
  });

  it("the same key with another body is a different request: 422, nothing recorded", async () => {
    const reused = await post("finance", "finance-anna", `/grants/${grantId}/invoices`, invoice("F-1-changed"));
    expect(reused.status, JSON.stringify(reused.body)).toBe(422);
    expect(reused.body.title).toBe("idempotency-key-reused");
    expect(await grantEvents("InvoiceRegistered")).toHaveLength(1);
  });

  it("R-X-03 the registrar approving their own invoice under the key of its registration gets the four-eyes 403, not a replay of the registration", async () => {
    const approval = await post("finance", "finance-anna", `/grants/${grantId}/invoices/${invoiceId}/approval`, {});
    expect(approval.status, JSON.stringify(approval.body)).toBe(403);
    expect(approval.headers.get("idempotent-replayed")).toBeNull();
    expect(await grantEvents("PaymentApproved")).toHaveLength(0);
  });

  it("another finance user's invoice under a key someone else used is recorded as their own", async () => {
    const other = await post("finance", "finance-bram", `/grants/${grantId}/invoices`, { ...invoice("F-2"), amountCents: 2_760_000 });
    expect(other.status, JSON.stringify(other.body)).toBe(201);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
    expect(other.body.recorded[0].data.invoiceId).not.toBe(invoiceId);
    expect((await grantEvents("InvoiceRegistered")).map((e) => e.metadata.actor)).toEqual(["finance-anna", "finance-bram"]);
  });

  it("an intake user's final report under finance's key is their own request: recorded, and no IBAN in the answer", async () => {
    const report = await post("intake", "intake-carla", `/grants/${grantId}/final-report`, { results: [{ objective: "Hub running", achieved: true }], actualCosts: [{ categoryId: "company-staff", amountCents: 58_500_000 }], submittedOn: "2022-01-15" });
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    expect(report.headers.get("idempotent-replayed")).toBeNull();
    expect(JSON.stringify(report.body)).not.toMatch(/NL91|0417164300/);
    expect(await grantEvents("FinalReportSubmitted")).toHaveLength(1);
  });
});
