import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventData } from "../../events/index.ts";
import { type TestBackOffice, eventually, startTestBackOffice } from "../support/back-office.ts";
import { fixtureMail, intakeEvents, messageKeyIn, readStored, receiveAt, sendRawSmtp, sha256, storedFiles } from "../support/mail.ts";

/**
 * Issue 12 finding 5: MIME that cannot be split (a multipart without a boundary, a boundary no
 * line of the body matches, a MIME body under a text/plain header) was filed as an application
 * with 0 documents, the PDF only in the raw file and nothing telling staff; a mismatched boundary
 * was reported as "truncated". Each is sent byte for byte over SMTP to the listener on loopback
 * and must end as a listed failure with the right reason, its raw message kept and linked.
 */
let backOffice: TestBackOffice;
const TECHNOHUBS = "technohubs@intake.aeno.local";
const proposal = { PROPOSAL_BASE64: Buffer.from("%PDF-1.7\n% Voorstel\n1 0 obj << >> endobj\n%%EOF\n") };

beforeAll(async () => {
  backOffice = await startTestBackOffice("intake-mime-damage");
  // Inside the technohubs term, so that only the damage can make the message a failure.
  receiveAt(backOffice, "2021-02-03T09:00:00.000Z");
});

afterAll(async () => {
  await backOffice?.stop();
  if (backOffice?.mailDir) await rm(backOffice.mailDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

const cases = [
  {
    finding: "a multipart Content-Type without a boundary parameter",
    fixture: "boundary-missing.eml",
    from: "aanvrager@metaal-noord.example",
    subject: "Aanjaagsubsidie technohubs - aanvraag Technohub Groningen",
    reason: 'the Content-Type is "multipart/mixed" but names no boundary (boundary="..." is missing): the parts cannot be told apart',
  },
  {
    finding: "a declared boundary that no line of the body is (mismatched), not 'truncated'",
    fixture: "boundary-mismatched.eml",
    from: "aanvrager@metaal-zuid.example",
    subject: "Aanjaagsubsidie technohubs - aanvraag Technohub Eindhoven",
    reason: 'the Content-Type declares boundary "=_Part_0_1234.5678", but no line of the body is "--=_Part_0_1234.5678": the parts cannot be told apart',
  },
  {
    finding: "a body that holds an attachment under a text/plain Content-Type",
    fixture: "mime-body-as-text.eml",
    from: "aanvrager@metaal-midden.example",
    subject: "Aanjaagsubsidie technohubs - aanvraag Technohub Utrecht",
    reason: 'the message\'s Content-Type is "text/plain", yet its body holds an attachment named "Voorstel Utrecht.pdf" (a "Content-Disposition: attachment" line): no document could be read out of it',
  },
] as const;

describe("issue 12 finding 5: MIME that cannot be split is a listed failure with the right reason and the raw message linked", () => {
  for (const { finding, fixture, from, subject, reason } of cases) {
    it(`issue 12 finding 5: ${finding} is an 'unparseable' failure at GET /intake/failures, raw kept, no application with 0 documents`, async () => {
      const raw = await fixtureMail(fixture, proposal);
      const sent = await sendRawSmtp(backOffice.smtpUrl, { from, to: [TECHNOHUBS] }, raw);
      expect(sent.code).toBe(250);
      const messageKey = messageKeyIn(sent.reply)!;
      expect(messageKey).toMatch(/^[0-9a-f]{64}$/);

      const events = await intakeEvents(backOffice, messageKey);
      expect(events.map((e) => e.type)).toEqual(["MailReceived", "IntakeFailed"]);
      const received = events[0]!.data as EventData<"MailReceived">;
      expect(received.attachments).toEqual([]);
      expect(events[1]!.data).toMatchObject({ code: "unparseable", reason });
      expect(await readStored(backOffice, received.rawObjectKey)).toEqual(raw);

      const failures = await eventually(
        () => backOffice.call("intake", "GET", "/intake/failures?code=unparseable"),
        (r) => r.body?.items?.some((m: { messageKey: string }) => m.messageKey === messageKey),
      );
      expect(failures.body.items.find((m: { messageKey: string }) => m.messageKey === messageKey)).toMatchObject({
        messageKey,
        status: "failed",
        rawObjectKey: received.rawObjectKey,
        subject,
        failure: { code: "unparseable", reason },
      });
      expect((await backOffice.call("intake", "GET", "/intake/failures?code=truncated")).body.items.some((m: { messageKey: string }) => m.messageKey === messageKey)).toBe(false);
    });
  }

  it("issue 12 finding 5: none of the damaged messages became an application, and each raw message is kept once", async () => {
    const applications = await backOffice.call("intake", "GET", "/applications?schemeId=technohubs-2020");
    expect(applications.status).toBe(200);
    expect(JSON.stringify(applications.body)).not.toMatch(/Groningen|Eindhoven|Utrecht/);
    const raw = await storedFiles(backOffice, "raw");
    for (const { fixture } of cases) expect(raw.has(`${sha256(await fixtureMail(fixture, proposal))}.eml`)).toBe(true);
    // The PDF was never taken out as a document: there was none to take.
    expect((await storedFiles(backOffice, "documents")).size).toBe(0);
  });
});
