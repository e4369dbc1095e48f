import * as z from "zod";
import { decideRecordDetails } from "../../domain/application.ts";
import { AmountCents, CalendarDate, MAX_AMOUNTS_PER_LIST } from "../../events/index.ts";
import { Contribution, CostLine, Partner } from "../../events/lifecycle-events.ts";
import { applicationCommand } from "./application-command.ts";

export const RecordDetailsBody = z
  .object({
    plannedStartDate: CalendarDate.nullable().default(null),
    plannedEndDate: CalendarDate.nullable().default(null),
    applicantAffiliated: z.boolean().nullable().default(null),
    leadApplicant: z.object({ companyName: z.string().trim().min(1).max(200), metalektroCompany: z.boolean() }).strict().nullable().default(null),
    // Each amount bounded (finding 6): 500 lines of at most EUR 100 billion still add up exactly.
    costLines: z
      .array(CostLine.extend({ amountCents: AmountCents, external: CostLine.shape.external.unwrap().unwrap().extend({ hourlyRateCents: AmountCents }).nullable().default(null) }))
      .max(MAX_AMOUNTS_PER_LIST)
      .default([]),
    coFinancing: z.array(Contribution.extend({ amountCents: AmountCents })).max(200).default([]),
    partners: z.array(Partner).max(200).default([]),
    totalPlanCostsCents: AmountCents.nullable().default(null),
  })
  .strict();

/** Staff record (or correct: the latest recording counts) what the application says. */
export const handler = applicationCommand({
  routeId: "RecordApplicationDetails",
  body: RecordDetailsBody,
  decide: ({ states, body, applicationId }) => decideRecordDetails(states.application, { applicationId, ...body }),
});
