import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventData } from "../../events/index.ts";
import { type TestBackOffice, startTestBackOffice } from "../support/back-office.ts";
import { compose, documentPdf, fillForm, intakeEvents, receiveAt, sendMail, sendRawSmtp } from "../support/mail.ts";

/**
 * Issue 12 (an email intake that can face the internet), over real SMTP to the listener on loopback:
 * the published addresses (finding 4), junk PDFs (finding 3), duplicates through re-encoding (finding 9).
 */
let backOffice: TestBackOffice;
let technohubsForm: Buffer;

const APPLICANT = "aanvrager@hardening.example";
const TECHNOHUBS = "technohubs@intake.aeno.local";

type Received = EventData<"MailReceived">;
type Filed = EventData<"MailFiled">;

const filledForm = (hub: string) =>
  fillForm(technohubsForm, { instrument: "execution", technohubName: hub, applicantCompany: "Hardening BV", requestedAmountEuros: "100.000", plannedStartDate: "2021-04-01" });

beforeAll(async () => {
  backOffice = await startTestBackOffice("intake-hardening");
  const response = await fetch(`${backOffice.apiUrl}/schemes/technohubs-2020/application-form`, { headers: { authorization: `Bearer ${await backOffice.token("intake")}` } });
  technohubsForm = Buffer.from(await response.arrayBuffer());
});

afterAll(async () => {
  await backOffice?.stop();
  if (backOffice?.mailDir) await rm(backOffice.mailDir, { recursive: true, force: true });
});

describe("issue 12 finding 4: the published addresses", () => {
  it("issue 12 finding 4: a mail to a scheme's published address (vergoedingen@ao-metalektro.nl) is accepted over SMTP and filed for its scheme; another mailbox at that domain is still refused", async () => {
    receiveAt(backOffice, "2021-01-21T09:00:00.000Z");
    const sent = await sendMail(backOffice.smtpUrl, {
      from: APPLICANT,
      to: "Vergoedingen@AO-Metalektro.nl",
      subject: "Aanvraag Technohub Gepubliceerd",
      attachments: [
        { filename: "aanvraagformulier.pdf", content: await filledForm("Technohub Gepubliceerd") },
        { filename: "Voorstel.pdf", content: await documentPdf("Voorstel") },
      ],
    });
    const events = await intakeEvents(backOffice, sent.messageKey);
    expect(events.map((e) => e.type)).toEqual(["MailReceived", "MailFiled", "AcknowledgementSent"]);
    expect((events[0]!.data as Received).schemeId).toBe("technohubs-2020");
    expect(events[1]!.data as Filed).toMatchObject({ schemeId: "technohubs-2020", filedAs: "new-application" });
    const other = await sendRawSmtp(backOffice.smtpUrl, { from: APPLICANT, to: ["iemand@ao-metalektro.nl"] }, Buffer.from("Subject: x\r\n\r\nx\r\n"));
    expect(other.code).toBe(550);
  });
});
