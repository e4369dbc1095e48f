import { describe, expect, it } from "vitest";
import { contentHash, messageKeyOf, parseMessage, unclosedBoundaries } from "../../functions/intake/mime.ts";
import { compose, fixtureMail, sha256 } from "../support/mail.ts";

const crlf = (text: string) => Buffer.from(text.replace(/\r?\n/g, "\r\n"), "utf8");

describe("the message key (idempotency)", () => {
  const message = crlf("From: a@example.org\nTo: technohubs@intake.aeno.local\nSubject: Aanvraag\nMessage-ID: <m1@example.org>\n\nBody\n");

  it("a redelivery that differs only in trace fields (Received, Return-Path, X-SES-*) has the same key", () => {
    const redelivered = Buffer.concat([crlf("Received: from mx2.example.net by inbound-smtp.eu-west-1.amazonaws.com\n  with SMTP id 123\nReturn-Path: <bounce@example.org>\nX-SES-Spam-Verdict: PASS\n"), message]);
    expect(contentHash(redelivered)).toBe(contentHash(message));
    expect(messageKeyOf("<m1@example.org>", redelivered)).toBe(messageKeyOf("<m1@example.org>", message));
  });

  it("a different body, or the same body under another Message-ID, is another message", () => {
    expect(contentHash(crlf("From: a@example.org\nSubject: Aanvraag\n\nOther body\n"))).not.toBe(contentHash(message));
    expect(messageKeyOf("<m2@example.org>", message)).not.toBe(messageKeyOf("<m1@example.org>", message));
    expect(messageKeyOf(null, message)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("parsing real MIME", () => {
  it("reads SES's spam and virus verdicts from its own (topmost) headers, not from ones the sender wrote further down", async () => {
    const raw = crlf("X-SES-Spam-Verdict: FAIL\nX-SES-Virus-Verdict: PASS\nFrom: a@example.org\nX-SES-Spam-Verdict: PASS\nSubject: x\n\nbody\n");
    expect((await parseMessage(raw)).screening).toEqual({ spam: "FAIL", virus: "PASS" });
    expect((await parseMessage(crlf("From: a@example.org\nSubject: x\n\nbody\n"))).screening).toEqual({ spam: null, virus: null });
  });


  it("nested multipart, quoted-printable and base64, RFC 2047 and RFC 2231 names; inline images are not documents", async () => {
    const parsed = await parseMessage(await fixtureMail("nested-qp-non-ascii.eml", { FORM_BASE64: Buffer.from("form"), PROPOSAL_BASE64: Buffer.from("proposal") }));
    expect(parsed).toMatchObject({ messageId: "<fixture-nested-1@metaal-zeeen.example>", from: "renee@metaal-zeeen.example", recipients: ["technohubs@intake.aeno.local"], subject: "Aanjaagsubsidie technohubs: aanvraag Technohub Zeeën" });
    expect(parsed.damage).toBeUndefined();
    expect(parsed.attachments.map((a) => [a.name, a.contentType, sha256(a.content)])).toEqual([
      ["aanvraagformulier.pdf", "application/pdf", sha256("form")],
      ["Voorstel Technohub Zeeën – def.pdf", "application/pdf", sha256("proposal")],
      ["Toelichting coördinatie.txt", "text/plain", expect.any(String)],
    ]);
  });

  it("a message forwarded as an attachment is opened and its files taken out; one with no files stays an .eml document", async () => {
    const forwarded = await parseMessage(await fixtureMail("forwarded.eml", { FORM_BASE64: Buffer.from("form"), PROPOSAL_BASE64: Buffer.from("plan") }));
    expect(forwarded.attachments.map((a) => a.name)).toEqual(["aanvraagformulier.pdf", "Voorstel Achterhoek.pdf"]);
    const inner = await compose({ from: "x@example.org", to: "y@example.org", subject: "Alleen tekst", text: "Geen bijlagen" });
    const outer = await compose({ from: "z@example.org", to: "technohubs@intake.aeno.local", subject: "Fwd", text: "Zie bijlage", attachments: [{ filename: "doorgestuurd.eml", content: inner, contentType: "message/rfc822", contentDisposition: "attachment" }] });
    expect((await parseMessage(outer)).attachments.map((a) => [a.name, a.contentType])).toEqual([["doorgestuurd.eml", "message/rfc822"]]);
  });

  it("a multipart message whose closing boundary never comes is truncated; bytes without a header are not a message", async () => {
    const truncated = await fixtureMail("truncated.eml");
    expect(unclosedBoundaries(truncated)).toBe("cut-here");
    expect((await parseMessage(truncated)).damage).toMatchObject({ code: "truncated" });
    expect(unclosedBoundaries(await fixtureMail("forwarded.eml", { FORM_BASE64: Buffer.from("f"), PROPOSAL_BASE64: Buffer.from("p") }))).toBeUndefined();
    expect((await parseMessage(Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a]))).damage).toMatchObject({ code: "unparseable" });
  });
});
