import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { MessageRejected, SESv2Client, SendEmailCommand, TooManyRequestsException } from "@aws-sdk/client-sesv2";
import type { S3Event } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import PostalMime from "postal-mime";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { handleS3Event } from "../../functions/intake/handler.ts";
import { LocalMailStore, S3MailStore } from "../../functions/intake/mail-store.ts";
import { SesMailer } from "../../functions/intake/mailer.ts";
import { OutboxMailer } from "../../functions/intake/outbox-mailer.ts";
import { MailRefused, MailStoreUnavailable, MailerUnavailable, RawMailNotFound } from "../../functions/intake/ports.ts";
import type { IntakeDependencies } from "../../functions/intake/process.ts";

const s3 = mockClient(S3Client);
const ses = mockClient(SESv2Client);
const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const store = new S3MailStore({ client: new S3Client({ region: "eu-west-1", credentials }), bucket: "mail-bucket", rawPrefix: "raw/", documentsPrefix: "documents/" });
const mailer = new SesMailer({ client: new SESv2Client({ region: "eu-west-1", credentials }), configurationSetName: "intake" });

const bytes = Buffer.from("%PDF-1.7 a proposal");
const sha = createHash("sha256").update(bytes).digest("hex");
const s3Error = (name: string, status: number) => new S3ServiceException({ name, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status }, message: name });
/** What the SDK hands back as a body: a stream that can turn itself into bytes. */
const streamOf = (text: string) => ({ transformToByteArray: async () => new Uint8Array(Buffer.from(text)) }) as never;
const receipt = { from: "technohubs@intake.aeno.local", to: "aanvrager@example.org", subject: "Ontvangstbevestiging [APP-1]", text: "Ontvangen.", inReplyTo: "<m1@example.org>", key: "a".repeat(64) };

beforeEach(() => {
  s3.reset();
  ses.reset();
});

afterAll(() => {
  s3.restore();
  ses.restore();
});

describe("S3MailStore (the mail bucket)", () => {
  it("stores a document under documents/<sha256> with its type, S3 checking the bytes against the hash, never overwriting", async () => {
    s3.on(PutObjectCommand).resolves({});
    expect(await store.putDocument({ sha256: sha, contentType: "application/pdf", content: bytes })).toBe(`documents/${sha}`);
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: "mail-bucket",
      Key: `documents/${sha}`,
      Body: bytes,
      ContentType: "application/pdf",
      ChecksumSHA256: Buffer.from(sha, "hex").toString("base64"),
      IfNoneMatch: "*",
    });
  });

  it("a document already there (412) is fine: content-addressed, it holds these very bytes", async () => {
    s3.on(PutObjectCommand).rejects(s3Error("PreconditionFailed", 412));
    await expect(store.putDocument({ sha256: sha, contentType: "application/pdf", content: bytes })).resolves.toBe(`documents/${sha}`);
  });

  it("maps failures: throttling and 5xx retryable, access denied not, a concurrent write (409) retried", async () => {
    s3.on(PutObjectCommand).rejectsOnce(s3Error("SlowDown", 503)).rejectsOnce(s3Error("AccessDenied", 403)).rejectsOnce(s3Error("ConditionalRequestConflict", 409));
    const attempt = () => store.putDocument({ sha256: sha, contentType: "application/pdf", content: bytes }).catch((e: unknown) => e);
    const [slow, denied, conflict] = [await attempt(), await attempt(), await attempt()] as MailStoreUnavailable[];
    expect(slow).toBeInstanceOf(MailStoreUnavailable);
    expect(slow!.retryable).toBe(true);
    expect(denied!.retryable).toBe(false);
    expect(conflict).toBeInstanceOf(MailStoreUnavailable);
    // No SDK detail leaks through the message.
    expect(denied!.message).toBe("mail store unavailable during put document");
  });

  it("reads a raw message SES stored; a missing one is RawMailNotFound", async () => {
    s3.on(GetObjectCommand, { Bucket: "mail-bucket", Key: "raw/ses-id-1" }).resolves({ Body: streamOf("Subject: x\r\n\r\nbody") });
    s3.on(GetObjectCommand, { Key: "raw/gone" }).rejects(new NoSuchKey({ $metadata: {}, message: "gone" }));
    expect(Buffer.from(await store.getRaw("raw/ses-id-1")).toString()).toBe("Subject: x\r\n\r\nbody");
    await expect(store.getRaw("raw/gone")).rejects.toBeInstanceOf(RawMailNotFound);
  });
});

describe("LocalMailStore (the folder standing in for the bucket)", () => {
  it("keeps raw messages and documents under their hashes, atomically, and never outside its folder", async () => {
    const root = await mkdtemp(join(tmpdir(), "mail-store-"));
    try {
      const local = new LocalMailStore(root);
      const raw = Buffer.from("Subject: hallo\r\n\r\nbody\r\n");
      const key = await local.putRaw(raw);
      expect(key).toBe(`raw/${createHash("sha256").update(raw).digest("hex")}.eml`);
      await Promise.all([1, 2, 3].map(() => local.putDocument({ sha256: sha, contentType: "application/pdf", content: bytes })));
      expect(await readFile(join(root, "documents", sha))).toEqual(bytes);
      expect(await readdir(join(root, "documents"))).toEqual([sha]);
      expect(Buffer.from(await local.getRaw(key))).toEqual(raw);
      await expect(local.getRaw("raw/none.eml")).rejects.toBeInstanceOf(RawMailNotFound);
      expect(() => local.pathOf("../etc/passwd")).toThrow(/outside the mail folder/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("SesMailer (the acknowledgement on AWS)", () => {
  it("sends a plain-text receipt from the scheme's intake address, threaded and marked as an automatic reply", async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: "0100-ses-id" });
    expect(await mailer.send(receipt)).toEqual({ acknowledgementId: "0100-ses-id" });
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input).toEqual({
      FromEmailAddress: "technohubs@intake.aeno.local",
      Destination: { ToAddresses: ["aanvrager@example.org"] },
      Content: {
        Simple: {
          Subject: { Data: "Ontvangstbevestiging [APP-1]", Charset: "UTF-8" },
          Body: { Text: { Data: "Ontvangen.", Charset: "UTF-8" } },
          Headers: [
            { Name: "Auto-Submitted", Value: "auto-replied" },
            { Name: "In-Reply-To", Value: "<m1@example.org>" },
            { Name: "References", Value: "<m1@example.org>" },
          ],
        },
      },
      ConfigurationSetName: "intake",
    });
  });

  it("a rejection for good is MailRefused (recorded, not retried); throttling is MailerUnavailable (retried)", async () => {
    ses.on(SendEmailCommand).rejectsOnce(new MessageRejected({ $metadata: {}, message: "Email address is not verified." })).rejectsOnce(new TooManyRequestsException({ $metadata: {}, message: "slow down" }));
    await expect(mailer.send(receipt)).rejects.toBeInstanceOf(MailRefused);
    await expect(mailer.send(receipt)).rejects.toBeInstanceOf(MailerUnavailable);
  });
});

describe("OutboxMailer (the acknowledgement locally)", () => {
  it("writes the receipt as an .eml file a mail client opens", async () => {
    const folder = await mkdtemp(join(tmpdir(), "outbox-"));
    try {
      const sent = await new OutboxMailer(folder).send({ ...receipt, subject: "Ontvangstbevestiging Zeeën [APP-1]" });
      const parsed = await PostalMime.parse(await readFile(join(folder, `${receipt.key}.eml`)));
      expect(parsed).toMatchObject({ subject: "Ontvangstbevestiging Zeeën [APP-1]", messageId: sent.acknowledgementId, inReplyTo: "<m1@example.org>" });
      expect(parsed.text?.trim()).toBe("Ontvangen.");
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe("the intake Lambda (S3 ObjectCreated under raw/)", () => {
  const record = (key: string, eventTime = "2021-01-20T09:00:00.123Z") => ({ eventTime, s3: { object: { key } } });

  it("reads each new object, decodes its key, and processes it with the object's creation as the receipt time; skips SES's setup object", async () => {
    const getRaw = vi.fn(async (key: string) => Buffer.from(`raw of ${key}`));
    const deps = { mailStore: { getRaw } } as unknown as IntakeDependencies;
    const processed: Array<[string, string, string]> = [];
    const event = { Records: [record("raw/AMAZON_SES_SETUP_NOTIFICATION"), record("raw/abc+def%2B1")] } as unknown as S3Event;
    await handleS3Event(event, deps, async (raw, receivedAt) => {
      processed.push([raw.objectKey, Buffer.from(raw.bytes).toString(), receivedAt]);
      return { messageKey: "k", outcome: "filed" };
    });
    expect(getRaw).toHaveBeenCalledTimes(1);
    expect(processed).toEqual([["raw/abc def+1", "raw of raw/abc def+1", "2021-01-20T09:00:00.123Z"]]);
  });

  it("a message that cannot be recorded fails the invocation, so Lambda retries it and then parks it in the dead-letter queue", async () => {
    const deps = { mailStore: { getRaw: async () => Buffer.from("x") } } as unknown as IntakeDependencies;
    const event = { Records: [record("raw/m1")] } as unknown as S3Event;
    await expect(handleS3Event(event, deps, async () => { throw new MailStoreUnavailable("put document", true); })).rejects.toBeInstanceOf(MailStoreUnavailable);
  });
});
