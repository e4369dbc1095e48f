import type { DomainEvent, DomainEventOf, EventData } from "../events/index.ts";
import type { LetterKind } from "../events/letter-events.ts";
import { type Decision, accept, refuse } from "./decision.ts";

/**
 * Issue 13: one letter to an applicant, as its stream (`letter#<letterId>`) tells it: what was sent
 * (attempts), what became of it per recipient, and any re-send staff asked for. Pure: the letter's
 * id, the PDF's hash and the recipients come in as arguments.
 */

type Sent = EventData<"LetterSent">;
export type LetterEventType = "LetterSent" | "LetterAccepted" | "LetterBounced" | "LetterComplaintReceived" | "LetterResendRequested";
type LetterEvent = DomainEventOf<LetterEventType>;

export type RecipientOutcome =
  | { readonly outcome: "accepted"; readonly messageId: string }
  | { readonly outcome: "refused" | "bounced"; readonly reason: string; readonly messageId: string | null };

export interface LetterAttempt {
  readonly attempt: number;
  readonly recipients: ReadonlyArray<string>;
  readonly sha256: string;
  /** Per recipient, what the mail service said; a recipient without one is still being sent to. */
  readonly outcomes: Readonly<Record<string, RecipientOutcome>>;
  /** Per recipient who reported the letter as spam, the report's type (null when the provider gave none). Absent in folds kept before complaints were recorded. */
  readonly complaints?: Readonly<Record<string, { readonly feedbackType: string | null }>>;
}

export interface LetterState {
  /** The first attempt's record: kind, source, the PDF's hash, size and pages. */
  readonly letter?: Sent;
  readonly attempts: ReadonlyArray<LetterAttempt>;
  /** A re-send staff asked for that has not been sent yet. */
  readonly resend?: EventData<"LetterResendRequested">;
}

export const initialLetterState: LetterState = { attempts: [] };

export const letterEventTypes: ReadonlySet<string> = new Set<LetterEventType>(["LetterSent", "LetterAccepted", "LetterBounced", "LetterComplaintReceived", "LetterResendRequested"]);

const isLetterEvent = (event: DomainEvent): event is LetterEvent => letterEventTypes.has(event.type);

const withOutcome = (state: LetterState, attempt: number, recipient: string, outcome: RecipientOutcome): LetterState => ({
  ...state,
  attempts: state.attempts.map((a) => (a.attempt === attempt ? { ...a, outcomes: { ...a.outcomes, [recipient]: outcome } } : a)),
});

export function evolveLetter(state: LetterState, event: DomainEvent): LetterState {
  if (!isLetterEvent(event)) return state;
  switch (event.type) {
    case "LetterSent": {
      const attempt: LetterAttempt = { attempt: event.data.attempt, recipients: event.data.recipients, sha256: event.data.sha256, outcomes: {} };
      return {
        ...state,
        letter: state.letter ?? event.data,
        attempts: [...state.attempts, attempt],
        resend: state.resend?.attempt === event.data.attempt ? undefined : state.resend,
      };
    }
    case "LetterAccepted":
      return withOutcome(state, event.data.attempt, event.data.recipient, { outcome: "accepted", messageId: event.data.messageId });
    case "LetterBounced":
      return withOutcome(state, event.data.attempt, event.data.recipient, { outcome: event.data.how, reason: event.data.reason, messageId: event.data.messageId });
    case "LetterComplaintReceived": {
      const { attempt, recipient, feedbackType } = event.data;
      return { ...state, attempts: state.attempts.map((a) => (a.attempt === attempt ? { ...a, complaints: { ...a.complaints, [recipient]: { feedbackType } } } : a)) };
    }
    case "LetterResendRequested":
      return { ...state, resend: event.data };
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled letter event ${JSON.stringify(unhandled)}`);
    }
  }
}

/** A letter as produced: everything LetterSent records except the attempt. */
export type ProducedLetter = Omit<Sent, "attempt">;

/**
 * The first attempt of a letter: once per source event. A second delivery of the same source event
 * finds the letter sent and is refused as already there (the caller then finishes what is pending).
 */
export function decideSendLetter(state: LetterState, letter: ProducedLetter): Decision<DomainEventOf<"LetterSent">> {
  if (state.letter) return refuse("already-exists", `letter ${letter.letterId} was sent already`);
  return accept({ type: "LetterSent", data: { ...letter, attempt: 1 } });
}

/** A re-send staff asked for, with the letter as produced again (its hash must be the first one's: the same letter). */
export function decideSendResend(state: LetterState, letter: Pick<Sent, "sha256" | "bytes" | "pages" | "template">, recipients: ReadonlyArray<string>): Decision<DomainEventOf<"LetterSent">> {
  if (!state.letter) return refuse("not-found", "there is no such letter");
  if (!state.resend) return refuse("already-exists", `no re-send of letter ${state.letter.letterId} is waiting`);
  return accept({ type: "LetterSent", data: { ...state.letter, ...letter, attempt: state.resend.attempt, recipients: [...recipients] } });
}

/**
 * What the mail service said for one recipient of one attempt. Accepted then bounced is a real
 * sequence (SES reports a bounce after accepting); the same outcome twice is a duplicate notification.
 */
export function decideRecordDelivery(
  state: LetterState,
  outcome: { attempt: number; recipient: string } & ({ outcome: "accepted"; messageId: string } | { outcome: "refused" | "bounced"; reason: string; messageId: string | null }),
): Decision<DomainEventOf<"LetterAccepted"> | DomainEventOf<"LetterBounced">> {
  const letterId = state.letter?.letterId;
  const attempt = state.attempts.find((a) => a.attempt === outcome.attempt);
  if (!letterId || !attempt) return refuse("not-found", `letter attempt ${outcome.attempt} was not sent`);
  if (!attempt.recipients.includes(outcome.recipient)) return refuse("invalid", `attempt ${outcome.attempt} of letter ${letterId} was not sent to that recipient`);
  const before = attempt.outcomes[outcome.recipient];
  if (before && (before.outcome !== "accepted" || outcome.outcome === "accepted")) return refuse("already-exists", `the outcome for that recipient of attempt ${outcome.attempt} is recorded already`);
  if (outcome.outcome === "accepted") return accept({ type: "LetterAccepted", data: { letterId, attempt: outcome.attempt, recipient: outcome.recipient, messageId: outcome.messageId } });
  return accept({ type: "LetterBounced", data: { letterId, attempt: outcome.attempt, recipient: outcome.recipient, reason: outcome.reason, how: outcome.outcome, messageId: outcome.messageId } });
}

/**
 * A recipient reported the letter as spam (SES's complaint notification). Only for a recipient the
 * attempt went to; the same complaint twice is a duplicate notification.
 */
export function decideRecordComplaint(
  state: LetterState,
  complaint: { attempt: number; recipient: string; feedbackType: string | null; messageId: string },
): Decision<DomainEventOf<"LetterComplaintReceived">> {
  const letterId = state.letter?.letterId;
  const attempt = state.attempts.find((a) => a.attempt === complaint.attempt);
  if (!letterId || !attempt) return refuse("not-found", `letter attempt ${complaint.attempt} was not sent`);
  if (!attempt.recipients.includes(complaint.recipient)) return refuse("invalid", `attempt ${complaint.attempt} of letter ${letterId} was not sent to that recipient`);
  if (attempt.complaints?.[complaint.recipient]) return refuse("already-exists", `the complaint of that recipient about attempt ${complaint.attempt} is recorded already`);
  return accept({ type: "LetterComplaintReceived", data: { letterId, attempt: complaint.attempt, recipient: complaint.recipient, feedbackType: complaint.feedbackType, messageId: complaint.messageId } });
}

/** Staff ask for the letter again: to the contacts as they are now, or to the addresses given. One re-send at a time. */
export function decideRequestResend(state: LetterState, command: { letterId: string; recipients: ReadonlyArray<string>; reason: string }): Decision<DomainEventOf<"LetterResendRequested">> {
  if (!state.letter) return refuse("not-found", `there is no letter ${command.letterId}`);
  if (state.resend) return refuse("already-exists", `a re-send of letter ${command.letterId} (attempt ${state.resend.attempt}) is under way`);
  const attempt = Math.max(...state.attempts.map((a) => a.attempt)) + 1;
  return accept({ type: "LetterResendRequested", data: { letterId: command.letterId, attempt, recipients: [...new Set(command.recipients)], reason: command.reason } });
}

/** The recipients of the attempt that have no outcome yet: sent (or about to be) but not confirmed either way. */
export function unconfirmedRecipients(state: LetterState, attempt: number): string[] {
  const found = state.attempts.find((a) => a.attempt === attempt);
  return found ? found.recipients.filter((r) => !found.outcomes[r]) : [];
}

export type LetterDelivery = "sending" | "delivered" | "undelivered";

/**
 * Where the letter stands, by its latest attempt: delivered when every recipient's mail was accepted
 * and none came back; undelivered when one bounced or was refused, or there was nobody to send it to.
 */
export function letterDelivery(state: LetterState): LetterDelivery {
  const latest = state.attempts.at(-1);
  if (!latest) return "sending";
  if (latest.recipients.length === 0) return "undelivered";
  const outcomes = latest.recipients.map((r) => latest.outcomes[r]);
  if (outcomes.some((o) => o && o.outcome !== "accepted")) return "undelivered";
  if (outcomes.some((o) => !o)) return "sending";
  return "delivered";
}

/** Which decisions concern the applicant and what letter each makes. */
export const letterKindOf: Readonly<Record<string, LetterKind>> = {
  ApplicationFoundIncomplete: "incomplete",
  ApplicationRefused: "refused",
  ApplicationRejected: "refused",
  AwardLetterIssued: "award",
  PaymentMade: "payment",
  GrantSettled: "settlement",
  RecoveryReceived: "recovery",
  // Issue 13: a change request's decision, granted or refused (R-ST-03 and the schemes' changeRequests).
  ChangeRequestGranted: "change-request-decided",
  ChangeRequestRefused: "change-request-decided",
};
