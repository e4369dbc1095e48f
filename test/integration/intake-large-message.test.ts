import { rm } from "node:fs/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { EventData } from "../../events/index.ts";
import { type TestBackOffice, eventually, startTestBackOffice } from "../support/back-office.ts";
import { compose, documentPdf, fillForm, intakeEvents, peakMemoryDuring, pseudoRandomBytes, readStored, receiveAt, sendMail, sha256 } from "../support/mail.ts";

/**
 * A 20 MB message through the local SMTP listener, in its own test file (its own process), so the
 * memory figures are this message's. It reports, and asserts on correctness only, never on time.
 */
let backOffice: TestBackOffice;

beforeAll(async () => {
  backOffice = await startTestBackOffice("intake-large");
});

afterAll(async () => {
  await backOffice?.stop();
  if (backOffice?.mailDir) await rm(backOffice.mailDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

it("R-TH-14 a 20 MB message (a 14.7 MB proposal, base64) is kept, its document stored by hash and filed; peak memory reported", async () => {
  receiveAt(backOffice, "2021-01-25T09:00:00.000Z");
  const formPdf = Buffer.from(await (await fetch(`${backOffice.apiUrl}/schemes/technohubs-2020/application-form`, { headers: { authorization: `Bearer ${await backOffice.token("intake")}` } })).arrayBuffer());
  const form = await fillForm(formPdf, { instrument: "execution", technohubName: "Technohub Groot", applicantCompany: "Grootmetaal BV", requestedAmountEuros: "250.000", plannedStartDate: "2021-04-01" });
  // Incompressible bytes, so the message is really 20 MB on the wire (base64 adds a third).
  const proposal = pseudoRandomBytes(14_700_000, 20);
  const raw = await compose({
    from: "aanvrager@grootmetaal.example",
    to: "technohubs@intake.aeno.local",
    subject: "Aanjaagsubsidie technohubs: aanvraag Technohub Groot",
    text: "Bijgaand het formulier en ons (grote) voorstel.",
    attachments: [
      { filename: "aanvraagformulier.pdf", content: form },
      { filename: "Voorstel Technohub Groot.pdf", content: proposal, contentType: "application/pdf" },
      { filename: "Bijlage.pdf", content: await documentPdf("Bijlage") },
    ],
  });
  expect(raw.length).toBeGreaterThan(20_000_000);
  expect(raw.length).toBeLessThan(21_000_000);

  const started = performance.now();
  const measured = await peakMemoryDuring(() => sendMail(backOffice.smtpUrl, { envelope: { from: "aanvrager@grootmetaal.example", to: ["technohubs@intake.aeno.local"] }, raw }));
  const accepted = performance.now();
  const events = await intakeEvents(backOffice, measured.result.messageKey);
  const received = events[0]!.data as EventData<"MailReceived">;
  const filed = events[1]!.data as EventData<"MailFiled">;
  const visible = await eventually(() => backOffice.call("intake", "GET", `/applications/${filed.applicationId}`), (r) => r.status === 200 && r.body.status === "queued", 400);
  const seen = performance.now();

  const mb = (bytes: number) => (bytes / 1_048_576).toFixed(0);
  console.info(
    `[intake] ${(raw.length / 1_000_000).toFixed(1)} MB message: SMTP 250 after ${Math.round(accepted - started)} ms, visible ${Math.round(seen - accepted)} ms later; ` +
      `RSS ${mb(measured.baselineRssBytes)} MB before, peak ${mb(measured.peakRssBytes)} MB sampled (+${mb(measured.peakRssBytes - measured.baselineRssBytes)} MB; the test process holds the sender too), ` +
      `kernel max RSS ${mb(measured.maxRssBeforeBytes)} -> ${mb(measured.maxRssAfterBytes)} MB`,
  );

  expect(events.map((e) => e.type)).toEqual(["MailReceived", "MailFiled", "AcknowledgementSent"]);
  expect(received.rawBytes).toBe(raw.length);
  expect(received.attachments.map((a) => [a.name, a.bytes, a.stored])).toEqual([
    ["aanvraagformulier.pdf", form.length, true],
    ["Voorstel Technohub Groot.pdf", proposal.length, true],
    ["Bijlage.pdf", expect.any(Number), true],
  ]);
  expect(sha256(await readStored(backOffice, `documents/${sha256(proposal)}`))).toBe(sha256(proposal));
  expect(sha256(await readStored(backOffice, received.rawObjectKey))).toBe(sha256(raw));
  expect(visible.body).toMatchObject({ status: "queued", sectionsReceived: ["application-form", "proposal"] });
  expect(visible.body.documents).toHaveLength(3);
});
