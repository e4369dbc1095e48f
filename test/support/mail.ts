import { createHash } from "node:crypto";
import { readFile, readdir, stat } from "node:fs/promises";
import { type Socket, connect } from "node:net";
import { join } from "node:path";
import nodemailer from "nodemailer";
import MailComposer from "nodemailer/lib/mail-composer";
import type Mail from "nodemailer/lib/mailer";
import { PDFCheckBox, PDFDocument, PDFDropdown, PDFTextField } from "pdf-lib";
import { type RecordedEvent, streamIds } from "../../events/index.ts";
import { useDependencies } from "../../functions/runtime/dependencies.ts";
import type { BackOffice } from "../../local/back-office.ts";

export const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

/**
 * R-TH-09: the receipt time is the listener's clock when a message is fully received. The schemes'
 * terms lie in the past, so a test sets that clock to a moment inside the term, as a test of the
 * API passes `receivedAt`. Everything else (recording time, the hash chain) keeps real time.
 */
export function receiveAt(backOffice: BackOffice, instant: string): void {
  useDependencies({ ...backOffice.dependencies, clock: () => new Date(instant) });
}

const smtpTarget = (smtpUrl: string) => {
  const url = new URL(smtpUrl);
  return { host: url.hostname, port: Number(url.port) };
};

/** The message key the listener answers with ("250 2.0.0 received as <key>"). */
export const messageKeyIn = (reply: string) => /received as ([0-9a-f]{64})/.exec(reply)?.[1];

/** Sends like any mail client would: nodemailer's SMTP transport, one connection per message. */
export async function sendMail(smtpUrl: string, message: Mail.Options): Promise<{ reply: string; messageKey: string; messageId: string }> {
  const transport = nodemailer.createTransport({ ...smtpTarget(smtpUrl), secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail(message);
    const messageKey = messageKeyIn(info.response);
    if (!messageKey) throw new Error(`unexpected reply: ${info.response}`);
    return { reply: info.response, messageKey, messageId: info.messageId };
  } finally {
    transport.close();
  }
}

/** A message as the bytes a mail client would send (so the very same bytes can be delivered several times). */
export async function compose(message: Mail.Options): Promise<Buffer> {
  return new MailComposer(message).compile().build();
}

/**
 * Plain SMTP over a socket, byte for byte: for messages no mail library would produce (truncated,
 * not MIME at all). Returns the server's final reply to the message, or its refusal of a recipient.
 */
export async function sendRawSmtp(
  smtpUrl: string,
  envelope: { from: string; to: string[] },
  raw: Buffer | ((socket: Socket) => Promise<void>),
): Promise<{ code: number; reply: string }> {
  const socket = connect(smtpTarget(smtpUrl));
  socket.setEncoding("latin1");
  let buffered = "";
  const waiting: Array<(line: string) => void> = [];
  socket.on("data", (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf("\r\n"); end >= 0; end = buffered.indexOf("\r\n")) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      // Multi-line replies ("250-...") end with the line whose code is followed by a space.
      if (/^\d{3} /.test(line)) waiting.shift()?.(line);
    }
  });
  const reply = () => new Promise<string>((resolve) => waiting.push(resolve));
  const command = async (text: string) => {
    const answer = reply();
    socket.write(`${text}\r\n`);
    return answer;
  };
  try {
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const greeting = await reply();
    if (!greeting.startsWith("220")) throw new Error(greeting);
    await command("EHLO test.localhost");
    await command(`MAIL FROM:<${envelope.from}>`);
    for (const to of envelope.to) {
      const answer = await command(`RCPT TO:<${to}>`);
      if (!answer.startsWith("250")) return { code: Number(answer.slice(0, 3)), reply: answer };
    }
    const go = await command("DATA");
    if (!go.startsWith("354")) throw new Error(go);
    const final = reply();
    if (typeof raw === "function") {
      // The message is written as it is made (never whole in memory); it ends with its own last line.
      await raw(socket);
      socket.write("\r\n.\r\n");
    } else {
      // Dot-stuffing: a line that starts with "." gets a second one; the message ends with CRLF . CRLF.
      socket.write(Buffer.from(raw.toString("latin1").replace(/(^|\r\n)\./g, "$1.."), "latin1"));
      socket.write(raw.subarray(-2).toString("latin1") === "\r\n" ? ".\r\n" : "\r\n.\r\n");
    }
    const answer = await final;
    socket.write("QUIT\r\n");
    return { code: Number(answer.slice(0, 3)), reply: answer };
  } finally {
    socket.end();
  }
}

/** Fills a downloaded application form as an applicant's PDF reader would: text, choices, checkboxes. */
export async function fillForm(pdf: Uint8Array, values: Record<string, string | boolean>): Promise<Buffer> {
  const doc = await PDFDocument.load(pdf);
  const form = doc.getForm();
  for (const [name, value] of Object.entries(values)) {
    const field = form.getField(name);
    if (field instanceof PDFTextField) field.setText(String(value));
    else if (field instanceof PDFDropdown) field.select(String(value));
    else if (field instanceof PDFCheckBox) (value ? field.check() : field.uncheck());
    else throw new Error(`cannot fill field ${name}`);
  }
  return Buffer.from(await doc.save());
}

/** A message's own stream: what the intake recorded about it. */
export function intakeEvents(backOffice: BackOffice, messageKey: string): Promise<RecordedEvent[]> {
  return backOffice.dependencies.events.readStream(streamIds.intake(messageKey));
}

/** The files under a folder of the mail store (raw/, documents/, outbox/), with their sizes. */
export async function storedFiles(backOffice: BackOffice, folder: "raw" | "documents" | "outbox"): Promise<Map<string, number>> {
  const dir = join(backOffice.mailDir, folder);
  const names = await readdir(dir).catch(() => [] as string[]);
  const files = new Map<string, number>();
  for (const name of names.filter((n) => !n.startsWith("."))) files.set(name, (await stat(join(dir, name))).size);
  return files;
}

export const readStored = (backOffice: BackOffice, key: string) => readFile(join(backOffice.mailDir, key));

/** Deterministic bytes that do not compress (so a "6 MB" document is 6 MB on the wire too). */
export function pseudoRandomBytes(size: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** A small but real PDF standing in for a proposal or budget document. */
export async function documentPdf(title: string): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.addPage().drawText(title, { x: 50, y: 700, size: 14 });
  return Buffer.from(await doc.save());
}

/** Samples the process's resident memory while `work` runs, and reads the kernel's peak as a cross-check. */
export async function peakMemoryDuring<T>(work: () => Promise<T>): Promise<{ result: T; baselineRssBytes: number; peakRssBytes: number; maxRssBeforeBytes: number; maxRssAfterBytes: number }> {
  const maxRssBeforeBytes = process.resourceUsage().maxRSS * 1024;
  const baselineRssBytes = process.memoryUsage().rss;
  let peakRssBytes = baselineRssBytes;
  const timer = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
  }, 2);
  try {
    const result = await work();
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
    return { result, baselineRssBytes, peakRssBytes, maxRssBeforeBytes, maxRssAfterBytes: process.resourceUsage().maxRSS * 1024 };
  } finally {
    clearInterval(timer);
  }
}

/** A hand-written message from test/fixtures/mail, with CRLF line ends and base64 parts filled in ({{NAME}}). */
export async function fixtureMail(name: string, parts: Record<string, Uint8Array> = {}): Promise<Buffer> {
  let text = await readFile(new URL(`../fixtures/mail/${name}`, import.meta.url), "utf8");
  for (const [key, bytes] of Object.entries(parts)) {
    const base64 = Buffer.from(bytes).toString("base64").replace(/.{76}/g, "$&\n").replace(/\n$/, "");
    text = text.replaceAll(`{{${key}}}`, () => base64);
  }
  return Buffer.from(text.replace(/\r?\n/g, "\r\n"), "utf8");
}
