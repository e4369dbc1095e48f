import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import * as z from "zod";
import { type MailStore, MailStoreUnavailable, RawMailNotFound } from "./ports.ts";

const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const isSha256 = (value: string) => /^[0-9a-f]{64}$/.test(value);

/** What the SMTP session knew about a message that is kept but not yet recorded. */
const PendingNote = z.object({ receivedAt: z.iso.datetime(), envelopeRecipients: z.array(z.string().max(320)).max(1_000) });
export type PendingNote = z.infer<typeof PendingNote>;
const RecordedNote = PendingNote.extend({ messageKey: z.string().regex(/^[0-9a-f]{64}$/) });
/** A note file's text as the schema reads it; undefined for anything else (a note half-written by a killed run). */
function noteIn<T>(schema: z.ZodType<T>, text: string): T | undefined {
  try {
    return schema.safeParse(JSON.parse(text)).data;
  } catch {
    return undefined;
  }
}

/** The folder that stands in for the mail bucket locally: `raw/<sha256>.eml` and `documents/<sha256>`, as on S3. */
export class LocalMailStore implements MailStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async putRaw(raw: Uint8Array): Promise<string> {
    const key = `raw/${sha256Hex(raw)}.eml`;
    await this.write(key, raw);
    return key;
  }

  /**
   * Keeps a received message that was streamed to `temporaryPath` (a file under this folder; see
   * `incomingPath`) under its hash, by renaming it: the message is never held in memory to be kept.
   */
  async adoptRaw(temporaryPath: string, sha256: string): Promise<string> {
    if (!isSha256(sha256)) throw new Error("a raw message is stored under its sha256");
    const key = `raw/${sha256}.eml`;
    const path = this.pathOf(key);
    try {
      await mkdir(dirname(path), { recursive: true });
      await rename(temporaryPath, path);
    } catch (error) {
      await rm(temporaryPath, { force: true });
      throw new MailStoreUnavailable("write raw", true, error);
    }
    return key;
  }

  /** A fresh temporary file for a message being received (`.incoming/`, never listed as mail). */
  async incomingPath(): Promise<string> {
    const dir = join(this.root, ".incoming");
    await mkdir(dir, { recursive: true });
    return join(dir, `${randomUUID()}.tmp`);
  }

  /**
   * Notes, before a received message is kept, that it still has to be recorded (with what only the
   * SMTP session knows: the RCPT TO recipients and the receipt time): `.pending/<sha256>.json`.
   * A listener killed between keeping and recording finds the note on its next start ({@link pending}).
   */
  async markPending(sha256: string, note: PendingNote): Promise<void> {
    if (!isSha256(sha256)) throw new Error("a pending message is noted under its sha256");
    const dir = join(this.root, ".pending");
    try {
      await mkdir(dir, { recursive: true });
      const temporary = join(dir, `.${randomUUID()}.tmp`);
      await writeFile(temporary, JSON.stringify(note));
      await rename(temporary, join(dir, `${sha256}.json`));
    } catch (error) {
      throw new MailStoreUnavailable("note pending message", true, error);
    }
  }

  /** The message is recorded (filed, listed as a failure, or found recorded already): nothing left to do on a restart. */
  async clearPending(sha256: string): Promise<void> {
    if (isSha256(sha256)) await rm(join(this.root, ".pending", `${sha256}.json`), { force: true });
  }

  /**
   * The message is recorded as far as the store said: its note moves from `.pending/` to
   * `.recorded/` with the message key, for the next start to check against the log ({@link recorded}).
   * DynamoDB Local, unlike DynamoDB, can lose the last transaction it acknowledged when it is killed
   * (measured: 2 of 3 kill -9 runs with a stream on the table lost one), so locally an answered 250
   * is only settled once a start has found the message in the log.
   */
  async markRecorded(sha256: string, note: PendingNote, messageKey: string): Promise<void> {
    if (!isSha256(sha256)) throw new Error("a recorded message is noted under its sha256");
    const dir = join(this.root, ".recorded");
    await mkdir(dir, { recursive: true });
    const temporary = join(dir, `.${randomUUID()}.tmp`);
    await writeFile(temporary, JSON.stringify({ ...note, messageKey }));
    await rename(temporary, join(dir, `${sha256}.json`));
    await this.clearPending(sha256);
  }

  /** The messages recorded since the last start's check, each with its message key (see {@link markRecorded}). */
  async recorded(): Promise<Array<{ sha256: string; objectKey: string; note: PendingNote; messageKey: string }>> {
    const dir = join(this.root, ".recorded");
    const found: Array<{ sha256: string; objectKey: string; note: PendingNote; messageKey: string }> = [];
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const sha256 = name.replace(/\.json$/, "");
      const text = isSha256(sha256) && name.endsWith(".json") ? await readFile(join(dir, name), "utf8").catch(() => undefined) : undefined;
      const parsed = text === undefined ? undefined : noteIn(RecordedNote, text);
      if (!parsed) {
        await rm(join(dir, name), { force: true });
        continue;
      }
      const { messageKey, ...note } = parsed;
      found.push({ sha256, objectKey: `raw/${sha256}.eml`, note, messageKey });
    }
    return found;
  }

  /** The log holds the message: its note is done with. */
  async clearRecorded(sha256: string): Promise<void> {
    if (isSha256(sha256)) await rm(join(this.root, ".recorded", `${sha256}.json`), { force: true });
  }

  /**
   * The kept messages a previous run noted but never recorded (killed in between), oldest first. A
   * note whose message was never kept (killed before the rename) is dropped: that sender got no 250
   * and sends again.
   */
  async pending(): Promise<Array<{ sha256: string; objectKey: string; note: PendingNote }>> {
    const dir = join(this.root, ".pending");
    const names = await readdir(dir).catch(() => [] as string[]);
    const found: Array<{ sha256: string; objectKey: string; note: PendingNote; since: number }> = [];
    for (const name of names) {
      const sha256 = name.replace(/\.json$/, "");
      if (!isSha256(sha256) || !name.endsWith(".json")) {
        await rm(join(dir, name), { force: true });
        continue;
      }
      const objectKey = `raw/${sha256}.eml`;
      const kept = await stat(this.pathOf(objectKey)).catch(() => undefined);
      if (!kept) {
        await this.clearPending(sha256);
        continue;
      }
      const note = await readFile(join(dir, name), "utf8").then((text) => noteIn(PendingNote, text), () => undefined);
      found.push({ sha256, objectKey, note: note ?? { receivedAt: kept.mtime.toISOString(), envelopeRecipients: [] }, since: kept.mtimeMs });
    }
    return found.sort((a, b) => a.since - b.since).map(({ since: _, ...rest }) => rest);
  }

  /**
   * Removes what a killed run left half-written: messages being received (`.incoming/`) and files
   * being written (`raw/.*.tmp`, `documents/.*.tmp`). Only while no message is being received.
   */
  async removeLeftovers(): Promise<number> {
    let removed = 0;
    for (const [dir, leftover] of [[".incoming", () => true], ["raw", (n: string) => n.startsWith(".") && n.endsWith(".tmp")], ["documents", (n: string) => n.startsWith(".") && n.endsWith(".tmp")], [".pending", (n: string) => n.startsWith(".") && n.endsWith(".tmp")], [".recorded", (n: string) => n.startsWith(".") && n.endsWith(".tmp")]] as const) {
      for (const name of await readdir(join(this.root, dir)).catch(() => [] as string[])) {
        if (!leftover(name)) continue;
        await rm(join(this.root, dir, name), { force: true, recursive: true });
        removed++;
      }
    }
    return removed;
  }

  async getRaw(key: string): Promise<Uint8Array> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new RawMailNotFound(key);
      throw new MailStoreUnavailable("read raw message", false, error);
    }
  }

  async putDocument(document: { sha256: string; contentType: string; content: Uint8Array }): Promise<string> {
    if (!isSha256(document.sha256)) throw new Error("a document is stored under its sha256");
    const key = `documents/${document.sha256}`;
    await this.write(key, document.content);
    return key;
  }

  /** The file of a key; keys never leave the folder. */
  pathOf(key: string): string {
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new Error(`key ${key} is outside the mail folder`);
    return path;
  }

  // Written to a temporary name and renamed: a reader (or a concurrent redelivery) never sees half a file.
  private async write(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    try {
      if ((await stat(path).catch(() => undefined))?.size === bytes.byteLength) return;
      await mkdir(dirname(path), { recursive: true });
      const temporary = join(dirname(path), `.${randomUUID()}.tmp`);
      try {
        await writeFile(temporary, bytes);
        await rename(temporary, path);
      } finally {
        await rm(temporary, { force: true });
      }
    } catch (error) {
      throw new MailStoreUnavailable(`write ${key.split("/")[0]}`, true, error);
    }
  }
}

export interface S3MailStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Where SES writes received messages (the infra's RAW_MAIL_PREFIX). */
  readonly rawPrefix: string;
  readonly documentsPrefix: string;
}

const throttlingOrServer = (error: S3ServiceException) => error.$retryable !== undefined || (error.$metadata?.httpStatusCode ?? 0) >= 500 || error.name === "SlowDown";

/** The mail bucket. Errors become MailStoreUnavailable / RawMailNotFound; no SDK error reaches the handler. */
export class S3MailStore implements MailStore {
  constructor(private readonly options: S3MailStoreOptions) {}

  async putRaw(raw: Uint8Array): Promise<string> {
    const key = `${this.options.rawPrefix}${sha256Hex(raw)}.eml`;
    await this.put("put raw message", key, raw, "message/rfc822", sha256Hex(raw));
    return key;
  }

  async getRaw(key: string): Promise<Uint8Array> {
    try {
      const result = await this.options.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      if (!result.Body) throw new RawMailNotFound(key);
      return await result.Body.transformToByteArray();
    } catch (error) {
      if (error instanceof RawMailNotFound) throw error;
      if (error instanceof NoSuchKey || (error instanceof S3ServiceException && error.name === "NoSuchKey")) throw new RawMailNotFound(key);
      throw new MailStoreUnavailable("read raw message", error instanceof S3ServiceException ? throttlingOrServer(error) : true, error);
    }
  }

  async putDocument(document: { sha256: string; contentType: string; content: Uint8Array }): Promise<string> {
    if (!isSha256(document.sha256)) throw new Error("a document is stored under its sha256");
    const key = `${this.options.documentsPrefix}${document.sha256}`;
    await this.put("put document", key, document.content, document.contentType, document.sha256);
    return key;
  }

  private async put(operation: string, key: string, body: Uint8Array, contentType: string, sha256: string): Promise<void> {
    try {
      await this.options.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          // S3 checks the bytes against the hash the key names; a corrupted upload is refused.
          ChecksumSHA256: Buffer.from(sha256, "hex").toString("base64"),
          // Content-addressed: an object already under this key holds these very bytes.
          IfNoneMatch: "*",
        }),
      );
    } catch (error) {
      if (error instanceof S3ServiceException && (error.name === "PreconditionFailed" || error.$metadata?.httpStatusCode === 412)) return;
      // 409: another write of this key is in flight; it may still fail, so this one is retried.
      throw new MailStoreUnavailable(operation, error instanceof S3ServiceException ? throttlingOrServer(error) : true, error);
    }
  }
}
