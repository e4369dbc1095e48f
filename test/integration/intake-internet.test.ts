import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDate } from "../../domain/calendar.ts";
import type { EventData } from "../../events/index.ts";
import { DEMO_INTAKE_ADDRESS, DEMO_SCHEME_ID, catalogueWithDemo } from "../../local/demo-scheme.ts";
import { type TestBackOffice, eventually, startTestBackOffice } from "../support/back-office.ts";
import { documentPdf, fillForm, intakeEvents, sendMail } from "../support/mail.ts";

/**
 * Issue 12 (an email intake that can face the internet), over real SMTP to the listener on loopback:
 * the open demo scheme (finding 10).
 */
let backOffice: TestBackOffice;
const forms = new Map<string, Buffer>();
const today = localDate(new Date().toISOString(), "Europe/Amsterdam");

type Filed = EventData<"MailFiled">;

async function formOf(schemeId: string): Promise<Buffer> {
  if (!forms.has(schemeId)) {
    const response = await fetch(`${backOffice.apiUrl}/schemes/${schemeId}/application-form`, { headers: { authorization: `Bearer ${await backOffice.token("intake")}` } });
    expect(response.status).toBe(200);
    forms.set(schemeId, Buffer.from(await response.arrayBuffer()));
  }
  return forms.get(schemeId)!;
}

beforeAll(async () => {
  backOffice = await startTestBackOffice("intake-internet", { schemes: catalogueWithDemo(today) });
});

afterAll(async () => {
  await backOffice?.stop();
  if (backOffice?.mailDir) await rm(backOffice.mailDir, { recursive: true, force: true });
});

describe("issue 12 finding 10: an open demo scheme", () => {
  it("issue 12 finding 10: with the demo scheme opened, a filled form mailed today (the listener's real clock) ends as a queued application of the clearly marked DEMO scheme", async () => {
    const scheme = backOffice.dependencies.schemes.get(DEMO_SCHEME_ID)!.definition;
    expect(scheme.dutchTitle).toMatch(/^DEMO — /);
    expect(scheme.term.opens <= today && today <= scheme.term.closes).toBe(true);
    // Every committee round still lies ahead of or around the term, shifted with it.
    expect(scheme.committeeRounds.every((r) => r.submissionDeadline > scheme.term.opens)).toBe(true);
    const listed = await backOffice.call("intake", "GET", "/schemes");
    expect(JSON.stringify(listed.body)).toContain(DEMO_SCHEME_ID);

    const form = await fillForm(await formOf(DEMO_SCHEME_ID), {
      instrument: "execution",
      technohubName: "Technohub Demo",
      technohubRegion: "Twente",
      applicantCompany: "Demo Metaal BV",
      applicantKvk: "12345678",
      requestedAmountEuros: "100.000,00",
      plannedStartDate: scheme.term.projectPeriod.from,
    });
    const sent = await sendMail(backOffice.smtpUrl, {
      from: "aanvrager@demo.example",
      to: DEMO_INTAKE_ADDRESS,
      subject: "Aanvraag Technohub Demo",
      attachments: [
        { filename: "aanvraagformulier.pdf", content: form },
        { filename: "Voorstel Technohub Demo.pdf", content: await documentPdf("Voorstel Technohub Demo") },
      ],
    });
    const events = await intakeEvents(backOffice, sent.messageKey);
    const filed = events.find((e) => e.type === "MailFiled")!.data as Filed;
    expect(filed).toMatchObject({ schemeId: DEMO_SCHEME_ID, filedAs: "new-application", applicationStatus: "queued", missingSectionIds: [], refusal: null });
    const view = await eventually(() => backOffice.call("intake", "GET", `/applications/${filed.applicationId}`), (r) => r.status === 200 && r.body.status === "queued");
    expect(view.body).toMatchObject({ schemeId: DEMO_SCHEME_ID, status: "queued", technohub: { name: "Technohub Demo" } });
  });
});
