import { createHash } from "node:crypto";
import { ConcurrencyConflict } from "../../domain/errors.ts";
import { type LetterState, decideRecordDelivery, decideSendLetter, decideSendResend, evolveLetter, initialLetterState, unconfirmedRecipients } from "../../domain/letters.ts";
import { type DomainEvent, type EventData, type EventMetadata, type NewEvent, type RecordedEvent, streamIds } from "../../events/index.ts";
import type { SchemeCatalogue } from "../../schemes/load.ts";
import { MailRefused, type Mailer } from "../intake/ports.ts";
import type { EventStore } from "../store/event-store.ts";
import { inInvocation, type PersonalDataVault } from "../personal-data/vault.ts";
import { type GatheredLetter, gatherLetter, letterIdOf } from "./gather.ts";
import { renderGathered, rerenderLetter } from "./rerender.ts";

export interface LettersDependencies {
  readonly events: EventStore;
  readonly schemes: SchemeCatalogue;
  /** Undefined where the deployment sends no mail: every recipient is then recorded as refused, for staff to see. */
  readonly mailer: Mailer | undefined;
  /** Issue 16: the bus carries events as stored (personal data sealed); a letter is written from the revealed event. */
  readonly personalData?: Pick<PersonalDataVault, "reveal" | "invocation">;
}

export type LetterOutcome = "not-a-letter" | "sent" | "completed" | "already-sent" | "resent" | "no-resend-waiting";

const SYSTEM_ACTOR = "letters";
const fold = (events: ReadonlyArray<RecordedEvent>) => events.reduce((s, e) => evolveLetter(s, e as DomainEvent), initialLetterState);

/**
 * Issue 13: the letters reaction, a bus consumer with side effects (it ignores replays). For each
 * decision that concerns an applicant it renders the scheme's letter as a PDF, records LetterSent
 * (hash, size, pages, recipients) on the letter's own stream, mails it to the application's contacts
 * and records what the mail service said per recipient. For a re-send staff asked for, the same.
 *
 * At-least-once delivery: the letter's id comes from the source event, and LetterSent goes in at
 * stream version 1 on the condition that the stream is new, so a second delivery cannot make a
 * second letter; it only finishes what the first left unconfirmed (a crash between sending and
 * recording the outcome sends again to those recipients: a duplicate mail, never a lost letter).
 */
export class LettersReaction {
  constructor(private readonly deps: LettersDependencies) {}

  handle(stored: RecordedEvent): Promise<LetterOutcome> {
    // Keys are cached for this delivery only: one destroyed meanwhile is not served from a warm container.
    return inInvocation(this.deps.personalData, () => this.handleRevealed(stored));
  }

  private async handleRevealed(stored: RecordedEvent): Promise<LetterOutcome> {
    const event = this.deps.personalData ? await this.deps.personalData.reveal(stored) : stored;
    if (event.type === "LetterResendRequested") return this.resend(event as RecordedEvent<"LetterResendRequested", EventData<"LetterResendRequested">>);
    const gathered = await gatherLetter(event, this.deps);
    if (!gathered) return "not-a-letter";
    const letterId = letterIdOf(event);
    const streamId = streamIds.letter(letterId);
    const schemeId = gathered.scheme.definition.id;
    const metadata: EventMetadata = { actor: SYSTEM_ACTOR, role: "system", channel: "system", correlationId: event.metadata.correlationId, causationId: event.eventId };
    const rendered = await renderGathered(gathered, event.recordedAt);
    let history = await this.deps.events.readStream(streamId);
    let outcome: LetterOutcome = "completed";
    if (history.length === 0) {
      const decision = decideSendLetter(fold(history), {
        letterId,
        kind: gathered.kind,
        applicationId: gathered.applicationId,
        source: { streamId: event.streamId, version: event.version, eventId: event.eventId, type: event.type, recordedAt: event.recordedAt },
        recipients: [...gathered.contacts],
        subject: rendered.document.subject,
        sha256: rendered.pdf.sha256,
        bytes: rendered.pdf.bytes,
        pages: rendered.pdf.pages,
        template: rendered.document.template,
      });
      if (decision.outcome === "refused") return "already-sent";
      try {
        history = [...history, ...(await this.deps.events.append([{ streamId, expectedVersion: 0, schemeId, events: decision.events, metadata }]))];
        outcome = "sent";
      } catch (error) {
        // Another delivery of the same event made the letter first: it sends it too.
        if (error instanceof ConcurrencyConflict) return "already-sent";
        throw error;
      }
    }
    const state = fold(history);
    if (state.letter && state.letter.sha256 !== rendered.pdf.sha256) {
      // The template or the log changed since: the letter recorded is not the one we would send now. Never send another silently.
      throw new Error(`letter ${letterId} renders to another PDF than the one recorded (template ${state.letter.template} -> ${rendered.document.template})`);
    }
    await this.deliver(streamId, schemeId, metadata, state, 1, gathered, rendered);
    return outcome;
  }

  /** Staff asked for the letter again: render it from its source event again (same hash), send the attempt, record the outcomes. */
  private async resend(request: RecordedEvent<"LetterResendRequested", EventData<"LetterResendRequested">>): Promise<LetterOutcome> {
    const streamId = request.streamId;
    let history = await this.deps.events.readStream(streamId);
    let state = fold(history);
    const letter = state.letter;
    if (!letter) throw new Error(`re-send of ${streamId}, which has no letter`);
    const { gathered, ...rendered } = await rerenderLetter(letter, this.deps);
    const schemeId = gathered.scheme.definition.id;
    const metadata: EventMetadata = { actor: SYSTEM_ACTOR, role: "system", channel: "system", correlationId: request.metadata.correlationId, causationId: request.eventId };
    const attempt = request.data.attempt;
    if (!state.attempts.some((a) => a.attempt === attempt)) {
      const recipients = request.data.recipients.length ? request.data.recipients : gathered.contacts;
      const decision = decideSendResend(state, { sha256: rendered.pdf.sha256, bytes: rendered.pdf.bytes, pages: rendered.pdf.pages, template: rendered.document.template }, recipients);
      if (decision.outcome === "refused") return "no-resend-waiting";
      try {
        history = [...history, ...(await this.deps.events.append([{ streamId, expectedVersion: history.length, schemeId, events: decision.events, metadata }]))];
      } catch (error) {
        if (error instanceof ConcurrencyConflict) return "already-sent";
        throw error;
      }
      state = fold(history);
    }
    await this.deliver(streamId, schemeId, metadata, state, attempt, gathered, rendered);
    return "resent";
  }

  /** Mails the attempt to each recipient without an outcome yet and records the outcomes in one append. */
  private async deliver(
    streamId: string,
    schemeId: string,
    metadata: EventMetadata,
    state: LetterState,
    attempt: number,
    gathered: GatheredLetter,
    rendered: Awaited<ReturnType<typeof renderGathered>>,
  ): Promise<void> {
    const letterId = state.letter!.letterId;
    const from = gathered.scheme.definition.intake.emailAddress;
    const outcomes: Array<Parameters<typeof decideRecordDelivery>[1]> = [];
    for (const recipient of unconfirmedRecipients(state, attempt)) {
      if (!this.deps.mailer) {
        outcomes.push({ attempt, recipient, outcome: "refused", reason: "this deployment sends no mail (no verified sending identity)", messageId: null });
        continue;
      }
      try {
        const sent = await this.deps.mailer.send({
          from,
          to: recipient,
          subject: rendered.document.subject,
          text: rendered.document.mailText,
          // One file per letter, attempt and recipient: a redelivery writes the same one again.
          key: `letter.${letterId}.${attempt}.${createHash("sha256").update(recipient).digest("hex").slice(0, 16)}`,
          attachments: [{ filename: `${rendered.document.reference}-${gathered.kind}.pdf`, contentType: "application/pdf", content: rendered.pdf.pdf }],
          tags: { letterId, attempt: String(attempt) },
        });
        outcomes.push({ attempt, recipient, outcome: "accepted", messageId: sent.acknowledgementId });
      } catch (error) {
        // Refused for good: recorded for staff. Anything else (the service away) throws: the bus retries the delivery.
        if (!(error instanceof MailRefused)) throw error;
        outcomes.push({ attempt, recipient, outcome: "refused", reason: error.message, messageId: null });
      }
    }
    await this.record(streamId, schemeId, metadata, outcomes);
  }

  /** Records outcomes; on a conflict (a bounce notification at the same moment) reads the stream again and decides again. */
  private async record(streamId: string, schemeId: string, metadata: EventMetadata, outcomes: Array<Parameters<typeof decideRecordDelivery>[1]>): Promise<void> {
    for (let round = 0; outcomes.length && round < 5; round++) {
      const history = await this.deps.events.readStream(streamId);
      let state = fold(history);
      const events: NewEvent[] = [];
      for (const outcome of outcomes) {
        const decision = decideRecordDelivery(state, outcome);
        if (decision.outcome === "refused") continue;
        events.push(...decision.events);
        state = decision.events.reduce((s, e) => evolveLetter(s, e as DomainEvent), state);
      }
      if (!events.length) return;
      try {
        await this.deps.events.append([{ streamId, expectedVersion: history.length, schemeId, events, metadata }]);
        return;
      } catch (error) {
        if (!(error instanceof ConcurrencyConflict)) throw error;
      }
    }
  }
}
