import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it, vi } from "vitest";
import { ConcurrencyConflict } from "../../domain/errors.ts";
import type { NewEvent, RecordedEvent } from "../../events/index.ts";
import { LetterBounces, bounceNoticeOf } from "../../functions/letters/bounces.ts";
import { lettersMailer } from "../../functions/letters/mailer.ts";
import { type Dependencies, useDependencies } from "../../functions/runtime/dependencies.ts";
import type { EventStore, StreamAppend } from "../../functions/store/event-store.ts";
import { SES_MESSAGE_ID as MESSAGE_ID, SES_RECIPIENT as RECIPIENT, sesBounceEvent, sesComplaintEvent } from "../support/ses-events.ts";

const LETTER_ID = "0123456789abcdef0123456789abcdef01234567";

/** A letter stream in memory: LetterSent (attempt 1 to the contact) and LetterAccepted, as SES took it. */
function letterStream(): { store: EventStore; appended: StreamAppend[]; conflictOnce: () => void } {
  const streamId = `letter#${LETTER_ID}`;
  const metadata = { actor: "letters", role: "system", channel: "system" as const, correlationId: "corr-1" };
  const record = (version: number, event: NewEvent): RecordedEvent => ({
    eventId: `e${version}`, streamId, version, type: event.type, schemaVersion: 1, data: event.data, metadata, recordedAt: "2026-11-30T10:00:00.000Z", schemeId: "technohubs-2020", hash: "h", previousHash: "p",
  });
  const events: RecordedEvent[] = [
    record(1, { type: "LetterSent", data: { letterId: LETTER_ID, kind: "award", applicationId: "app-7", source: { streamId: "application#app-7", version: 9, eventId: "src", type: "AwardLetterIssued" }, attempt: 1, recipients: [RECIPIENT], subject: "Beschikking", sha256: "a".repeat(64), bytes: 1000, pages: 2, template: "t1" } }),
    record(2, { type: "LetterAccepted", data: { letterId: LETTER_ID, attempt: 1, recipient: RECIPIENT, messageId: MESSAGE_ID } }),
  ];
  const appended: StreamAppend[] = [];
  let conflicts = 0;
  const store = {
    async readStream(id: string) {
      return id === streamId ? [...events] : [];
    },
    async append(appends: ReadonlyArray<StreamAppend>) {
      const [append] = appends;
      if (conflicts > 0) {
        conflicts--;
        throw new ConcurrencyConflict(append!.streamId, append!.expectedVersion, "stream-moved-on");
      }
      appended.push(append!);
      const recorded = append!.events.map((e, i) => record(events.length + i + 1, e));
      events.push(...recorded);
      return recorded;
    },
    readSchemes: () => { throw new Error("not used"); },
  } as EventStore;
  return { store, appended, conflictOnce: () => (conflicts = 1) };
}

describe("SES bounce notifications for letters (issue 13 on AWS)", () => {
  it("reads a real-shaped SES bounce event: the letter and attempt from its tags, each bounced address with a reason from SES's codes only", () => {
    const read = bounceNoticeOf(sesBounceEvent().detail);
    expect(read).toEqual({
      notice: { letterId: LETTER_ID, attempt: 1, messageId: MESSAGE_ID, bounced: [{ address: RECIPIENT, reason: "SES reported a Permanent bounce (General), status 5.1.1, action failed" }] },
    });
    // The diagnostic text quotes the address; the reason is stored unsealed, so it must not carry it.
    if ("notice" in read) expect(read.notice.bounced[0]!.reason).not.toContain("@");
  });

  it("ignores mail that is not one of our letters (no letterId or attempt tag, or a malformed one) and events that are not bounces", () => {
    expect(bounceNoticeOf(sesBounceEvent({ tags: { "ses:configuration-set": ["x"] } }).detail)).toEqual({ ignored: "not-a-letter" });
    expect(bounceNoticeOf(sesBounceEvent({ letterId: "not-a-letter-id" }).detail)).toEqual({ ignored: "not-a-letter" });
    expect(bounceNoticeOf(sesBounceEvent({ attempt: "0" }).detail)).toEqual({ ignored: "not-a-letter" });
    const complaint = { ...sesBounceEvent().detail, eventType: "Complaint" };
    expect(bounceNoticeOf(complaint)).toEqual({ ignored: "not-a-bounce" });
    expect(bounceNoticeOf(undefined)).toEqual({ ignored: "not-a-bounce" });
  });

  it("records LetterBounced (how bounced, SES's reason, its message id) after LetterAccepted, once: a redelivered notification records nothing", async () => {
    const { store, appended } = letterStream();
    const bounces = new LetterBounces({ events: store });
    expect(await bounces.handle(sesBounceEvent().detail)).toEqual({ outcome: "recorded", letterId: LETTER_ID, attempt: 1 });
    expect(appended).toHaveLength(1);
    expect(appended[0]).toMatchObject({ streamId: `letter#${LETTER_ID}`, expectedVersion: 2, schemeId: "technohubs-2020", metadata: { role: "system", correlationId: "corr-1", causationId: "e1" } });
    expect(appended[0]!.events).toEqual([
      { type: "LetterBounced", data: { letterId: LETTER_ID, attempt: 1, recipient: RECIPIENT, reason: "SES reported a Permanent bounce (General), status 5.1.1, action failed", how: "bounced", messageId: MESSAGE_ID } },
    ]);
    expect(await bounces.handle(sesBounceEvent().detail)).toEqual({ outcome: "already-recorded", letterId: LETTER_ID, attempt: 1 });
    expect(appended).toHaveLength(1);
  });

  it("records the address as the letter spelled it when SES reports it in another case", async () => {
    const { store, appended } = letterStream();
    expect((await new LetterBounces({ events: store }).handle(sesBounceEvent({ address: RECIPIENT.toUpperCase() }).detail)).outcome).toBe("recorded");
    expect((appended[0]!.events[0]!.data as { recipient: string }).recipient).toBe(RECIPIENT);
  });

  it("ignores a bounce for a letter or attempt never sent, or for an address the attempt did not go to", async () => {
    const { store, appended } = letterStream();
    const bounces = new LetterBounces({ events: store });
    expect((await bounces.handle(sesBounceEvent({ letterId: "f".repeat(40) }).detail)).outcome).toBe("unknown-letter");
    expect((await bounces.handle(sesBounceEvent({ attempt: "2" }).detail)).outcome).toBe("unknown-letter");
    expect((await bounces.handle(sesBounceEvent({ address: "iemand-anders@example.org" }).detail)).outcome).toBe("not-a-recipient");
    expect(appended).toHaveLength(0);
  });

  it("reads the stream again and decides again when the letters reaction appended at the same moment", async () => {
    const { store, appended, conflictOnce } = letterStream();
    conflictOnce();
    expect((await new LetterBounces({ events: store }).handle(sesBounceEvent().detail)).outcome).toBe("recorded");
    expect(appended).toHaveLength(1);
  });

  it("on AWS the letters are sent with the configuration set the stack names (SES_CONFIGURATION_SET) and the letter's tags, which come back in the bounce", async () => {
    const ses = mockClient(SESv2Client);
    ses.on(SendEmailCommand).resolves({ MessageId: MESSAGE_ID });
    vi.stubEnv("LETTERS_MAIL", "ses");
    vi.stubEnv("SES_CONFIGURATION_SET", "LettersConfigurationSet-abc");
    // No mailer of the local runtime's: the SES one is made.
    useDependencies({} as Dependencies);
    try {
      const mailer = lettersMailer()!;
      await mailer.send({ from: "aanvraag@example.org", to: RECIPIENT, subject: "Beschikking", text: "Zie de bijlage.", key: "letter.x.1.y", tags: { letterId: LETTER_ID, attempt: "1" } });
      const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
      expect(input.ConfigurationSetName).toBe("LettersConfigurationSet-abc");
      expect(input.EmailTags).toEqual([{ Name: "letterId", Value: LETTER_ID }, { Name: "attempt", Value: "1" }]);
      expect(sesBounceEvent().detail.mail.tags).toMatchObject({ letterId: [LETTER_ID], attempt: ["1"] });
    } finally {
      useDependencies(undefined);
      vi.unstubAllEnvs();
      ses.restore();
    }
  });
});

describe("SES complaint notifications for letters: a recipient reported the letter as spam", () => {
  it("reads a real-shaped SES complaint event: the letter and attempt from its tags, who complained and the report's type", () => {
    expect(bounceNoticeOf(sesComplaintEvent({ feedbackType: "abuse" }).detail)).toEqual({
      notice: { letterId: LETTER_ID, attempt: 1, messageId: MESSAGE_ID, bounced: [], complained: [{ address: RECIPIENT, feedbackType: "abuse" }] },
    });
    expect(bounceNoticeOf(sesComplaintEvent().detail)).toMatchObject({ notice: { complained: [{ address: RECIPIENT, feedbackType: null }] } });
    expect(bounceNoticeOf(sesComplaintEvent({ letterId: "not-a-letter-id" }).detail)).toEqual({ ignored: "not-a-letter" });
  });

  it("a complaint SES records for mail it never sent (the address on the account's suppression list) is a bounce: the letter did not arrive", () => {
    expect(bounceNoticeOf(sesComplaintEvent({ subType: "OnAccountSuppressionList" }).detail)).toEqual({
      notice: { letterId: LETTER_ID, attempt: 1, messageId: MESSAGE_ID, bounced: [{ address: RECIPIENT, reason: "SES did not send it: the address is on the account's suppression list (it reported earlier mail as spam)" }] },
    });
  });

  it("records LetterComplaintReceived once, with the report's type and SES's message id; a redelivered complaint records nothing, one from an address the attempt did not go to is ignored", async () => {
    const { store, appended } = letterStream();
    const bounces = new LetterBounces({ events: store });
    expect(await bounces.handle(sesComplaintEvent({ feedbackType: "abuse" }).detail)).toEqual({ outcome: "recorded", letterId: LETTER_ID, attempt: 1 });
    expect(appended[0]!.events).toEqual([{ type: "LetterComplaintReceived", data: { letterId: LETTER_ID, attempt: 1, recipient: RECIPIENT, feedbackType: "abuse", messageId: MESSAGE_ID } }]);
    expect((await bounces.handle(sesComplaintEvent({ feedbackType: "abuse" }).detail)).outcome).toBe("already-recorded");
    expect((await bounces.handle(sesComplaintEvent({ address: "iemand-anders@example.org" }).detail)).outcome).toBe("not-a-recipient");
    expect(appended).toHaveLength(1);
  });
});
