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
  const damage = structuralDamage(raw) ?? (email.attachments.length ? undefined : unreadAttachments(raw));
  return {
    messageId: email.messageId?.trim() || null,
    from: mailboxes(email.from)[0] ?? null,
    recipients: [...new Set([...mailboxes(email.to), ...mailboxes(email.cc), ...(email.deliveredTo ? [email.deliveredTo] : [])].map((a) => a.toLowerCase()))],
    subject: email.subject ?? "",
    attachments,
    screening: { spam: verdict(email, "x-ses-spam-verdict"), virus: verdict(email, "x-ses-virus-verdict") },
    ...(damage ? { damage } : {}),
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

type Damage = NonNullable<ParsedMessage["damage"]>;

/** Parts inside parts (and forwarded messages inside those): deeper than any mail client nests, bounded against crafted messages. */
const MAX_STRUCTURE_DEPTH = 20;

const latin1 = (raw: Uint8Array) => Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("latin1");
/** A value from the message, fit to quote in a reason: printable and short. */
const quoted = (value: string, max = 70) => `"${value.replace(/[^\x20-\x7e]/g, "?").slice(0, max)}${value.length > max ? "…" : ""}"`;

/**
 * Issue 12 finding 5: what postal-mime reads without complaint but cannot split into parts. It
 * reads a multipart body whose boundary is missing, or matches no line, as no parts at all, so
 * the message would be filed with no documents while the documents sit in the raw message. This
 * walks the MIME structure as postal-mime delimits it (a line that is `--` boundary, optionally
 * `--` after it, then only spaces or tabs; the first Content-Type field and the first boundary
 * parameter count) and names what is wrong and where:
 * - `unparseable`: a multipart entity whose Content-Type has no boundary, or whose boundary no
 *   line of its body opens or closes, or whose body has no part at all;
 * - `truncated`: only when the message ends inside an open part (its closing delimiter never comes).
 * An inner multipart whose parts the enclosing delimiter ends (its own closing line missing) reads
 * whole and is not damage.
 *
 * @example structuralDamage(Buffer.from('Content-Type: multipart/mixed\r\n\r\n--b\r\n...')) // { code: "unparseable", reason: "the message is declared multipart/mixed, but its Content-Type has no boundary parameter: ..." }
 */
export function structuralDamage(raw: Uint8Array): Damage | undefined {
  const text = latin1(raw);
  return entityDamage(text, 0, text.length, "the message", 0);
}

function entityDamage(text: string, start: number, end: number, where: string, depth: number): Damage | undefined {
  if (depth > MAX_STRUCTURE_DEPTH) return { code: "unparseable", reason: `${where} nests parts more than ${MAX_STRUCTURE_DEPTH} deep: the structure is not read further` };
  const { fields, bodyStart } = readHeader(text, start, end);
  const contentType = fields.get("content-type");
  if (contentType === undefined) return undefined;
  const { value: mediaType, params } = parseStructured(contentType);
  if (/^message\/rfc822$/i.test(mediaType)) {
    // A forwarded message is itself a message, unless it was (against RFC 2046) base64- or qp-encoded.
    const encoding = /^\s*([\w-]*)/.exec(fields.get("content-transfer-encoding") ?? "")![1]!.toLowerCase();
    return ["", "7bit", "8bit", "binary"].includes(encoding) && depth > 0 ? entityDamage(text, bodyStart, end, `the message forwarded in ${where}`, depth + 1) : undefined;
  }
  if (!/^multipart\//i.test(mediaType)) return undefined;
  const boundary = params.get("boundary");
  const declared = where === "the message" ? "the Content-Type" : `the Content-Type of ${where}`;
  if (!boundary) {
    return {
      code: "unparseable",
      reason: `${declared} is ${quoted(mediaType.toLowerCase())} but names no boundary (boundary="..." is missing): the parts cannot be told apart`,
    };
  }
  const { opens, close } = delimiters(text, bodyStart, end, boundary);
  if (!opens.length && close === undefined) {
    return {
      code: "unparseable",
      reason: `${declared} declares boundary ${quoted(boundary)}, but no line of ${where === "the message" ? "the" : "its"} body is ${quoted(`--${boundary}`, 72)}: the parts cannot be told apart`,
    };
  }
  if (!opens.length) return { code: "unparseable", reason: `${declared} declares boundary ${quoted(boundary)}, but its body has no part: the only delimiter line closes it` };
  if (close === undefined) {
    if (end === text.length) return { code: "truncated", reason: `the message is truncated: it ends before its MIME part with boundary ${quoted(boundary)} closes, so its last attachment is incomplete` };
  }
  const partEnd = close ?? end;
  for (let i = 0; i < opens.length; i++) {
    const part = opens[i]!;
    const next = i + 1 < opens.length ? opens[i + 1]!.start : partEnd;
    const damage = entityDamage(text, part.contentStart, Math.max(part.contentStart, next), where === "the message" ? `part ${i + 1}` : `${where}.${i + 1}`, depth + 1);
    if (damage) return damage;
  }
  return undefined;
}

/** Where each delimiter line of `boundary` starts and where the part after it starts; the first closing line ends the body. */
function delimiters(text: string, from: number, to: number, boundary: string): { opens: Array<{ start: number; contentStart: number }>; close: number | undefined } {
  const marker = `--${boundary}`;
  const opens: Array<{ start: number; contentStart: number }> = [];
  for (let at = text.indexOf(marker, from); at >= 0 && at < to; at = text.indexOf(marker, at + marker.length)) {
    if (at !== from && text[at - 1] !== "\n") continue;
    const newline = text.indexOf("\n", at);
    const lineEnd = newline < 0 || newline >= to ? to : newline;
    const rest = text.slice(at + marker.length, lineEnd).replace(/\r$/, "");
    // The line break before a delimiter belongs to the delimiter, not to the part before it.
    const start = at === from ? at : text[at - 2] === "\r" ? at - 2 : at - 1;
    if (/^--[ \t]*$/.test(rest)) return { opens, close: Math.max(from, start) };
    if (/^[ \t]*$/.test(rest)) opens.push({ start: Math.max(from, start), contentStart: Math.min(to, lineEnd + 1) });
  }
  return { opens, close: undefined };
}

/** The header fields of an entity (first occurrence of each, unfolded) and where its body starts. */
function readHeader(text: string, start: number, end: number): { fields: Map<string, string>; bodyStart: number } {
  const fields = new Map<string, string>();
  let at = start;
  let current: string | undefined;
  const keep = () => {
    if (current === undefined) return;
    const colon = current.indexOf(":");
    const name = current.slice(0, colon).trim().toLowerCase();
    if (colon > 0 && !fields.has(name)) fields.set(name, current.slice(colon + 1).trim());
    current = undefined;
  };
  while (at < end) {
    const newline = text.indexOf("\n", at);
    const lineEnd = newline < 0 || newline >= end ? end : newline;
    const line = text.slice(at, lineEnd).replace(/\r$/, "");
    at = Math.min(end, lineEnd + 1);
    if (line === "") break;
    if (/^[ \t]/.test(line) && current !== undefined) current += ` ${line.trim()}`;
    else {
      keep();
      current = line;
    }
  }
  keep();
  return { fields, bodyStart: at };
}

/** `type/subtype; name=value; name="quoted value"`: the value and the parameters (first occurrence wins, names case-insensitive, comments dropped). */
function parseStructured(field: string): { value: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  const [value = "", ...rest] = splitOutsideQuotes(field.replace(/\((?:[^()"\\]|\\.)*\)/g, " "));
  for (const parameter of rest) {
    const equals = parameter.indexOf("=");
    if (equals < 0) continue;
    const name = parameter.slice(0, equals).trim().toLowerCase();
    let raw = parameter.slice(equals + 1).trim();
    if (raw.startsWith('"')) raw = raw.slice(1, raw.endsWith('"') && raw.length > 1 ? -1 : undefined).replace(/\\(.)/g, "$1");
    if (name && !params.has(name)) params.set(name, raw);
  }
  return { value: value.trim(), params };
}

function splitOutsideQuotes(field: string): string[] {
  const pieces: string[] = [];
  let piece = "";
  let inQuotes = false;
  for (let i = 0; i < field.length; i++) {
    const c = field[i]!;
    if (inQuotes && c === "\\" && i + 1 < field.length) {
      piece += c + field[++i];
      continue;
    }
    if (c === '"') inQuotes = !inQuotes;
    if (c === ";" && !inQuotes) {
      pieces.push(piece);
      piece = "";
    } else piece += c;
  }
  pieces.push(piece);
  return pieces;
}

/**
 * Issue 12 finding 5: a body that plainly holds documents although the MIME structure gave none
 * (the Content-Type was lost or says text/plain over a MIME body): filing it would make an
 * application without its documents, so it is a listed failure that says what the body holds.
 */
export function unreadAttachments(raw: Uint8Array): Damage | undefined {
  const text = latin1(raw);
  const { fields, bodyStart } = readHeader(text, 0, text.length);
  const body = text.slice(bodyStart);
  const disposition = /^Content-Disposition:[ \t]*attachment\b[^\r\n]*/im.exec(body)?.[0];
  const pdf = /^JVBERi0/m.test(body);
  if (!disposition && !pdf) return undefined;
  const type = fields.get("content-type");
  const declared = type === undefined ? "the message has no Content-Type (so it is read as plain text)" : `the message's Content-Type is ${quoted(parseStructured(type).value.toLowerCase() || type)}`;
  const filename = disposition && /filename\*?=[ \t]*"?([^";\r\n]+)/i.exec(disposition)?.[1]?.trim();
  const holds = disposition
    ? `an attachment${filename ? ` named ${quoted(filename)}` : ""} (a "Content-Disposition: attachment" line)`
    : `a base64-encoded PDF (a line starting "JVBERi0", "%PDF-" in base64)`;
  return { code: "unparseable", reason: `${declared}, yet its body holds ${holds}: no document could be read out of it` };
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
