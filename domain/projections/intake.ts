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
  readonly status: "received" | "filed" | "failed" | "correspondence";
  readonly failure: { readonly code: string; readonly reason: string; readonly ruleIds: ReadonlyArray<string> } | null;
  readonly filing: Omit<EventData<"MailFiled">, "messageKey" | "schemeId"> | null;
  readonly acknowledgement: { readonly sent: boolean; readonly acknowledgementId: string | null; readonly reason: string | null } | null;
  /** Issue 12 finding 9: earlier messages with the same Message-ID but other content; empty when none. Staff check these. */
  readonly sameMessageIdAs: ReadonlyArray<string>;
  /** Issue 12 findings 1, 8: mail kept for staff, and what they did about it (open until attached, answered or dismissed). */
  readonly correspondence: {
    readonly reason: string;
    readonly explanation: string;
    readonly applicationId: string | null;
    readonly open: boolean;
    readonly handling: ReadonlyArray<{ readonly action: "attached" | "answered" | "dismissed"; readonly by: string; readonly at: string; readonly applicationId?: string; readonly note?: string | null; readonly reason?: string; readonly sent?: boolean; readonly notSentReason?: string | null }>;
  } | null;
  readonly version: number;
}

export const intakeEventTypes = [
  "MailReceived",
  "IntakeFailed",
  "MailFiled",
  "AcknowledgementSent",
  "AcknowledgementNotSent",
  "CorrespondenceReceived",
  "CorrespondenceAttached",
  "CorrespondenceAnswered",
  "CorrespondenceDismissed",
] as const;

/** Where staff find failed messages (R-X-05: nothing dropped silently). */
export const INTAKE_FAILURES_LIST = "failures";
/** Issue 12 finding 8: the correspondence inbox (open), and what was handled. */
export const OPEN_CORRESPONDENCE_LIST = "correspondence";
export const HANDLED_CORRESPONDENCE_LIST = "correspondence-handled";
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
      correspondence: null,
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
    case "CorrespondenceReceived": {
      const data = event.data as EventData<"CorrespondenceReceived">;
      return { ...next, status: "correspondence", correspondence: { reason: data.reason, explanation: data.explanation, applicationId: data.applicationId, open: true, handling: [] } };
    }
    case "CorrespondenceAttached":
    case "CorrespondenceAnswered":
    case "CorrespondenceDismissed": {
      if (!view.correspondence) return next;
      const by = event.metadata.actor;
      const at = event.recordedAt;
      const step =
        event.type === "CorrespondenceAttached"
          ? { action: "attached" as const, by, at, applicationId: (event.data as EventData<"CorrespondenceAttached">).applicationId, note: (event.data as EventData<"CorrespondenceAttached">).note }
          : event.type === "CorrespondenceAnswered"
            ? { action: "answered" as const, by, at, sent: (event.data as EventData<"CorrespondenceAnswered">).sent, notSentReason: (event.data as EventData<"CorrespondenceAnswered">).notSentReason }
            : { action: "dismissed" as const, by, at, reason: (event.data as EventData<"CorrespondenceDismissed">).reason };
      return { ...next, correspondence: { ...view.correspondence, open: false, handling: [...view.correspondence.handling, step] } };
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
  listing: (view) => {
    const sortKey = `${view.receivedAt}#${view.messageKey}`;
    if (view.status === "failed") return { list: INTAKE_FAILURES_LIST, sortKey };
    if (view.status === "filed" && view.filing) return { list: applicationMailList(view.filing.applicationId), sortKey };
    if (view.status === "correspondence" && view.correspondence) {
      // Attached correspondence is one of the application's messages from then on.
      const attached = view.correspondence.handling.findLast((h) => h.action === "attached");
      if (attached?.applicationId) return { list: applicationMailList(attached.applicationId), sortKey };
      return { list: view.correspondence.open ? OPEN_CORRESPONDENCE_LIST : HANDLED_CORRESPONDENCE_LIST, sortKey };
    }
    return undefined;
  },
});
