import { rm } from "node:fs/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { EventData } from "../../events/index.ts";
import { type TestBackOffice, eventually, startTestBackOffice } from "../support/back-office.ts";
import { documentPdf, intakeEvents, pseudoRandomBytes, receiveAt, sendMail, storedFiles } from "../support/mail.ts";

/**
 * Issue 12 finding 3, over real SMTP to the listener on loopback, in its own file (its own process):
 * a 6 MB attachment named like the form that is not a well-formed PDF used to keep pdf-lib parsing for
 * tens of seconds on the event loop, so no other mail was answered meanwhile. The form is now read in a
 * worker thread within a deadline. Asserts outcomes and their order, never times.
 */
let backOffice: TestBackOffice;

const TECHNOHUBS = "technohubs@intake.aeno.local";

beforeAll(async () => {
  backOffice = await startTestBackOffice("intake-junk-pdf");
});

afterAll(async () => {
  await backOffice?.stop();
  if (backOffice?.mailDir) await rm(backOffice.mailDir, { recursive: true, force: true });
});

it("issue 12 finding 3: a 6 MB junk PDF is filed with the form reported unreadable, and another sender's mail is answered while it is analysed", async () => {
  receiveAt(backOffice, "2021-01-22T09:00:00.000Z");
  // A PDF header, then 6 MB of bytes that are no PDF at all: what made pdf-lib scan for tens of seconds.
  const junk = Buffer.concat([Buffer.from("%PDF-1.7\n"), pseudoRandomBytes(6_000_000, 3)]);
  const rawBefore = (await storedFiles(backOffice, "raw")).size;
  const answered: string[] = [];

  const junkMail = sendMail(backOffice.smtpUrl, {
    from: "aanvrager@junk.example",
    to: TECHNOHUBS,
    subject: "Aanjaagsubsidie technohubs: aanvraag Technohub Rommel",
    text: "Bijgaand het formulier.",
    attachments: [
      { filename: "aanvraagformulier.pdf", content: junk, contentType: "application/pdf" },
      { filename: "Voorstel.pdf", content: await documentPdf("Voorstel") },
    ],
  }).then((sent) => {
    answered.push("junk");
    return sent;
  });
  // The junk message is kept (raw/) before it is analysed: from then on the listener is reading it.
  await eventually(() => storedFiles(backOffice, "raw"), (files) => files.size > rawBefore);
  expect(answered).toEqual([]);

  const otherMail = await sendMail(backOffice.smtpUrl, {
    from: "iemand@elders.example",
    to: TECHNOHUBS,
    subject: "Aanjaagsubsidie technohubs: vraag over de regeling",
    text: "Wanneer sluit de aanvraagtermijn?",
  });
  answered.push("other");
  const junkSent = await junkMail;

  // The other sender was answered while the junk PDF was still being analysed.
  expect(answered).toEqual(["other", "junk"]);
  expect(otherMail.reply).toMatch(/^250 /);
  expect(junkSent.reply).toMatch(/^250 /);

  const events = await intakeEvents(backOffice, junkSent.messageKey);
  expect(events.map((e) => e.type)).toEqual(["MailReceived", "MailFiled", "AcknowledgementSent"]);
  const received = events[0]!.data as EventData<"MailReceived">;
  expect(received.attachments.map((a) => [a.name, a.bytes])).toEqual([
    ["aanvraagformulier.pdf", junk.length],
    ["Voorstel.pdf", expect.any(Number)],
  ]);
  const filed = events[1]!.data as EventData<"MailFiled">;
  expect(filed).toMatchObject({ schemeId: "technohubs-2020", filedAs: "new-application", form: { status: "unreadable" } });
  expect(filed.form.problems).toContainEqual(expect.stringMatching(/^the application form could not be read: aanvraagformulier\.pdf: it could not be read within [\d.]+ s/));
  expect((await intakeEvents(backOffice, otherMail.messageKey)).map((e) => e.type)).toContain("MailReceived");
}, 30_000);
