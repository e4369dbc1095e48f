import { expect } from "vitest";
import type { StaffRole } from "../../functions/api/routes.ts";
import { eventually, type TestBackOffice } from "./back-office.ts";

type Response = { status: number; body: any; headers: Headers };

/** Staff working through the HTTP API, as the people in the documents did. Each step checks its status. */
export class Staff {
  constructor(private readonly backOffice: TestBackOffice) {}

  async expect(role: StaffRole, method: string, path: string, body: unknown, status: number, headers?: Record<string, string>): Promise<Response> {
    const response = await this.backOffice.call(role, method, path, body, headers);
    if (response.status !== status) expect.fail(`${method} ${path} as ${role}: expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
    return response;
  }

  /** The same, as a named member of staff (four-eyes needs two people in one role). */
  async expectAs(role: StaffRole, subject: string, method: string, path: string, body: unknown, status: number): Promise<Response> {
    const response = await this.backOffice.callAs(role, subject, method, path, body);
    if (response.status !== status) expect.fail(`${method} ${path} as ${subject} (${role}): expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
    return response;
  }

  async register(body: Record<string, unknown>, status = 201): Promise<string> {
    const response = await this.expect("intake", "POST", "/applications", body, status);
    return response.body.applicationId ?? response.body.details?.applicationId;
  }

  details(applicationId: string, body: Record<string, unknown>) {
    return this.expect("intake", "POST", `/applications/${applicationId}/details`, body, 200);
  }

  sections(applicationId: string, sectionIds: string[], receivedAt: string) {
    return this.expect("intake", "POST", `/applications/${applicationId}/sections`, { sectionIds, receivedAt }, 200);
  }

  complete(applicationId: string, status = 200) {
    return this.expect("intake", "POST", `/applications/${applicationId}/completeness`, { complete: true }, status);
  }

  assess(applicationId: string, answers: Record<string, { answer: boolean; note?: string }> = {}) {
    return this.expect("assessor", "POST", `/applications/${applicationId}/assessment`, { answers }, 200);
  }

  award(applicationId: string, body: Record<string, unknown>, status = 200) {
    return this.expect("committee-secretary", "POST", `/applications/${applicationId}/decision`, { decision: "award", ...body }, status);
  }

  reject(applicationId: string, body: Record<string, unknown>) {
    return this.expect("committee-secretary", "POST", `/applications/${applicationId}/decision`, { decision: "reject", ...body }, 200);
  }

  withdraw(applicationId: string, reason: string) {
    return this.expect("committee-secretary", "POST", `/applications/${applicationId}/withdrawal`, { reason }, 200);
  }

  awardLetter(applicationId: string, issuedOn: string) {
    return this.expect("committee-secretary", "POST", `/applications/${applicationId}/award-letter`, { issuedOn }, 200);
  }

  /**
   * A Technohubs execution grant of EUR 409,500.00 (70% of 585,000.00, R-TH-02), its award letter
   * issued (R-TH-12: the 80% tranche may be invoiced). `n` keeps hubs distinct (R-TH-07).
   */
  async technohubsGrant(n: number): Promise<string> {
    const id = await this.register({
      schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name: `Technohub Geld ${n}`, region: `Regio ${n}` },
      applicant: { companyName: "Metaal BV" }, requestedAmountCents: 50_000_000, receivedAt: "2021-01-10T09:00:00.000Z", sectionIds: ["application-form", "proposal"],
    });
    await this.details(id, { plannedStartDate: "2021-03-01", applicantAffiliated: true, costLines: [{ lineId: "staff", categoryId: "company-staff", description: "Staff", amountCents: 58_500_000 }] });
    await this.complete(id);
    await this.backOffice.settle();
    await this.assess(id);
    await this.award(id, { roundId: "2021-02-15", membersPresent: ["FME", "FNV", "CNV", "De Unie", "VHP2"], decidedOn: "2021-02-25" });
    await this.awardLetter(id, "2021-03-01");
    return id;
  }

  /** The read model, once it reflects at least `version` of the application stream. */
  async view(applicationId: string, version = 1): Promise<any> {
    const response = await eventually(() => this.backOffice.call("auditor", "GET", `/applications/${applicationId}`), (r) => r.status === 200 && r.body.version >= version);
    if (response.status !== 200 || response.body.version < version) expect.fail(`application ${applicationId} did not reach version ${version}: ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** The budget lines of a scheme, once every event so far has been projected. */
  async budget(schemeId: string): Promise<Record<string, any>> {
    await this.backOffice.settle();
    const response = await this.expect("finance", "GET", `/schemes/${schemeId}/budget`, undefined, 200);
    return Object.fromEntries(response.body.budgetLines.map((line: { budgetLineId: string }) => [line.budgetLineId, line]));
  }
}

/** Runs tasks with at most `limit` in flight: enough parallelism to be quick, not enough to drown DynamoDB Local. */
export async function inParallel<T, R>(items: ReadonlyArray<T>, limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!, index);
      }
    }),
  );
  return results;
}
