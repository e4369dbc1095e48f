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
  { id: "ListSchemes", method: "GET", path: "/schemes", entry: "functions/api/list-schemes.ts", roles: everyone, writes: false },
  { id: "OpenScheme", method: "POST", path: "/schemes/{schemeId}/open", entry: "functions/api/open-scheme.ts", roles: ["admin"], writes: true },
  { id: "GetBudget", method: "GET", path: "/schemes/{schemeId}/budget", entry: "functions/api/get-budget.ts", roles: everyone, writes: false },
  { id: "ReleaseBudgetTranche", method: "POST", path: "/schemes/{schemeId}/budget-lines/{budgetLineId}/tranches", entry: "functions/api/release-budget-tranche.ts", roles: ["admin"], writes: true },
  { id: "GetRoundAgenda", method: "GET", path: "/schemes/{schemeId}/rounds/{roundId}/agenda", entry: "functions/api/get-round-agenda.ts", roles: everyone, writes: false },
  { id: "ListDecisionDeadlines", method: "GET", path: "/schemes/{schemeId}/decision-deadlines", entry: "functions/api/list-decision-deadlines.ts", roles: everyone, writes: false },
  { id: "GetOpenApi", method: "GET", path: "/openapi.json", entry: "functions/api/get-openapi.ts", roles: everyone, writes: false },
] as const satisfies ReadonlyArray<ApiRoute>;

export type RouteId = (typeof apiRoutes)[number]["id"];

export function routeById(id: RouteId): ApiRoute {
  return apiRoutes.find((r) => r.id === id)!;
}
