import { type ApplicationState, evolveApplication, initialApplicationState } from "../../domain/application.ts";
import type { BudgetLineState } from "../../domain/budget.ts";
import { ConcurrencyConflict } from "../../domain/errors.ts";
import { type MailIntakeOutcome, type MailIntakeTarget, type MailRoute, type ReceivedMail, composeAcknowledgement, decideMailIntake, routeMail } from "../../domain/intake.ts";
import type { SchemeUnderDecision } from "../../domain/scheme.ts";
import { type DomainEvent, type EventData, type EventMetadata, type RecordedEvent, streamIds } from "../../events/index.ts";
import type { SchemeCatalogue } from "../../schemes/load.ts";
import { log } from "../runtime/log.ts";
import { readBudgetLineTotals } from "../store/budget-balance.ts";
import type { EventStore, StreamAppend } from "../store/event-store.ts";
import { findApplicationForm } from "./form.ts";
import { messageKeyOf, parseMessage, sha256Of } from "./mime.ts";
import { MailRefused, type MailStore, type Mailer } from "./ports.ts";

/** What the intake needs from the outside world: the same on AWS and locally, with other adapters. */
export interface IntakeDependencies {
  readonly events: EventStore;
  readonly schemes: SchemeCatalogue;
  readonly mailStore: MailStore;
  readonly mailer: Mailer;
  /** Only to tell a crashed delivery's missing acknowledgement from one still being sent. */
  readonly clock: () => Date;
}

/** A received message as the mail store holds it; `envelopeRecipients` when the transport knows them (SMTP RCPT TO). */
export interface RawMessage {
  readonly bytes: Uint8Array;
  readonly objectKey: string;
  readonly envelopeRecipients?: ReadonlyArray<string>;
}

export interface IntakeResult {
  readonly messageKey: string;
  readonly outcome: "filed" | "failed" | "correspondence" | "duplicate";
  readonly applicationId?: string;
  readonly applicationStatus?: string;
  readonly failureCode?: string;
}

/** A delivery that lost the race leaves the acknowledgement to the winner, unless the winner evidently crashed before sending it. */
const ACKNOWLEDGEMENT_RECOVERY_AFTER_MS = 30_000;
const MAX_ATTEMPTS = 30;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const metadataFor = (messageKey: string): EventMetadata => ({
  actor: "email-intake",
  role: "intake",
  channel: "email",
  correlationId: `mail-${messageKey.slice(0, 32)}`,
  idempotencyKey: `mail-${messageKey}`,
});

/**
 * Turns one received message into events: the SES -> S3 Lambda and the local SMTP listener both
 * call this, after the raw message is kept. The intake stream and the application stream are
 * appended in one atomic append, with the intake stream at expected version 0: a redelivery of the
 * same message (same key) loses that race and changes nothing. Throws only when it could not
 * record anything (store or mail store down): the caller lets the message be retried.
 *
 * @param receivedAt R-TH-09: when the message reached the fund (SES's object time, the listener's clock).
 */
export async function processRawMessage(raw: RawMessage, receivedAt: string, deps: IntakeDependencies): Promise<IntakeResult> {
  const parsed = await parseMessage(raw.bytes);
  const messageKey = messageKeyOf(parsed.messageId, raw.bytes);
  const intakeStream = streamIds.intake(messageKey);
  const earlier = await deps.events.readStream(intakeStream);
  if (earlier.length) return duplicate(earlier, deps);

  const files = parsed.attachments.map((a) => ({ ...a, sha256: sha256Of(a.content), bytes: a.content.byteLength }));
  const mail: ReceivedMail = {
    messageKey,
    messageId: parsed.messageId,
    from: parsed.from,
    recipients: [...new Set([...parsed.recipients, ...(raw.envelopeRecipients ?? []).map((r) => r.toLowerCase())])],
    subject: parsed.subject,
    receivedAt,
    rawObjectKey: raw.objectKey,
    rawBytes: raw.bytes.byteLength,
    attachments: files.map(({ sha256, name, contentType, bytes }) => ({ sha256, name, contentType, bytes })),
    screening: parsed.screening,
    ...(parsed.damage ? { damage: parsed.damage } : {}),
  };
  const form = parsed.damage ? ({ kind: "none" } as const) : await findApplicationForm(files);
  const schemes = deps.schemes.all();
  let route = routeMail(mail, schemes, form.kind === "fields" ? form.fields : undefined);
  const metadata = metadataFor(messageKey);
  const stored = new Set<string>();

  // Issue 12 finding 9: every distinct message with a Message-ID is listed under it, so one with the same Message-ID and other content is flagged.
  const messageIdStream = parsed.messageId ? streamIds.messageId(sha256Of(Buffer.from(parsed.messageId, "utf8"))) : undefined;

  for (let attempt = 1; ; attempt++) {
    // Issue 12 finding 7 (R-ST-01): a region number finds the plan it is bound to, however that plan was registered.
    let regionStream: string | undefined;
    if (route.kind === "application" && route.regionNumber) {
      regionStream = streamIds.region(route.scheme.definition.id, route.regionNumber);
      const [binding] = await deps.events.readStream(regionStream, 1, 1);
      if (binding) route = { ...route, applicationId: (binding.data as EventData<"RegionNumberClaimed">).applicationId };
    }
    const target = route.kind === "failed" ? undefined : await loadTarget(route, deps);
    const sameMessageId = messageIdStream ? await deps.events.readStream(messageIdStream) : [];
    const earlierKeys = sameMessageId.map((e) => (e.data as EventData<"MessageIdUsed">).messageKey).filter((key) => key !== messageKey);
    const decision = decideMailIntake({ mail: earlierKeys.length ? { ...mail, sameMessageIdAs: earlierKeys.slice(-20) } : mail, route, form, target: target?.target });
    // Documents first: an event never names a file that is not there (an orphan file is harmless).
    for (const verdict of decision.attachments) {
      if (!verdict.stored || stored.has(verdict.sha256)) continue;
      const file = files.find((f) => f.sha256 === verdict.sha256)!;
      await deps.mailStore.putDocument({ sha256: file.sha256, contentType: file.contentType, content: file.content });
      stored.add(verdict.sha256);
    }
    const appends: StreamAppend[] = [{ streamId: intakeStream, expectedVersion: 0, schemeId: decision.logSchemeId, events: decision.intakeEvents, metadata }];
    if (messageIdStream && parsed.messageId) {
      appends.push({ streamId: messageIdStream, expectedVersion: sameMessageId.length, schemeId: decision.logSchemeId, events: [{ type: "MessageIdUsed", data: { messageId: parsed.messageId.slice(0, 998), messageKey } }], metadata });
    }
    if (decision.applicationEvents.length && target) {
      appends.push({ streamId: streamIds.application(target.applicationId), expectedVersion: target.version, schemeId: decision.logSchemeId, events: decision.applicationEvents, metadata });
    }
    if (decision.regionBinding && regionStream) {
      appends.push({ streamId: regionStream, expectedVersion: 0, schemeId: decision.logSchemeId, events: [{ type: "RegionNumberClaimed", data: decision.regionBinding }], metadata });
    }
    try {
      await deps.events.append(appends);
    } catch (error) {
      if (!(error instanceof ConcurrencyConflict)) throw error;
      // Another delivery of this very message won: it is filed once.
      if (error.streamId === intakeStream) return duplicate(await deps.events.readStream(intakeStream), deps);
      // Another message for the same application (a follow-up, the same region) got there first: decide again on the fresh state.
      if (attempt >= MAX_ATTEMPTS) throw error;
      await sleep(Math.random() * Math.min(250, 5 * 2 ** attempt));
      continue;
    }
    const outcome = decision.outcome;
    log("info", "mail received", {
      messageKey,
      outcome: outcome.kind,
      ...(outcome.kind === "filed"
        ? { applicationId: outcome.applicationId, applicationStatus: outcome.status, filedAs: outcome.filedAs, form: outcome.form.status }
        : outcome.kind === "correspondence"
          ? { correspondence: outcome.reason, ...(outcome.applicationId ? { applicationId: outcome.applicationId } : {}) }
          : { failureCode: outcome.code }),
      attachments: decision.attachments.length,
      refused: decision.attachments.filter((a) => !a.stored).length,
      ...(earlierKeys.length ? { sameMessageIdAs: earlierKeys.length } : {}),
      rawBytes: mail.rawBytes,
    });
    if (outcome.kind === "filed") await acknowledge(outcome, mail, decision.intakeEvents.length, deps);
    if (outcome.kind === "correspondence") return { messageKey, outcome: "correspondence", ...(outcome.applicationId ? { applicationId: outcome.applicationId } : {}) };
    return outcome.kind === "filed"
      ? { messageKey, outcome: "filed", applicationId: outcome.applicationId, applicationStatus: outcome.status }
      : { messageKey, outcome: "failed", failureCode: outcome.code };
  }
}

async function loadTarget(route: Exclude<MailRoute, { kind: "failed" }>, deps: IntakeDependencies): Promise<{ target: MailIntakeTarget; applicationId: string; version: number }> {
  const history = await deps.events.readStream(streamIds.application(route.applicationId));
  const application = history.reduce<ApplicationState>((s, e) => evolveApplication(s, e as DomainEvent), initialApplicationState);
  const registered = application.registration ? deps.schemes.get(application.registration.schemeId) : undefined;
  const scheme: SchemeUnderDecision | undefined = registered ?? (route.kind === "application" ? route.scheme : undefined);
  const lines = new Map<string, BudgetLineState>();
  if (scheme && !application.registration) {
    // Issue 15: a new application holds nothing on a line: its totals from the balance its last event carries, not its history.
    for (const budgetLineId of new Set(scheme.definition.instruments.map((i) => i.budgetLineId))) {
      lines.set(budgetLineId, await readBudgetLineTotals(deps.events, streamIds.budgetLine(scheme.definition.id, budgetLineId)));
    }
  }
  return { target: { scheme, application, lines }, applicationId: route.applicationId, version: history.length };
}

type Filed = Extract<MailIntakeOutcome, { kind: "filed" }>;

/** The receipt to the applicant, recorded on the intake stream so a redelivery does not send it again. */
async function acknowledge(outcome: Filed, mail: Pick<ReceivedMail, "messageKey" | "messageId" | "from" | "receivedAt" | "screening">, intakeVersion: number, deps: IntakeDependencies): Promise<void> {
  const scheme = deps.schemes.get(outcome.schemeId)!.definition;
  let event: DomainEvent;
  const notSent = (reason: string): DomainEvent => ({ type: "AcknowledgementNotSent", data: { messageKey: mail.messageKey, applicationId: outcome.applicationId, reason } });
  if (!mail.from) event = notSent("the message names no sender address");
  // A receipt to the sender of spam is backscatter to whoever was forged as the sender.
  else if (mail.screening?.spam === "FAIL") event = notSent("the mail system's spam check failed the message (X-SES-Spam-Verdict: FAIL): no receipt sent to a sender that may be forged");
  else {
    const receipt = composeAcknowledgement(outcome, scheme, mail.receivedAt);
    try {
      const sent = await deps.mailer.send({ from: scheme.intake.emailAddress, to: mail.from, subject: receipt.subject, text: receipt.text, key: mail.messageKey, ...(mail.messageId ? { inReplyTo: mail.messageId } : {}) });
      event = { type: "AcknowledgementSent", data: { messageKey: mail.messageKey, applicationId: outcome.applicationId, applicationStatus: outcome.status, complete: outcome.complete, acknowledgementId: sent.acknowledgementId.slice(0, 998) } };
    } catch (error) {
      // A refusal for good is recorded (staff see the receipt was not sent); anything else is retried by the caller.
      if (!(error instanceof MailRefused)) throw error;
      event = notSent(error.message.slice(0, 2000));
    }
  }
  try {
    await deps.events.append([{ streamId: streamIds.intake(mail.messageKey), expectedVersion: intakeVersion, schemeId: outcome.schemeId, events: [event], metadata: metadataFor(mail.messageKey) }]);
  } catch (error) {
    if (!(error instanceof ConcurrencyConflict)) throw error;
  }
  log("info", "mail acknowledged", { messageKey: mail.messageKey, applicationId: outcome.applicationId, sent: event.type === "AcknowledgementSent" });
}

/** A message already received: nothing is filed again; a receipt a crashed delivery never sent is sent now. */
async function duplicate(history: ReadonlyArray<RecordedEvent>, deps: IntakeDependencies): Promise<IntakeResult> {
  const received = history[0]!.data as EventData<"MailReceived">;
  const filedEvent = history.find((e) => e.type === "MailFiled");
  const acknowledged = history.some((e) => e.type === "AcknowledgementSent" || e.type === "AcknowledgementNotSent");
  log("info", "mail already received", { messageKey: received.messageKey });
  if (!filedEvent) {
    const failed = history.find((e) => e.type === "IntakeFailed")?.data as EventData<"IntakeFailed"> | undefined;
    return { messageKey: received.messageKey, outcome: "duplicate", ...(failed ? { failureCode: failed.code } : {}) };
  }
  const filed = filedEvent.data as EventData<"MailFiled">;
  if (!acknowledged && deps.clock().getTime() - Date.parse(filedEvent.recordedAt) > ACKNOWLEDGEMENT_RECOVERY_AFTER_MS) {
    const outcome: Filed = {
      kind: "filed",
      applicationId: filed.applicationId,
      schemeId: filed.schemeId,
      filedAs: filed.filedAs,
      status: filed.applicationStatus,
      complete: filed.missingSectionIds.length === 0,
      missingSectionIds: filed.missingSectionIds,
      ...(filed.refusal ? { refusal: filed.refusal } : {}),
      form: filed.form,
      refusedAttachments: received.attachments.filter((a) => !a.stored).map((a) => ({ name: a.name, reason: a.refusedReason ?? "refused" })),
    };
    await acknowledge(outcome, received, history.length, deps);
  }
  return { messageKey: received.messageKey, outcome: "duplicate", applicationId: filed.applicationId, applicationStatus: filed.applicationStatus };
}
