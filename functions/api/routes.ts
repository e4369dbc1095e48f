/**
 * The staff API, declared once: the local HTTP server and the CDK stack both build their routes
 * from this table, and each handler takes its allowed roles from it (a role matrix test walks it).
 */
export const staffRoles = ["intake", "assessor", "committee-secretary", "finance", "auditor", "admin"] as const;
export type StaffRole = (typeof staffRoles)[number];

const everyone: ReadonlyArray<StaffRole> = staffRoles;

export interface ApiRoute {
  readonly id: string;
  readonly method: "GET" | "POST" | "PUT";
  readonly path: string;
  /** The handler module, relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly roles: ReadonlyArray<StaffRole>;
  /** Whether the route changes anything: the auditor may never be on a route that writes. */
  readonly writes: boolean;
}

/**
 * Every API function's Lambda timeout. The stack deploys it and the local server gives handlers the
 * same deadline, so a handler that watches its remaining time behaves here as it will on AWS.
 */
export const apiFunctionTimeoutSeconds = 10;

const staffThatRecord: ReadonlyArray<StaffRole> = ["intake", "admin"];
const committee: ReadonlyArray<StaffRole> = ["committee-secretary", "admin"];

export const apiRoutes = [
  { id: "RegisterApplication", method: "POST", path: "/applications", entry: "functions/api/register-application.ts", roles: staffThatRecord, writes: true },
  { id: "ListApplications", method: "GET", path: "/applications", entry: "functions/api/list-applications.ts", roles: everyone, writes: false },
  { id: "GetApplication", method: "GET", path: "/applications/{applicationId}", entry: "functions/api/get-application.ts", roles: everyone, writes: false },
  { id: "RecordApplicationDetails", method: "POST", path: "/applications/{applicationId}/details", entry: "functions/api/record-details.ts", roles: staffThatRecord, writes: true },
  { id: "ReceiveApplicationSections", method: "POST", path: "/applications/{applicationId}/sections", entry: "functions/api/receive-sections.ts", roles: staffThatRecord, writes: true },
  { id: "RecordCompleteness", method: "POST", path: "/applications/{applicationId}/completeness", entry: "functions/api/record-completeness.ts", roles: staffThatRecord, writes: true },
  { id: "AssessApplication", method: "POST", path: "/applications/{applicationId}/assessment", entry: "functions/api/assess-application.ts", roles: ["assessor", "admin"], writes: true },
  { id: "RecordCommitteeDecision", method: "POST", path: "/applications/{applicationId}/decision", entry: "functions/api/record-decision.ts", roles: committee, writes: true },
  { id: "WithdrawApplication", method: "POST", path: "/applications/{applicationId}/withdrawal", entry: "functions/api/withdraw-application.ts", roles: ["intake", "committee-secretary", "admin"], writes: true },
  { id: "ReportProjectStart", method: "POST", path: "/applications/{applicationId}/project-start", entry: "functions/api/report-project-start.ts", roles: staffThatRecord, writes: true },
  { id: "LapseAward", method: "POST", path: "/applications/{applicationId}/lapse", entry: "functions/api/lapse-award.ts", roles: committee, writes: true },
  { id: "IssueAwardLetter", method: "POST", path: "/applications/{applicationId}/award-letter", entry: "functions/api/issue-award-letter.ts", roles: committee, writes: true },
  { id: "RequestVsoSupplement", method: "POST", path: "/applications/{applicationId}/vso-supplement", entry: "functions/api/request-vso-supplement.ts", roles: committee, writes: true },
  { id: "ListSchemes", method: "GET", path: "/schemes", entry: "functions/api/list-schemes.ts", roles: everyone, writes: false },
  { id: "OpenScheme", method: "POST", path: "/schemes/{schemeId}/open", entry: "functions/api/open-scheme.ts", roles: ["admin"], writes: true },
  { id: "GetBudget", method: "GET", path: "/schemes/{schemeId}/budget", entry: "functions/api/get-budget.ts", roles: everyone, writes: false },
  { id: "ReleaseBudgetTranche", method: "POST", path: "/schemes/{schemeId}/budget-lines/{budgetLineId}/tranches", entry: "functions/api/release-budget-tranche.ts", roles: ["admin"], writes: true },
  { id: "GetRoundAgenda", method: "GET", path: "/schemes/{schemeId}/rounds/{roundId}/agenda", entry: "functions/api/get-round-agenda.ts", roles: everyone, writes: false },
  { id: "ListDecisionDeadlines", method: "GET", path: "/schemes/{schemeId}/decision-deadlines", entry: "functions/api/list-decision-deadlines.ts", roles: everyone, writes: false },
  { id: "GetApplicationForm", method: "GET", path: "/schemes/{schemeId}/application-form", entry: "functions/api/get-application-form.ts", roles: everyone, writes: false },
  { id: "ListIntakeFailures", method: "GET", path: "/intake/failures", entry: "functions/api/list-intake-failures.ts", roles: ["intake", "admin", "auditor"], writes: false },
  { id: "AddApplicationContact", method: "POST", path: "/applications/{applicationId}/contacts", entry: "functions/api/contacts/add-contact.ts", roles: staffThatRecord, writes: true },
  { id: "RemoveApplicationContact", method: "POST", path: "/applications/{applicationId}/contacts/removal", entry: "functions/api/contacts/remove-contact.ts", roles: staffThatRecord, writes: true },
  { id: "ListCorrespondence", method: "GET", path: "/correspondence", entry: "functions/api/correspondence/list-correspondence.ts", roles: ["intake", "admin", "auditor"], writes: false },
  { id: "AttachCorrespondence", method: "POST", path: "/correspondence/{messageKey}/attachment", entry: "functions/api/correspondence/attach-correspondence.ts", roles: staffThatRecord, writes: true },
  { id: "AnswerCorrespondence", method: "POST", path: "/correspondence/{messageKey}/answer", entry: "functions/api/correspondence/answer-correspondence.ts", roles: staffThatRecord, writes: true },
  { id: "DismissCorrespondence", method: "POST", path: "/correspondence/{messageKey}/dismissal", entry: "functions/api/correspondence/dismiss-correspondence.ts", roles: staffThatRecord, writes: true },
  { id: "ListApplicationMail", method: "GET", path: "/applications/{applicationId}/mail", entry: "functions/api/list-application-mail.ts", roles: ["intake", "admin", "auditor"], writes: false },
  { id: "GetGrant", method: "GET", path: "/grants/{grantId}", entry: "functions/api/grants/get-grant.ts", roles: everyone, writes: false },
  { id: "RegisterInvoice", method: "POST", path: "/grants/{grantId}/invoices", entry: "functions/api/grants/register-invoice.ts", roles: ["finance"], writes: true },
  { id: "ApprovePayment", method: "POST", path: "/grants/{grantId}/invoices/{invoiceId}/approval", entry: "functions/api/grants/approve-payment.ts", roles: ["finance"], writes: true },
  { id: "RecordPayment", method: "POST", path: "/grants/{grantId}/invoices/{invoiceId}/payment", entry: "functions/api/grants/record-payment.ts", roles: ["finance"], writes: true },
  { id: "SubmitFinalReport", method: "POST", path: "/grants/{grantId}/final-report", entry: "functions/api/grants/submit-final-report.ts", roles: staffThatRecord, writes: true },
  { id: "ReviewFinalReport", method: "POST", path: "/grants/{grantId}/final-report/review", entry: "functions/api/grants/review-final-report.ts", roles: ["assessor", "admin"], writes: true },
  { id: "SettleGrant", method: "POST", path: "/grants/{grantId}/settlement", entry: "functions/api/grants/settle-grant.ts", roles: ["finance"], writes: true },
  { id: "RecordRecovery", method: "POST", path: "/grants/{grantId}/recoveries", entry: "functions/api/grants/record-recovery.ts", roles: ["finance"], writes: true },
  { id: "ListPayouts", method: "GET", path: "/payouts", entry: "functions/api/grants/list-payouts.ts", roles: ["finance", "auditor", "admin"], writes: false },
  { id: "GetStateAsOf", method: "GET", path: "/audit/as-of", entry: "functions/api/audit-as-of.ts", roles: ["auditor", "admin"], writes: false },
  { id: "ExplainDocument", method: "GET", path: "/audit/explain", entry: "functions/api/audit-explain.ts", roles: ["auditor", "admin"], writes: false },
  { id: "ClassifyHub", method: "POST", path: "/schemes/{schemeId}/hubs/{hubKey}/classifications", entry: "functions/api/evaluation/classify-hub.ts", roles: ["assessor", "admin"], writes: true },
  { id: "SubmitSelfEvaluation", method: "POST", path: "/schemes/{schemeId}/hubs/{hubKey}/self-evaluations", entry: "functions/api/evaluation/submit-self-evaluation.ts", roles: ["intake", "assessor", "admin"], writes: true },
  { id: "RecordEvaluationFinding", method: "POST", path: "/schemes/{schemeId}/hubs/{hubKey}/findings", entry: "functions/api/evaluation/record-finding.ts", roles: ["assessor", "admin"], writes: true },
  { id: "RecordKnowledgeSessionAttendance", method: "POST", path: "/schemes/{schemeId}/hubs/{hubKey}/knowledge-sessions", entry: "functions/api/evaluation/record-session-attendance.ts", roles: staffThatRecord, writes: true },
  { id: "RecordOzoneModule", method: "POST", path: "/schemes/{schemeId}/hubs/{hubKey}/ozone-modules", entry: "functions/api/evaluation/record-ozone-module.ts", roles: staffThatRecord, writes: true },
  { id: "GetHubEvaluation", method: "GET", path: "/schemes/{schemeId}/hubs/{hubKey}/evaluation", entry: "functions/api/evaluation/get-hub-evaluation.ts", roles: everyone, writes: false },
  { id: "GetEvaluationOverview", method: "GET", path: "/schemes/{schemeId}/evaluation", entry: "functions/api/evaluation/get-evaluation-overview.ts", roles: everyone, writes: false },
  { id: "ListHubs", method: "GET", path: "/hubs", entry: "functions/api/evaluation/list-hubs.ts", roles: everyone, writes: false },
  { id: "GetOpenApi", method: "GET", path: "/openapi.json", entry: "functions/api/get-openapi.ts", roles: everyone, writes: false },
  // Issue 13: change requests on an awarded grant.
  { id: "SubmitChangeRequest", method: "POST", path: "/grants/{grantId}/change-requests", entry: "functions/api/grants/submit-change-request.ts", roles: staffThatRecord, writes: true },
  { id: "DecideChangeRequest", method: "POST", path: "/grants/{grantId}/change-requests/{requestId}/decision", entry: "functions/api/grants/decide-change-request.ts", roles: committee, writes: true },
  // Issue 13: the board's budget decisions besides a tranche, recorded by admin as a release is.
  { id: "LowerBudgetLine", method: "POST", path: "/schemes/{schemeId}/budget-lines/{budgetLineId}/lowerings", entry: "functions/api/board-budget/lower-budget-line.ts", roles: ["admin"], writes: true },
  { id: "CorrectBudgetTrancheRelease", method: "POST", path: "/schemes/{schemeId}/budget-lines/{budgetLineId}/tranche-corrections", entry: "functions/api/board-budget/correct-tranche-release.ts", roles: ["admin"], writes: true },
  { id: "TransferBudget", method: "POST", path: "/schemes/{schemeId}/budget-lines/{budgetLineId}/transfers", entry: "functions/api/board-budget/transfer-budget.ts", roles: ["admin"], writes: true },
  // Issue 13: letters to applicants.
  { id: "ListApplicationLetters", method: "GET", path: "/applications/{applicationId}/letters", entry: "functions/api/letters/list-application-letters.ts", roles: everyone, writes: false },
  { id: "ListUndeliveredLetters", method: "GET", path: "/letters/undelivered", entry: "functions/api/letters/list-undelivered-letters.ts", roles: everyone, writes: false },
  { id: "GetLetterPdf", method: "GET", path: "/letters/{letterId}/pdf", entry: "functions/api/letters/get-letter-pdf.ts", roles: everyone, writes: false },
  { id: "ResendLetter", method: "POST", path: "/letters/{letterId}/resend", entry: "functions/api/letters/resend-letter.ts", roles: ["intake", "committee-secretary", "finance", "admin"], writes: true },
  { id: "RequestPersonalDataErasure", method: "POST", path: "/data-subjects/erasure-requests", entry: "functions/api/data-protection/request-erasure.ts", roles: ["admin"], writes: true },
] as const satisfies ReadonlyArray<ApiRoute>;

export type RouteId = (typeof apiRoutes)[number]["id"];

export function routeById(id: RouteId): ApiRoute {
  return apiRoutes.find((r) => r.id === id)!;
}
