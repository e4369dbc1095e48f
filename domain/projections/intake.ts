import type { EventData, RecordedEvent } from "../../events/index.ts";
import { defineProjection } from "./projection.ts";

type Received = EventData<"MailReceived">;

/** One received message as staff see it: what arrived, what was kept, and where it went. */
export interface IntakeMailView {
  readonly messageKey: string;
  readonly messageId: string | null;
  /** The applicant's address as given: shown to staff, never logged. */
  readonly from: string | null;
  readonly recipients: ReadonlyArray<string>;
  readonly subject: string;
  readonly receivedAt: string;
  readonly rawObjectKey: string;
  readonly rawBytes: number;
  readonly schemeId: string | null;
  readonly attachments: Received["attachments"];
  readonly status: "received" | "filed" | "failed";
  readonly failure: { readonly code: string; readonly reason: string; readonly ruleIds: ReadonlyArray<string> } | null;
  readonly filing: Omit<EventData<"MailFiled">, "messageKey" | "schemeId"> | null;
  readonly acknowledgement: { readonly sent: boolean; readonly acknowledgementId: string | null; readonly reason: string | null } | null;
  /** Issue 12 finding 9: earlier messages with the same Message-ID but other content; empty when none. Staff check these. */
  readonly sameMessageIdAs: ReadonlyArray<string>;
  readonly version: number;
}

export const intakeEventTypes = ["MailReceived", "IntakeFailed", "MailFiled", "AcknowledgementSent", "AcknowledgementNotSent"] as const;

/** Where staff find failed messages (R-X-05: nothing dropped silently). */
export const INTAKE_FAILURES_LIST = "failures";
/** The messages filed with one application. */
export const applicationMailList = (applicationId: string) => `application#${applicationId}`;

export function applyToIntakeMailView(view: IntakeMailView | undefined, event: RecordedEvent): IntakeMailView | undefined {
  if (event.type === "MailReceived") {
    const data = event.data as Received;
    return {
      messageKey: data.messageKey,
      messageId: data.messageId,
      from: data.from,
      recipients: data.recipients,
      subject: data.subject,
      receivedAt: data.receivedAt,
      rawObjectKey: data.rawObjectKey,
      rawBytes: data.rawBytes,
      schemeId: data.schemeId,
      attachments: data.attachments,
      status: "received",
      failure: null,
      filing: null,
      acknowledgement: null,
      sameMessageIdAs: data.sameMessageIdAs ?? [],
      version: event.version,
    };
  }
  if (!view) return undefined;
  const next = { ...view, version: event.version };
  switch (event.type) {
    case "IntakeFailed": {
      const data = event.data as EventData<"IntakeFailed">;
      return { ...next, status: "failed", failure: { code: data.code, reason: data.reason, ruleIds: data.ruleIds } };
    }
    case "MailFiled": {
      const { messageKey: _key, schemeId: _scheme, ...filing } = event.data as EventData<"MailFiled">;
      return { ...next, status: "filed", filing };
    }
    case "AcknowledgementSent":
      return { ...next, acknowledgement: { sent: true, acknowledgementId: (event.data as EventData<"AcknowledgementSent">).acknowledgementId, reason: null } };
    case "AcknowledgementNotSent":
      return { ...next, acknowledgement: { sent: false, acknowledgementId: null, reason: (event.data as EventData<"AcknowledgementNotSent">).reason } };
    default:
      return next;
  }
}

export const intakeProjection = defineProjection<IntakeMailView>({
  name: "intake",
  handles: [...intakeEventTypes],
  documentIds: (event) => (event.streamId.startsWith("intake#") ? [event.streamId.slice("intake#".length)] : []),
  apply: applyToIntakeMailView,
  // In order of arrival (R-TH-09), with the message key as the tie-break.
  listing: (view) =>
    view.status === "failed"
      ? { list: INTAKE_FAILURES_LIST, sortKey: `${view.receivedAt}#${view.messageKey}` }
      : view.status === "filed" && view.filing
        ? { list: applicationMailList(view.filing.applicationId), sortKey: `${view.receivedAt}#${view.messageKey}` }
        : undefined,
});
