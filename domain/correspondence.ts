import type { DomainEvent, EventData } from "../events/index.ts";
import { type ApplicationState, decideAddContact } from "./application.ts";
import { type Decision, accept, refuse } from "./decision.ts";
import { type FormFound, type MailIntakeTarget, type ReceivedMail, contactAddressOf, decideMailIntake } from "./intake.ts";

/**
 * Issue 12 findings 1 and 8: correspondence, mail the intake kept for staff without changing any
 * application. Staff attach it to an application (its documents and form are then applied, as
 * though a contact had sent it, with the staff member recorded as the actor), answer it, or
 * dismiss it with a reason; each is an event on the message's own stream.
 */

export interface MailStreamState {
  readonly received?: EventData<"MailReceived">;
  readonly correspondence?: EventData<"CorrespondenceReceived">;
  readonly handled?: "attached" | "answered" | "dismissed";
}

export const initialMailStreamState: MailStreamState = {};

export function evolveMailStream(state: MailStreamState, event: DomainEvent): MailStreamState {
  switch (event.type) {
    case "MailReceived":
      return { ...state, received: event.data };
    case "CorrespondenceReceived":
      return { ...state, correspondence: event.data };
    case "CorrespondenceAttached":
      return { ...state, handled: "attached" };
    case "CorrespondenceAnswered":
      return { ...state, handled: state.handled ?? "answered" };
    case "CorrespondenceDismissed":
      return { ...state, handled: "dismissed" };
    default:
      return state;
  }
}

function requireOpenCorrespondence(state: MailStreamState, messageKey: string): Decision<never> | undefined {
  if (!state.received || !state.correspondence) return refuse("not-found", `there is no correspondence ${messageKey}: the message was filed, listed as a failure, or never received`);
  if (state.handled === "attached" || state.handled === "dismissed") return refuse("closed", `correspondence ${messageKey} was already ${state.handled}`);
  return undefined;
}

/** The message as the intake saw it, from its MailReceived: only the documents that were kept can be filed. */
function receivedMailOf(received: EventData<"MailReceived">): ReceivedMail {
  return {
    messageKey: received.messageKey,
    messageId: received.messageId,
    from: received.from,
    recipients: received.recipients,
    subject: received.subject,
    receivedAt: received.receivedAt,
    rawObjectKey: received.rawObjectKey,
    rawBytes: received.rawBytes,
    attachments: received.attachments.filter((a) => a.stored).map(({ sha256, name, contentType, bytes }) => ({ sha256, name, contentType, bytes })),
    screening: received.screening,
  };
}

export interface AttachCorrespondence {
  readonly messageKey: string;
  readonly applicationId: string;
  readonly note: string | null;
  /** Also make the sender a contact, so their next mail changes the application directly. */
  readonly addSenderAsContact: boolean;
}

export function decideAttachCorrespondence(mail: MailStreamState, target: MailIntakeTarget, command: AttachCorrespondence): Decision<DomainEvent> {
  const open = requireOpenCorrespondence(mail, command.messageKey);
  if (open) return open;
  const application: ApplicationState = target.application;
  if (application.status === "unregistered" || !target.scheme) return refuse("not-found", `there is no application ${command.applicationId}`);
  const correspondence = mail.correspondence!;
  const form: FormFound =
    correspondence.formFields && correspondence.formSha256 ? { kind: "fields", sha256: correspondence.formSha256, fields: correspondence.formFields } : { kind: "none" };
  const filing = decideMailIntake({
    mail: receivedMailOf(mail.received!),
    route: { kind: "reference", applicationId: command.applicationId, scheme: target.scheme },
    form,
    target,
    acceptedByStaff: true,
  });
  if (filing.outcome.kind === "failed") return refuse(filing.outcome.code === "application-closed" ? "closed" : "invalid", filing.outcome.reason);
  if (filing.outcome.kind !== "filed") return refuse("invalid", `the message could not be attached to application ${command.applicationId}`);
  const events: DomainEvent[] = [...filing.applicationEvents];
  const sender = contactAddressOf(mail.received!.from);
  if (command.addSenderAsContact) {
    if (!sender) return refuse("invalid", "the message names no sender address that could be a contact");
    const contact = decideAddContact(application, { applicationId: command.applicationId, address: sender, name: null });
    // Already a contact (added meanwhile): nothing to add.
    if (contact.outcome === "accepted") events.push(...contact.events);
  }
  events.push({ type: "CorrespondenceAttached", data: { messageKey: command.messageKey, applicationId: command.applicationId, note: command.note } });
  return accept(...events);
}

export function decideDismissCorrespondence(mail: MailStreamState, command: { readonly messageKey: string; readonly reason: string }): Decision<DomainEvent> {
  const open = requireOpenCorrespondence(mail, command.messageKey);
  if (open) return open;
  return accept({ type: "CorrespondenceDismissed", data: { messageKey: command.messageKey, reason: command.reason } });
}

/** Where an event of an attachment goes: the message's own stream, or the application's. */
export const correspondenceStreamOf = (event: DomainEvent): "mail" | "application" => (event.type.startsWith("Correspondence") ? "mail" : "application");

/** The answer to a correspondent: to the sender, from the scheme's intake address, in the same thread. */
export interface AnswerToSend {
  readonly to: string;
  readonly subject: string;
  readonly inReplyTo: string | null;
}

/** Whom an answer goes to, or why there is none: no usable sender, or a sender the mail system judged forged. */
export function answerFor(mail: MailStreamState, messageKey: string): { readonly answer: AnswerToSend } | { readonly refusal: Decision<never> } {
  const open = !mail.received || !mail.correspondence ? refuse("not-found", `there is no correspondence ${messageKey}`) : mail.handled === "dismissed" ? refuse("closed", `correspondence ${messageKey} was dismissed`) : undefined;
  if (open) return { refusal: open };
  const received = mail.received!;
  const to = contactAddressOf(received.from);
  if (!to) return { refusal: refuse("invalid", "the message names no sender address to answer") };
  // Answering a forged sender is backscatter: mail to someone who never wrote.
  if (received.screening.spam === "FAIL") return { refusal: refuse("invalid", "the mail system's spam check failed the message; its sender may be forged, so it is not answered by mail") };
  const subject = received.subject.trim() ? (/^re:/i.test(received.subject.trim()) ? received.subject.trim() : `Re: ${received.subject.trim()}`) : "Re: uw bericht / your message";
  return { answer: { to, subject: subject.slice(0, 998), inReplyTo: received.messageId } };
}

export function decideRecordAnswer(mail: MailStreamState, command: { readonly messageKey: string; readonly text: string; readonly outcome: { readonly sent: true; readonly answerId: string } | { readonly sent: false; readonly reason: string } }): Decision<DomainEvent> {
  const found = answerFor(mail, command.messageKey);
  if ("refusal" in found) return found.refusal;
  return accept({
    type: "CorrespondenceAnswered",
    data: {
      messageKey: command.messageKey,
      text: command.text,
      sent: command.outcome.sent,
      answerId: command.outcome.sent ? command.outcome.answerId.slice(0, 998) : null,
      notSentReason: command.outcome.sent ? null : command.outcome.reason.slice(0, 2000),
    },
  });
}
