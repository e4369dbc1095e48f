import { z } from "zod";
import { decideRecordDetails } from "../../domain/application.ts";
import { CalendarDate, Cents } from "../../events/index.ts";
import { Contribution, CostLine, Partner } from "../../events/lifecycle-events.ts";
import { applicationCommand } from "./application-command.ts";

export const RecordDetailsBody = z
  .object({
    plannedStartDate: CalendarDate.nullable().default(null),
    plannedEndDate: CalendarDate.nullable().default(null),
    applicantAffiliated: z.boolean().nullable().default(null),
    leadApplicant: z.object({ companyName: z.string().trim().min(1).max(200), metalektroCompany: z.boolean() }).strict().nullable().default(null),
    costLines: z.array(CostLine).max(500).default([]),
    coFinancing: z.array(Contribution).max(200).default([]),
    partners: z.array(Partner).max(200).default([]),
    totalPlanCostsCents: Cents.nullable().default(null),
  })
  .strict();

/** Staff record (or correct: the latest recording counts) what the application says. */
export const handler = applicationCommand({
  routeId: "RecordApplicationDetails",
  body: RecordDetailsBody,
  decide: ({ states, body, applicationId }) => decideRecordDetails(states.application, { applicationId, ...body }),
});
