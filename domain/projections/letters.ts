import type { EventData, RecordedEvent } from "../../events/index.ts";
import { type LetterDelivery, type LetterState, evolveLetter, initialLetterState, letterDelivery } from "../letters.ts";
import type { DomainEvent } from "../../events/index.ts";
import { defineProjection } from "./projection.ts";

/**
 * Issue 13: the letters to applicants as staff see them: per application (every letter, its hash,
 * pages and what became of it) and the undelivered ones (bounced, refused, or no contact to write to),
 * which staff re-send. Each letter is one document; the latest attempt is kept in full and earlier
 * ones only counted, so a letter sent again and again does not grow without bound.
 */
export interface LetterView {
  /** `letter`: the application's list; `undelivered`: the same letter in the staff's undelivered list while it is undelivered. */
  readonly entry: "letter" | "undelivered";
  readonly letterId: string;
  readonly kind: EventData<"LetterSent">["kind"];
  readonly applicationId: string;
  readonly source: EventData<"LetterSent">["source"];
  readonly subject: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly pages: number;
  readonly template: string;
  readonly firstSentAt: string;
  readonly attempts: number;
  readonly latest: {
    readonly attempt: number;
    readonly sentAt: string;
    readonly recipients: ReadonlyArray<{
      readonly address: string;
      readonly outcome: "pending" | "accepted" | "refused" | "bounced";
      readonly reason: string | null;
      readonly messageId: string | null;
      /** The recipient reported the letter as spam: the provider's report type, or "complaint" when it gave none. */
      readonly complaint: string | null;
    }>;
  };
  readonly delivery: LetterDelivery;
  /** Why it is undelivered, in a sentence per recipient (or that there was nobody to send it to). */
  readonly problems: ReadonlyArray<string>;
  readonly resendRequested: { readonly attempt: number; readonly by: string; readonly reason: string } | null;
  /** The letter's fold, kept so the next event applies without reading the stream (bounded: latest attempt plus the first letter). */
  readonly state: LetterState;
  readonly version: number;
}

export const letterEventTypes = ["LetterSent", "LetterAccepted", "LetterBounced", "LetterComplaintReceived", "LetterResendRequested"] as const;

/** The letters of one application (in the letters projection). */
export const applicationLettersList = (applicationId: string) => `application#${applicationId}`;
/** Letters that did not reach anyone of their latest attempt's recipients, for staff to re-send. */
export const UNDELIVERED_LETTERS_LIST = "undelivered";

function bounded(state: LetterState): LetterState {
  return { ...state, attempts: state.attempts.slice(-1) };
}

export function applyToLetterView(view: LetterView | undefined, event: RecordedEvent, entry: LetterView["entry"]): LetterView | undefined {
  if (!view && event.type !== "LetterSent") return undefined;
  const before = view?.state ?? initialLetterState;
  const state = bounded(evolveLetter(before, event as DomainEvent));
  const letter = state.letter!;
  const latestAttempt = state.attempts.at(-1)!;
  const sent = event.type === "LetterSent";
  const recipients = latestAttempt.recipients.map((address) => {
    const outcome = latestAttempt.outcomes[address];
    const filed = latestAttempt.complaints?.[address];
    const complaint = filed ? (filed.feedbackType ?? "complaint") : null;
    if (!outcome) return { address, outcome: "pending" as const, reason: null, messageId: null, complaint };
    return outcome.outcome === "accepted"
      ? { address, outcome: "accepted" as const, reason: null, messageId: outcome.messageId, complaint }
      : { address, outcome: outcome.outcome, reason: outcome.reason, messageId: outcome.messageId, complaint };
  });
  const delivery = letterDelivery(state);
  const problems =
    latestAttempt.recipients.length === 0
      ? ["the application has no contact to send the letter to"]
      : [
          ...recipients.filter((r) => r.outcome === "refused" || r.outcome === "bounced").map((r) => `${r.address}: ${r.outcome}: ${r.reason}`),
          // Delivered, but the recipient called it spam: SES may suppress later mail to the address.
          ...recipients.filter((r) => r.complaint).map((r) => `${r.address}: reported the letter as spam (${r.complaint}); later mail to this address may be suppressed: reach the applicant another way`),
        ];
  const request = event.type === "LetterResendRequested" ? (event.data as EventData<"LetterResendRequested">) : undefined;
  return {
    entry,
    letterId: letter.letterId,
    kind: letter.kind,
    applicationId: letter.applicationId,
    source: letter.source,
    subject: letter.subject,
    sha256: letter.sha256,
    bytes: letter.bytes,
    pages: letter.pages,
    template: letter.template,
    firstSentAt: view?.firstSentAt ?? event.recordedAt,
    attempts: (view?.attempts ?? 0) + (sent ? 1 : 0),
    latest: { attempt: latestAttempt.attempt, sentAt: sent ? event.recordedAt : view!.latest.sentAt, recipients },
    delivery,
    problems,
    resendRequested: request ? { attempt: request.attempt, by: event.metadata.actor, reason: request.reason } : sent ? null : (view?.resendRequested ?? null),
    state,
    version: event.version,
  };
}

export const lettersProjection = defineProjection<LetterView>({
  name: "letters",
  handles: [...letterEventTypes],
  documentIds: (event) => {
    if (!event.streamId.startsWith("letter#")) return [];
    const letterId = event.streamId.slice("letter#".length);
    return [letterId, `${letterId}/undelivered`];
  },
  apply: (view, event, documentId) => applyToLetterView(view, event, documentId.endsWith("/undelivered") ? "undelivered" : "letter"),
  listing: (view) => {
    // In the order of the decisions the letters answer, not of their rendering (an award letter takes longer than a payment's).
    const sortKey = `${view.source.recordedAt ?? view.firstSentAt}#${view.letterId}`;
    if (view.entry === "letter") return { list: applicationLettersList(view.applicationId), sortKey };
    // Listed while undelivered and no re-send is under way; a re-send that reaches everyone takes it off.
    return view.delivery === "undelivered" && !view.resendRequested ? { list: UNDELIVERED_LETTERS_LIST, sortKey } : undefined;
  },
});
