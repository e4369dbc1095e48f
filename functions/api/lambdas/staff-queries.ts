import { handler as getApplication } from "../get-application.ts";
import { handler as getApplicationForm } from "../get-application-form.ts";
import { handler as getBudget } from "../get-budget.ts";
import { handler as getEvaluationOverview } from "../evaluation/get-evaluation-overview.ts";
import { handler as getGrant } from "../grants/get-grant.ts";
import { handler as getHubEvaluation } from "../evaluation/get-hub-evaluation.ts";
import { handler as getOpenApi } from "../get-openapi.ts";
import { handler as getRoundAgenda } from "../get-round-agenda.ts";
import { handler as listApplicationMail } from "../list-application-mail.ts";
import { handler as listApplications } from "../list-applications.ts";
import { handler as listDecisionDeadlines } from "../list-decision-deadlines.ts";
import { handler as listHubs } from "../evaluation/list-hubs.ts";
import { handler as listIntakeFailures } from "../list-intake-failures.ts";
import { handler as listPayouts } from "../grants/list-payouts.ts";
import { handler as listSchemes } from "../list-schemes.ts";
import { dispatcher } from "../dispatch.ts";

/** The staff-queries API function: GetApplication, GetApplicationForm, GetBudget, GetEvaluationOverview, GetGrant, GetHubEvaluation, GetOpenApi, GetRoundAgenda, ListApplicationMail, ListApplications, ListDecisionDeadlines, ListHubs, ListIntakeFailures, ListPayouts, ListSchemes. */
export const handler = dispatcher("staff-queries", {
  GetApplication: getApplication,
  GetApplicationForm: getApplicationForm,
  GetBudget: getBudget,
  GetEvaluationOverview: getEvaluationOverview,
  GetGrant: getGrant,
  GetHubEvaluation: getHubEvaluation,
  GetOpenApi: getOpenApi,
  GetRoundAgenda: getRoundAgenda,
  ListApplicationMail: listApplicationMail,
  ListApplications: listApplications,
  ListDecisionDeadlines: listDecisionDeadlines,
  ListHubs: listHubs,
  ListIntakeFailures: listIntakeFailures,
  ListPayouts: listPayouts,
  ListSchemes: listSchemes,
});
