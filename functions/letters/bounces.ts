import * as z from "zod";
import { ConcurrencyConflict } from "../../domain/errors.ts";
import { decideRecordComplaint, decideRecordDelivery, evolveLetter, initialLetterState } from "../../domain/letters.ts";
import { type DomainEvent, type EventMetadata, type NewEvent, type RecordedEvent, streamIds } from "../../events/index.ts";
import { inInvocation, type PersonalDataVault } from "../personal-data/vault.ts";
import type { EventStore } from "../store/event-store.ts";

/**
 * Issue 13 on AWS: SES accepts a letter and reports a bounce or a complaint later. The letters'
 * configuration set publishes Bounce and Complaint events to the default EventBridge bus (SES supports
 * no other); a rule hands each to this consumer, which records LetterBounced (how `bounced`) or
 * LetterComplaintReceived on the letter's stream. The letter is found by the EmailTags the letters
 * reaction sends with (`letterId`, `attempt`), never by address.
 */

/** The function's REACTION in the stack, by which the local runtime finds its IAM statements. */
export const LETTER_BOUNCES_REACTION = "letter-bounces";

/** The SES EventBridge events this consumer takes (source `aws.ses`): bounces and complaints. */
export const SES_BOUNCE_DETAIL_TYPE = "Email Bounced";
export const SES_COMPLAINT_DETAIL_TYPE = "Email Complaint Received";
/** SES's complaint sub-type for mail it never sent, because an earlier complaint put the address on the account's suppression list. */
const SUPPRESSED = "OnAccountSuppressionList";

/** The sent message as SES's event records describe it. */
const SesMail = z.object({
  messageId: z.string().min(1).max(998),
  /** Each tag as a list of values, the configuration set's own (`ses:...`) among them. */
  tags: z.record(z.string(), z.array(z.string())).optional(),
});

/** SES's event record (event publishing format) as far as it is read here; SES adds more, which is let through. */
const SesBounceDetail = z.object({
  eventType: z.literal("Bounce"),
  bounce: z.object({
    bounceType: z.string().min(1).max(100),
    bounceSubType: z.string().min(1).max(100),
    bouncedRecipients: z.array(z.object({ emailAddress: z.string().min(1).max(400), action: z.string().max(100).optional(), status: z.string().max(100).optional() })).min(1),
    feedbackId: z.string().max(500).optional(),
  }),
  mail: SesMail,
});

const SesComplaintDetail = z.object({
  eventType: z.literal("Complaint"),
  complaint: z.object({
    complainedRecipients: z.array(z.object({ emailAddress: z.string().min(1).max(400) })).min(1),
    /** The Feedback-Type of the provider's report (abuse, fraud, not-spam, ...), when it sent one. */
    complaintFeedbackType: z.string().min(1).max(100).optional(),
    complaintSubType: z.string().max(100).nullable().optional(),
  }),
  mail: SesMail,
});

/** What a notification says about one letter: its id and attempt (from the tags), who it did not reach, and who complained. */
export interface LetterBounceNotice {
  readonly letterId: string;
  readonly attempt: number;
  readonly messageId: string;
  /** Per bounced address, a reason from SES's codes only: the diagnostic text may quote the address, and the reason is not sealed. */
  readonly bounced: ReadonlyArray<{ readonly address: string; readonly reason: string }>;
  /** Per address that reported the letter as spam, the report's type (null when the provider gave none). */
  readonly complained?: ReadonlyArray<{ readonly address: string; readonly feedbackType: string | null }>;
}

export type NoticeOrIgnored = { readonly notice: LetterBounceNotice } | { readonly ignored: "not-a-bounce" | "not-a-letter" };

const LETTER_ID = /^[0-9a-f]{40}$/;
const ATTEMPT = /^[1-9][0-9]{0,3}$/;

/** The letter and attempt an SES event's mail was sent as, from its tags; undefined for mail that is none of our letters. */
function letterOf(mail: z.infer<typeof SesMail>): { letterId: string; attempt: number } | undefined {
  const letterId = mail.tags?.letterId?.[0];
  const attempt = mail.tags?.attempt?.[0];
  if (!letterId || !LETTER_ID.test(letterId) || !attempt || !ATTEMPT.test(attempt)) return undefined;
  return { letterId, attempt: Number(attempt) };
}

/**
 * Reads an SES complaint event's detail. A complaint about mail SES never sent (the address on the
 * account's suppression list after an earlier complaint) is no complaint about this letter: it did not
 * arrive, so it is a bounce. Pure.
 */
function complaintNoticeOf(detail: unknown): NoticeOrIgnored | undefined {
  const parsed = SesComplaintDetail.safeParse(detail);
  if (!parsed.success) return undefined;
  const { complaint, mail } = parsed.data;
  const letter = letterOf(mail);
  if (!letter) return { ignored: "not-a-letter" };
  const addresses = complaint.complainedRecipients.map((r) => r.emailAddress);
  if (complaint.complaintSubType === SUPPRESSED) {
    const reason = "SES did not send it: the address is on the account's suppression list (it reported earlier mail as spam)";
    return { notice: { ...letter, messageId: mail.messageId, bounced: addresses.map((address) => ({ address, reason })) } };
  }
  return { notice: { ...letter, messageId: mail.messageId, bounced: [], complained: addresses.map((address) => ({ address, feedbackType: complaint.complaintFeedbackType ?? null })) } };
}

/** Reads an SES bounce or complaint event's detail: a notice for one of our letters, or why it is none of ours. Pure. */
export function bounceNoticeOf(detail: unknown): NoticeOrIgnored {
  const complaint = complaintNoticeOf(detail);
  if (complaint) return complaint;
  const parsed = SesBounceDetail.safeParse(detail);
  if (!parsed.success) return { ignored: "not-a-bounce" };
  const { bounce, mail } = parsed.data;
  const letter = letterOf(mail);
  if (!letter) return { ignored: "not-a-letter" };
  const { letterId, attempt } = letter;
  const kind = `${bounce.bounceType} bounce (${bounce.bounceSubType})`;
  return {
    notice: {
      letterId,
      attempt,
      messageId: mail.messageId,
      bounced: bounce.bouncedRecipients.map((r) => ({
        address: r.emailAddress,
        reason: `SES reported a ${kind}${r.status ? `, status ${r.status}` : ""}${r.action ? `, action ${r.action}` : ""}`,
      })),
    },
  };
}

export type BounceOutcome = "recorded" | "already-recorded" | "unknown-letter" | "not-a-recipient" | "not-a-bounce" | "not-a-letter";

export interface LetterBouncesDependencies {
  readonly events: EventStore;
  /** Issue 16: the store reveals the letter's recipients to compare and seals the one bounced again. */
  readonly personalData?: Pick<PersonalDataVault, "invocation">;
}

const SYSTEM_ACTOR = "letters";
const fold = (events: ReadonlyArray<RecordedEvent>) => events.reduce((s, e) => evolveLetter(s, e as DomainEvent), initialLetterState);

/**
 * Records a bounce notification on the letter's stream. At-least-once: a redelivered notification
 * finds the bounce recorded (the letter's state refuses it as already there) and records nothing.
 * A notification for a letter or attempt we did not send, or for an address it did not go to, is ignored.
 */
export class LetterBounces {
  constructor(private readonly deps: LetterBouncesDependencies) {}

  async handle(detail: unknown): Promise<{ outcome: BounceOutcome; letterId?: string; attempt?: number }> {
    const read = bounceNoticeOf(detail);
    if ("ignored" in read) return { outcome: read.ignored };
    return inInvocation(this.deps.personalData, () => this.record(read.notice));
  }

  private async record(notice: LetterBounceNotice): Promise<{ outcome: BounceOutcome; letterId?: string; attempt?: number }> {
    const streamId = streamIds.letter(notice.letterId);
    const ids = { letterId: notice.letterId, attempt: notice.attempt };
    for (let round = 0; round < 5; round++) {
      const history = await this.deps.events.readStream(streamId);
      let state = fold(history);
      const attempt = state.attempts.find((a) => a.attempt === notice.attempt);
      const first = history[0];
      if (!first || !attempt) return { outcome: "unknown-letter", ...ids };
      const events: NewEvent[] = [];
      let known = 0;
      /** One reported address: decided on the letter as it stands with what is taken so far; a refusal (a duplicate) adds nothing. */
      const take = (address: string, decide: (recipient: string) => ReturnType<typeof decideRecordDelivery> | ReturnType<typeof decideRecordComplaint>) => {
        // SES may report an address in another case than it was sent to; the letter's own spelling is recorded.
        const recipient = attempt.recipients.find((r) => r.toLowerCase() === address.toLowerCase());
        if (!recipient) return;
        known++;
        const decision = decide(recipient);
        if (decision.outcome === "refused") return;
        events.push(...decision.events);
        state = decision.events.reduce((s, e) => evolveLetter(s, e as DomainEvent), state);
      };
      const { messageId } = notice;
      for (const { address, reason } of notice.bounced) take(address, (recipient) => decideRecordDelivery(state, { attempt: notice.attempt, recipient, outcome: "bounced", reason, messageId }));
      for (const { address, feedbackType } of notice.complained ?? []) take(address, (recipient) => decideRecordComplaint(state, { attempt: notice.attempt, recipient, feedbackType, messageId }));
      if (!known) return { outcome: "not-a-recipient", ...ids };
      if (!events.length) return { outcome: "already-recorded", ...ids };
      const metadata: EventMetadata = { actor: SYSTEM_ACTOR, role: "system", channel: "system", correlationId: first.metadata.correlationId, causationId: first.eventId };
      try {
        await this.deps.events.append([{ streamId, expectedVersion: history.length, schemeId: first.schemeId, events, metadata }]);
        return { outcome: "recorded", ...ids };
      } catch (error) {
        // The letters reaction recorded an outcome at the same moment: read again and decide again.
        if (!(error instanceof ConcurrencyConflict)) throw error;
      }
    }
    throw new Error(`letter ${notice.letterId}: the notification could not be recorded after 5 concurrent appends`);
  }
}
