import { handler as assessApplication } from "../assess-application.ts";
import { handler as issueAwardLetter } from "../issue-award-letter.ts";
import { handler as lapseAward } from "../lapse-award.ts";
import { handler as receiveApplicationSections } from "../receive-sections.ts";
import { handler as recordApplicationDetails } from "../record-details.ts";
import { handler as recordCommitteeDecision } from "../record-decision.ts";
import { handler as recordCompleteness } from "../record-completeness.ts";
import { handler as registerApplication } from "../register-application.ts";
import { handler as reportProjectStart } from "../report-project-start.ts";
import { handler as withdrawApplication } from "../withdraw-application.ts";
import { dispatcher } from "../dispatch.ts";

/** The application-commands API function: AssessApplication, IssueAwardLetter, LapseAward, ReceiveApplicationSections, RecordApplicationDetails, RecordCommitteeDecision, RecordCompleteness, RegisterApplication, ReportProjectStart, WithdrawApplication. */
export const handler = dispatcher("application-commands", {
  AssessApplication: assessApplication,
  IssueAwardLetter: issueAwardLetter,
  LapseAward: lapseAward,
  ReceiveApplicationSections: receiveApplicationSections,
  RecordApplicationDetails: recordApplicationDetails,
  RecordCommitteeDecision: recordCommitteeDecision,
  RecordCompleteness: recordCompleteness,
  RegisterApplication: registerApplication,
  ReportProjectStart: reportProjectStart,
  WithdrawApplication: withdrawApplication,
});
