import { createHash } from "node:crypto";
import PostalMime, { type Address, type Attachment, type Email } from "postal-mime";

/** A received message as far as the intake cares: who, what about, and the files. */
export interface ParsedMessage {
  readonly messageId: string | null;
  readonly from: string | null;
  readonly recipients: ReadonlyArray<string>;
  readonly subject: string;
  readonly attachments: ReadonlyArray<{ readonly name: string; readonly contentType: string; readonly content: Uint8Array }>;
  readonly damage?: { readonly code: "unparseable" | "truncated"; readonly reason: string };
  /** SES's verdicts, from the first (topmost, SES's own) X-SES-*-Verdict headers. */
  readonly screening: { readonly spam: string | null; readonly virus: string | null };
}

/** Forwarded messages inside forwarded messages: deep enough for real mail, bounded against mail bombs. */
const MAX_FORWARD_DEPTH = 3;

const extensions: Record<string, string> = {
  "application/pdf": "pdf",
  "application/msword": "doc",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.ms-excel": "xls",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "image/jpeg": "jpg",
  "image/png": "png",
  "text/plain": "txt",
  "message/rfc822": "eml",
};

const mailboxes = (addresses: ReadonlyArray<Address> | Address | undefined): string[] =>
  (Array.isArray(addresses) ? addresses : addresses ? [addresses] : []).flatMap((a: Address) => (a.group ? a.group.map((m) => m.address) : [a.address])).filter(Boolean);

/**
 * Reads a raw message with postal-mime: multipart at any depth, base64 and quoted-printable,
 * encoded-word and RFC 2231 names, inline forwarded messages. A message forwarded as an
 * attachment is opened too and its files taken out (the forwarding mail is kept whole in the raw).
 */
export async function parseMessage(raw: Uint8Array): Promise<ParsedMessage> {
  const empty = { messageId: null, from: null, recipients: [], subject: "", attachments: [], screening: { spam: null, virus: null } };
  if (!startsWithHeader(raw)) return { ...empty, damage: { code: "unparseable", reason: "not an email message: it does not start with a header field" } };
  let email: Email;
  try {
    email = await PostalMime.parse(raw, { attachmentEncoding: "arraybuffer" });
  } catch (error) {
    return { ...empty, damage: { code: "unparseable", reason: `the MIME structure could not be read (${error instanceof Error ? error.message.slice(0, 200) : "unknown error"})` } };
  }
  const attachments: Array<{ name: string; contentType: string; content: Uint8Array }> = [];
  await collect(email.attachments, attachments, 0);
  const unclosed = unclosedBoundaries(raw);
  return {
    messageId: email.messageId?.trim() || null,
    from: mailboxes(email.from)[0] ?? null,
    recipients: [...new Set([...mailboxes(email.to), ...mailboxes(email.cc), ...(email.deliveredTo ? [email.deliveredTo] : [])].map((a) => a.toLowerCase()))],
    subject: email.subject ?? "",
    attachments,
    screening: { spam: verdict(email, "x-ses-spam-verdict"), virus: verdict(email, "x-ses-virus-verdict") },
    ...(unclosed
      ? { damage: { code: "truncated" as const, reason: `the message is truncated: it ends before its MIME part with boundary "${unclosed.slice(0, 70)}" closes, so its last attachment is incomplete` } }
      : {}),
  };
}

const verdict = (email: Email, header: string) => email.headers.find((h) => h.key === header)?.value.trim().toUpperCase().slice(0, 40) || null;

async function collect(found: ReadonlyArray<Attachment>, into: Array<{ name: string; contentType: string; content: Uint8Array }>, depth: number): Promise<void> {
  for (const attachment of found) {
    // Inline images the HTML body shows (a logo in a signature) are part of the text, not documents.
    if (attachment.related) continue;
    const content = attachment.content instanceof ArrayBuffer ? new Uint8Array(attachment.content) : typeof attachment.content === "string" ? Buffer.from(attachment.content) : attachment.content;
    if (attachment.mimeType === "message/rfc822" && depth < MAX_FORWARD_DEPTH) {
      const inner = await PostalMime.parse(content, { attachmentEncoding: "arraybuffer" }).catch(() => undefined);
      if (inner && inner.attachments.length) {
        await collect(inner.attachments, into, depth + 1);
        continue;
      }
    }
    const name = attachment.filename?.trim() || `attachment-${into.length + 1}.${extensions[attachment.mimeType] ?? "bin"}`;
    into.push({ name, contentType: attachment.mimeType, content });
  }
}

/** A message starts with a header field (`Name: value`), possibly after trace lines an MTA added. */
function startsWithHeader(raw: Uint8Array): boolean {
  const head = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, 1000)).toString("latin1");
  return /^[\x21-\x39\x3b-\x7e]+:/.test(head);
}

/**
 * A multipart body whose closing delimiter never comes was cut off (a dropped connection, a full
 * disk at the sender). postal-mime reads what there is without complaint, so the intake checks.
 */
export function unclosedBoundaries(raw: Uint8Array): string | undefined {
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("latin1");
  const declared = /boundary[ \t]*=[ \t]*(?:"([^"\r\n]+)"|([^\s;"]+))/gi;
  for (let match = declared.exec(text); match; match = declared.exec(text)) {
    const boundary = match[1] ?? match[2]!;
    if (!text.includes(`--${boundary}--`, match.index)) return boundary;
  }
  return undefined;
}

/** Header fields mail servers add on the way (trace fields): a redelivery differs only in these. */
const traceFields = /^(received|return-path|delivered-to|x-original-to|x-received|received-spf|authentication-results|arc-[a-z-]+|x-ses-[a-z-]+|x-amz-[a-z-]+|x-forefront-[a-z-]+|x-ms-exchange-[a-z-]+)$/i;

/**
 * The message's content hash, without trace fields: a message SES receives twice (the sender's
 * server retried after a timeout) hashes the same, so it gets the same key and files once. Line
 * ends are normalised to CRLF and whitespace at the very end to one CRLF first, so a relay that
 * turned LF into CRLF (or added a blank line at the end) delivers the same message, not a new one.
 * A message that already arrived with CRLF and one line end at the end (as SMTP delivers it) hashes
 * as it did before this normalisation.
 */
export function contentHash(raw: Uint8Array): string {
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
    .toString("latin1")
    .replace(/\r?\n/g, "\r\n")
    .replace(/[ \t\r\n]+$/, "\r\n");
  const hash = createHash("sha256");
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return hash.update(text, "latin1").digest("hex");
  const fields = text.slice(0, end).split(/\r\n(?![ \t])/);
  hash.update(fields.filter((field) => !traceFields.test(field.slice(0, field.indexOf(":")).trim())).join("\r\n"), "latin1");
  hash.update(text.slice(end), "latin1");
  return hash.digest("hex");
}

/** The intake's idempotency key: the Message-ID plus the content hash (a Message-ID alone is the sender's to get wrong). */
export function messageKeyOf(messageId: string | null, raw: Uint8Array): string {
  return createHash("sha256").update(`${messageId ?? ""}\n${contentHash(raw)}`).digest("hex");
}

export const sha256Of = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
