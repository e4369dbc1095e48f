import type * as z from "zod";
import { EventCatalogue } from "./contract.ts";
import { ApplicationRegisteredV1, ApplicationRegisteredV2, applicationRegisteredV1ToV2 } from "./application-events.ts";
import { BudgetTrancheReleasedV1, BudgetTrancheReleasedV2, SchemeOpenedV1, budgetTrancheReleasedV1ToV2 } from "./scheme-events.ts";
import {
  BudgetCommittedV1,
  BudgetLineIntakeClosedV1,
  BudgetLineOpenedV1,
  BudgetReleasedV1,
  BudgetReservedV1,
  BudgetReleasedV2,
  budgetReleasedV1ToV2,
} from "./budget-events.ts";
import {
  ApplicationAssessedV1,
  ApplicationDetailsRecordedV1,
  ApplicationFoundIncompleteV1,
  ApplicationQueuedV1,
  ApplicationRefusedV1,
  ApplicationRejectedV1,
  ApplicationSectionsReceivedV1,
  ApplicationWithdrawnV1,
  AwardGrantedV1,
  AwardLapsedV1,
  AwardLetterIssuedV1,
  GrantOpenedV1,
  ProjectStartedV1,
  VsoSupplementAwardedV1,
} from "./lifecycle-events.ts";
import {
  ContactAddedV1,
  ContactRemovedV1,
  CorrespondenceAnsweredV1,
  CorrespondenceAttachedV1,
  CorrespondenceDismissedV1,
  CorrespondenceReceivedV1,
  DocumentsFiledV1,
  RegionNumberClaimedV1,
} from "./correspondence-events.ts";
import { AcknowledgementNotSentV1, AcknowledgementSentV1, IntakeFailedV1, MailFiledV1, MailReceivedV1, MessageIdUsedV1 } from "./intake-events.ts";
import {
  BudgetPaidV1,
  BudgetRecoveredV1,
  FinalReportApprovedV1,
  FinalReportReturnedV1,
  FinalReportSubmittedV1,
  GrantSettledV1,
  InvoiceRegisteredV1,
  PaymentApprovedV1,
  PaymentMadeV1,
  RecoveryReceivedV1,
} from "./payment-events.ts";
import { ChangeRequestGrantedV1, ChangeRequestRefusedV1, ChangeRequestSubmittedV1 } from "./change-request-events.ts";
import { EvaluationFindingRecordedV1, HubClassifiedV1, KnowledgeSessionAttendedV1, OzoneModuleLoadedV1, SelfEvaluationSubmittedV1 } from "./evaluation-events.ts";
import { BudgetLineLoweredV1, BudgetTrancheReleaseCorrectedV1, BudgetTransferReceivedV1, BudgetTransferSentV1 } from "./board-budget-events.ts";
import { LetterAcceptedV1, LetterBouncedV1, LetterComplaintReceivedV1, LetterResendRequestedV1, LetterSentV1 } from "./letter-events.ts";
import { PersonalDataErasedV1, PersonalDataErasureRefusedV1, PersonalDataErasureRequestedV1 } from "./data-protection-events.ts";

export * from "./contract.ts";
export * from "./envelope.ts";
export * from "./primitives.ts";

/** The current version of every event type: what decisions write and what the domain reads. */
export const currentEvents = {
  SchemeOpened: SchemeOpenedV1,
  BudgetLineOpened: BudgetLineOpenedV1,
  BudgetTrancheReleased: BudgetTrancheReleasedV2,
  BudgetReserved: BudgetReservedV1,
  BudgetCommitted: BudgetCommittedV1,
  BudgetReleased: BudgetReleasedV2,
  BudgetLineIntakeClosed: BudgetLineIntakeClosedV1,
  ApplicationRegistered: ApplicationRegisteredV2,
  ApplicationDetailsRecorded: ApplicationDetailsRecordedV1,
  ApplicationSectionsReceived: ApplicationSectionsReceivedV1,
  ApplicationFoundIncomplete: ApplicationFoundIncompleteV1,
  ApplicationQueued: ApplicationQueuedV1,
  ApplicationAssessed: ApplicationAssessedV1,
  AwardGranted: AwardGrantedV1,
  ApplicationRejected: ApplicationRejectedV1,
  ApplicationRefused: ApplicationRefusedV1,
  ApplicationWithdrawn: ApplicationWithdrawnV1,
  ProjectStarted: ProjectStartedV1,
  AwardLapsed: AwardLapsedV1,
  AwardLetterIssued: AwardLetterIssuedV1,
  GrantOpened: GrantOpenedV1,
  VsoSupplementAwarded: VsoSupplementAwardedV1,
  InvoiceRegistered: InvoiceRegisteredV1,
  PaymentApproved: PaymentApprovedV1,
  PaymentMade: PaymentMadeV1,
  FinalReportSubmitted: FinalReportSubmittedV1,
  FinalReportApproved: FinalReportApprovedV1,
  FinalReportReturned: FinalReportReturnedV1,
  GrantSettled: GrantSettledV1,
  RecoveryReceived: RecoveryReceivedV1,
  BudgetPaid: BudgetPaidV1,
  BudgetRecovered: BudgetRecoveredV1,
  MailReceived: MailReceivedV1,
  IntakeFailed: IntakeFailedV1,
  MailFiled: MailFiledV1,
  AcknowledgementSent: AcknowledgementSentV1,
  AcknowledgementNotSent: AcknowledgementNotSentV1,
  MessageIdUsed: MessageIdUsedV1,
  DocumentsFiled: DocumentsFiledV1,
  ContactAdded: ContactAddedV1,
  ContactRemoved: ContactRemovedV1,
  RegionNumberClaimed: RegionNumberClaimedV1,
  CorrespondenceReceived: CorrespondenceReceivedV1,
  CorrespondenceAttached: CorrespondenceAttachedV1,
  CorrespondenceAnswered: CorrespondenceAnsweredV1,
  CorrespondenceDismissed: CorrespondenceDismissedV1,
  HubClassified: HubClassifiedV1,
  SelfEvaluationSubmitted: SelfEvaluationSubmittedV1,
  EvaluationFindingRecorded: EvaluationFindingRecordedV1,
  KnowledgeSessionAttended: KnowledgeSessionAttendedV1,
  OzoneModuleLoaded: OzoneModuleLoadedV1,
  ChangeRequestSubmitted: ChangeRequestSubmittedV1,
  ChangeRequestGranted: ChangeRequestGrantedV1,
  ChangeRequestRefused: ChangeRequestRefusedV1,
  BudgetLineLowered: BudgetLineLoweredV1,
  BudgetTrancheReleaseCorrected: BudgetTrancheReleaseCorrectedV1,
  BudgetTransferSent: BudgetTransferSentV1,
  BudgetTransferReceived: BudgetTransferReceivedV1,
  LetterSent: LetterSentV1,
  LetterAccepted: LetterAcceptedV1,
  LetterBounced: LetterBouncedV1,
  LetterComplaintReceived: LetterComplaintReceivedV1,
  LetterResendRequested: LetterResendRequestedV1,
  PersonalDataErasureRequested: PersonalDataErasureRequestedV1,
  PersonalDataErased: PersonalDataErasedV1,
  PersonalDataErasureRefused: PersonalDataErasureRefusedV1,
} as const;

export const eventCatalogue = new EventCatalogue(
  [...Object.values(currentEvents), ApplicationRegisteredV1, BudgetReleasedV1, BudgetTrancheReleasedV1],
  [applicationRegisteredV1ToV2, budgetReleasedV1ToV2, budgetTrancheReleasedV1ToV2],
);

export type EventType = keyof typeof currentEvents;
export type EventData<T extends EventType> = z.infer<(typeof currentEvents)[T]["schema"]>;
/** A domain event of any known type, as the domain sees it (current version). */
export type DomainEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];
export type DomainEventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;
