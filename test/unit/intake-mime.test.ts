import { describe, expect, it } from "vitest";
import { contentHash, messageKeyOf, parseMessage, structuralDamage, unreadAttachments } from "../../functions/intake/mime.ts";
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
    expect(structuralDamage(truncated)).toEqual({ code: "truncated", reason: expect.stringContaining('boundary "cut-here" closes') });
    expect((await parseMessage(truncated)).damage).toMatchObject({ code: "truncated" });
    expect(structuralDamage(await fixtureMail("forwarded.eml", { FORM_BASE64: Buffer.from("f"), PROPOSAL_BASE64: Buffer.from("p") }))).toBeUndefined();
    expect((await parseMessage(Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a]))).damage).toMatchObject({ code: "unparseable" });
  });
});

describe("issue 12 finding 5: MIME that cannot be split is unparseable, with what is wrong and where", () => {
  const proposal = { PROPOSAL_BASE64: Buffer.from("%PDF-1.7 voorstel") };
  const message = (contentType: string, body: string) =>
    crlf(`From: a@example.org\nTo: technohubs@intake.aeno.local\nSubject: Aanvraag\nMIME-Version: 1.0\n${contentType === "" ? "" : `Content-Type: ${contentType}\n`}\n${body}`);
  const parts = (boundary: string, closing = true) =>
    `--${boundary}\nContent-Type: text/plain\n\nBijgaand.\n--${boundary}\nContent-Type: application/pdf\nContent-Disposition: attachment; filename="Voorstel.pdf"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjcgdm9vcnN0ZWw=\n${closing ? `--${boundary}--\n` : ""}`;

  it("issue 12 finding 5: a multipart Content-Type without a boundary parameter is unparseable, not filed with 0 documents", async () => {
    const parsed = await parseMessage(await fixtureMail("boundary-missing.eml", proposal));
    expect(parsed.attachments).toEqual([]);
    expect(parsed.damage).toEqual({ code: "unparseable", reason: 'the Content-Type is "multipart/mixed" but names no boundary (boundary="..." is missing): the parts cannot be told apart' });
    // An empty boundary is no boundary.
    expect(structuralDamage(message('multipart/mixed; boundary=""', parts("b1")))).toMatchObject({ code: "unparseable", reason: expect.stringContaining("names no boundary") });
  });

  it("issue 12 finding 5: a declared boundary that no line of the body opens is unparseable (mismatched), never 'truncated'", async () => {
    const parsed = await parseMessage(await fixtureMail("boundary-mismatched.eml", proposal));
    expect(parsed.attachments).toEqual([]);
    expect(parsed.damage).toEqual({
      code: "unparseable",
      reason: 'the Content-Type declares boundary "=_Part_0_1234.5678", but no line of the body is "--=_Part_0_1234.5678": the parts cannot be told apart',
    });
    // A boundary that only starts a longer line (or sits mid-line) is not a delimiter, as postal-mime reads it.
    expect(structuralDamage(message('multipart/mixed; boundary="b"', parts("b1")))).toMatchObject({ code: "unparseable", reason: expect.stringContaining('no line of the body is "--b"') });
    expect(structuralDamage(message('multipart/mixed; boundary="b1"', parts("b1").replace(/^--b1/gm, "x --b1")))).toMatchObject({ code: "unparseable" });
  });

  it("issue 12 finding 5: a mismatched boundary in a nested part names that part; a body with only a closing line has no part", async () => {
    const nested = message('multipart/mixed; boundary="outer"', `--outer\nContent-Type: multipart/alternative; boundary="inner-x"\n\n${parts("inner-y")}\n--outer--\n`);
    expect(structuralDamage(nested)).toEqual({ code: "unparseable", reason: 'the Content-Type of part 1 declares boundary "inner-x", but no line of its body is "--inner-x": the parts cannot be told apart' });
    expect((await parseMessage(nested)).damage?.code).toBe("unparseable");
    expect(structuralDamage(message('multipart/mixed; boundary="b1"', "preamble\n--b1--\n"))).toMatchObject({ code: "unparseable", reason: expect.stringContaining("has no part") });
  });

  it("issue 12 finding 5: 'truncated' only when the message ends inside an open part; an inner part its enclosing delimiter ends reads whole", async () => {
    expect(structuralDamage(message('multipart/mixed; boundary="b1"', parts("b1", false)))).toMatchObject({ code: "truncated" });
    const innerUnclosed = message('multipart/mixed; boundary="outer"', `--outer\nContent-Type: multipart/mixed; boundary="inner"\n\n${parts("inner", false)}--outer--\n`);
    expect(structuralDamage(innerUnclosed)).toBeUndefined();
    const parsed = await parseMessage(innerUnclosed);
    expect(parsed.damage).toBeUndefined();
    expect(parsed.attachments.map((a) => a.name)).toEqual(["Voorstel.pdf"]);
    // Delimiters may carry trailing spaces (RFC 2046 transport padding); LF-only line ends read the same.
    const padded = Buffer.from(`Content-Type: multipart/mixed; boundary=b1\n\n${parts("b1").replace(/^(--b1(--)?)$/gm, "$1 \t")}`);
    expect(structuralDamage(padded)).toBeUndefined();
    expect((await parseMessage(padded)).attachments).toHaveLength(1);
  });

  it("issue 12 finding 5: a body that plainly holds attachments while the parser found none is unparseable, saying what it holds", async () => {
    const asText = await parseMessage(await fixtureMail("mime-body-as-text.eml", proposal));
    expect(asText.attachments).toEqual([]);
    expect(asText.damage).toEqual({
      code: "unparseable",
      reason: 'the message\'s Content-Type is "text/plain", yet its body holds an attachment named "Voorstel Utrecht.pdf" (a "Content-Disposition: attachment" line): no document could be read out of it',
    });
    const noType = message("", "Zie bijlage\n\nJVBERi0xLjcgdm9vcnN0ZWw=\n");
    expect((await parseMessage(noType)).damage).toEqual({
      code: "unparseable",
      reason: 'the message has no Content-Type (so it is read as plain text), yet its body holds a base64-encoded PDF (a line starting "JVBERi0", "%PDF-" in base64): no document could be read out of it',
    });
    // Plain mail that merely talks about attachments is mail, not damage.
    expect(unreadAttachments(message("text/plain", "De bijlage (Content-Disposition: attachment) volgt morgen.\n"))).toBeUndefined();
    expect((await parseMessage(message("text/plain", "Geen bijlagen.\n"))).damage).toBeUndefined();
  });

  it("issue 12 finding 5: well-formed messages (nested, forwarded, composed by nodemailer) are not damaged", async () => {
    expect(structuralDamage(await fixtureMail("nested-qp-non-ascii.eml", { FORM_BASE64: Buffer.from("form"), PROPOSAL_BASE64: Buffer.from("proposal") }))).toBeUndefined();
    const composed = await compose({ from: "z@example.org", to: "technohubs@intake.aeno.local", subject: "Aanvraag", text: "Bijgaand", html: "<p>Bijgaand</p>", attachments: [{ filename: "a.pdf", content: Buffer.from("%PDF-1.7") }] });
    const parsed = await parseMessage(composed);
    expect(parsed.damage).toBeUndefined();
    expect(parsed.attachments.map((a) => a.name)).toEqual(["a.pdf"]);
  });
});
