import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalMailStore } from "../../functions/intake/mail-store.ts";
import { sha256 } from "../support/mail.ts";

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function store() {
  const root = await mkdtemp(join(tmpdir(), "mail-store-pending-"));
  folders.push(root);
  return new LocalMailStore(root);
}

/** Keeps a message as the SMTP listener does: noted, then streamed to .incoming/ and renamed into raw/. */
async function keep(mailStore: LocalMailStore, bytes: Buffer, note = { receivedAt: "2021-01-20T09:00:00.000Z", envelopeRecipients: ["technohubs@intake.aeno.local"] }) {
  await mailStore.markPending(sha256(bytes), note);
  const path = await mailStore.incomingPath();
  await writeFile(path, bytes);
  return mailStore.adoptRaw(path, sha256(bytes));
}

describe("issue 12 kill -9: a message kept but not recorded is found again on the next start", () => {
  it("issue 12 kill -9: a kept message with its note is pending (with its RCPT TO and receipt time) until cleared; a note whose message was never kept is dropped", async () => {
    const mailStore = await store();
    const kept = Buffer.from("From: a@example.org\r\nSubject: kept\r\n\r\nbody\r\n");
    const objectKey = await keep(mailStore, kept);
    // Killed before the rename: the note alone.
    const lostInFlight = Buffer.from("From: b@example.org\r\nSubject: in flight\r\n\r\nbody\r\n");
    await mailStore.markPending(sha256(lostInFlight), { receivedAt: "2021-01-20T09:01:00.000Z", envelopeRecipients: [] });

    expect(await mailStore.pending()).toEqual([{ sha256: sha256(kept), objectKey, note: { receivedAt: "2021-01-20T09:00:00.000Z", envelopeRecipients: ["technohubs@intake.aeno.local"] } }]);
    expect(await readdir(join(mailStore.root, ".pending"))).toEqual([`${sha256(kept)}.json`]);
    await mailStore.clearPending(sha256(kept));
    expect(await mailStore.pending()).toEqual([]);
  });

  it("issue 12 kill -9: a note cut off mid-write still brings its message back, with the file's time as receipt time and no envelope", async () => {
    const mailStore = await store();
    const kept = Buffer.from("From: c@example.org\r\nSubject: torn note\r\n\r\nbody\r\n");
    await keep(mailStore, kept);
    await writeFile(join(mailStore.root, ".pending", `${sha256(kept)}.json`), '{"receivedAt":"2021-01-2');
    const [found] = await mailStore.pending();
    expect(found).toMatchObject({ sha256: sha256(kept), note: { envelopeRecipients: [] } });
    expect(Number.isNaN(Date.parse(found!.note.receivedAt))).toBe(false);
  });

  it("issue 12 kill -9: half-received and half-written files are removed; kept messages and documents are not", async () => {
    const mailStore = await store();
    const kept = Buffer.from("From: d@example.org\r\nSubject: kept\r\n\r\nbody\r\n");
    await keep(mailStore, kept);
    await writeFile(await mailStore.incomingPath(), "From: half");
    await mailStore.putDocument({ sha256: sha256("doc"), contentType: "application/pdf", content: Buffer.from("doc") });
    await mkdir(join(mailStore.root, "documents"), { recursive: true });
    await writeFile(join(mailStore.root, "documents", ".0000-half.tmp"), "half a document");
    await writeFile(join(mailStore.root, "raw", ".0000-half.tmp"), "half a message");

    expect(await mailStore.removeLeftovers()).toBe(3);
    expect(await readdir(join(mailStore.root, ".incoming"))).toEqual([]);
    expect(await readdir(join(mailStore.root, "raw"))).toEqual([`${sha256(kept)}.eml`]);
    expect(await readdir(join(mailStore.root, "documents"))).toEqual([sha256("doc")]);
  });

  it("issue 12 kill -9: a recorded message's note moves from pending to recorded with its message key, for the next start to check against the log (DynamoDB Local may lose its last acknowledged transaction); a damaged note is dropped", async () => {
    const mailStore = await store();
    const bytes = Buffer.from("From: c@example.org\r\nSubject: recorded\r\n\r\nbody\r\n");
    const objectKey = await keep(mailStore, bytes);
    const messageKey = "a".repeat(64);

    await mailStore.markRecorded(sha256(bytes), { receivedAt: "2021-01-20T09:02:00.000Z", envelopeRecipients: ["technohubs@intake.aeno.local"] }, messageKey);
    await mkdir(join(mailStore.root, ".recorded"), { recursive: true });
    await writeFile(join(mailStore.root, ".recorded", `${"b".repeat(64)}.json`), "{not json");

    expect(await mailStore.pending()).toEqual([]);
    expect(await mailStore.recorded()).toEqual([{ sha256: sha256(bytes), objectKey, messageKey, note: { receivedAt: "2021-01-20T09:02:00.000Z", envelopeRecipients: ["technohubs@intake.aeno.local"] } }]);
    expect(await readdir(join(mailStore.root, ".recorded"))).toEqual([`${sha256(bytes)}.json`]);
    await mailStore.clearRecorded(sha256(bytes));
    expect(await mailStore.recorded()).toEqual([]);
  });
});
