import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventData } from "../../events/index.ts";
import { type TestBackOffice, eventually, startTestBackOffice } from "../support/back-office.ts";
import { compose, documentPdf, fillForm, intakeEvents, messageKeyIn, receiveAt, sendMail, sendRawSmtp } from "../support/mail.ts";

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
  if (backOffice?.mailDir) await rm(backOffice.mailDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
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

describe("issue 12 finding 9: duplicates through re-encoding", () => {
  const applicationsNamed = async (hub: string) => {
    await backOffice.settle();
    const list = await backOffice.call("intake", "GET", "/applications?schemeId=technohubs-2020");
    return (list.body.items as Array<{ applicationId: string; technohub: { name: string } }>).filter((a) => a.technohub.name === hub);
  };

  it("issue 12 finding 9: the same message with its LF line ends turned into CRLF by a relay (and a blank line added at the end) files once", async () => {
    receiveAt(backOffice, "2021-01-22T09:00:00.000Z");
    const crlf = await compose({
      from: APPLICANT,
      to: TECHNOHUBS,
      subject: "Aanjaagsubsidie technohubs: aanvraag Technohub Herschreven",
      messageId: "<relayed-once@hardening.example>",
      text: "Bijgaand formulier en voorstel.",
      attachments: [{ filename: "aanvraagformulier.pdf", content: await filledForm("Technohub Herschreven") }, { filename: "Voorstel.pdf", content: await documentPdf("Voorstel") }],
    });
    const lf = Buffer.from(crlf.toString("latin1").replace(/\r\n/g, "\n"), "latin1");
    const envelope = { from: APPLICANT, to: [TECHNOHUBS] };
    const first = await sendRawSmtp(backOffice.smtpUrl, envelope, lf);
    const second = await sendRawSmtp(backOffice.smtpUrl, envelope, Buffer.concat([crlf, Buffer.from("\r\n")]));
    expect([first.code, second.code]).toEqual([250, 250]);
    const key = messageKeyIn(first.reply)!;
    expect(messageKeyIn(second.reply)).toBe(key);
    expect((await intakeEvents(backOffice, key)).map((e) => e.type)).toEqual(["MailReceived", "MailFiled", "AcknowledgementSent"]);
    expect(await applicationsNamed("Technohub Herschreven")).toHaveLength(1);
  });

  it("issue 12 finding 9: the same Message-ID on a different body is filed as its own message and flagged for staff on the application's /mail (sameMessageIdAs)", async () => {
    receiveAt(backOffice, "2021-01-22T10:00:00.000Z");
    const message = async (text: string) => ({
      from: APPLICANT,
      to: TECHNOHUBS,
      subject: "Aanjaagsubsidie technohubs: aanvraag Technohub Hergebruikt",
      messageId: "<reused-id@hardening.example>",
      text,
      attachments: [{ filename: "aanvraagformulier.pdf", content: await filledForm("Technohub Hergebruikt") }, { filename: "Voorstel.pdf", content: await documentPdf("Voorstel") }],
    });
    const first = await sendMail(backOffice.smtpUrl, await message("Eerste versie."));
    const secondRaw = await compose(await message("Tweede versie, met een andere tekst."));
    const second = await sendMail(backOffice.smtpUrl, { envelope: { from: APPLICANT, to: [TECHNOHUBS] }, raw: secondRaw });
    expect(second.messageKey).not.toBe(first.messageKey);
    const [firstEvents, secondEvents] = [await intakeEvents(backOffice, first.messageKey), await intakeEvents(backOffice, second.messageKey)];
    expect((firstEvents[0]!.data as Received).sameMessageIdAs).toBeUndefined();
    expect((secondEvents[0]!.data as Received).sameMessageIdAs).toEqual([first.messageKey]);
    const filed = secondEvents.find((e) => e.type === "MailFiled")!.data as Filed;
    const mail = await eventually(() => backOffice.call("intake", "GET", `/applications/${filed.applicationId}/mail`), (r) => r.status === 200 && r.body.count === 1, 400);
    expect(mail.body.items[0]).toMatchObject({ messageKey: second.messageKey, messageId: "<reused-id@hardening.example>", sameMessageIdAs: [first.messageKey] });
    // Delivering the second one again is a plain duplicate: no new flag, no new filing.
    const again = await sendMail(backOffice.smtpUrl, { envelope: { from: APPLICANT, to: [TECHNOHUBS] }, raw: secondRaw });
    expect(again.messageKey).toBe(second.messageKey);
    expect((await intakeEvents(backOffice, second.messageKey)).map((e) => e.type)).toEqual(["MailReceived", "MailFiled", "AcknowledgementSent"]);
    expect(await applicationsNamed("Technohub Hergebruikt")).toHaveLength(2);
  });
});
