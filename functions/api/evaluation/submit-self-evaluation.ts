import * as z from "zod";
import { decideSubmitSelfEvaluation } from "../../../domain/evaluation.ts";
import { CriterionStatus } from "../../../events/evaluation-events.ts";
import { CalendarDate, Identifier } from "../../../events/index.ts";
import { hubCommand } from "./hub-command.ts";

const Text = z.string().trim().min(1).max(4000);

/** R-VD-08: a hub's self-evaluation per criterion and own objective; `corrects` names the submission it corrects. */
export const handler = hubCommand({
  routeId: "SubmitSelfEvaluation",
  body: z
    .object({
      submittedOn: CalendarDate,
      corrects: z.string().min(1).max(200).nullable().default(null),
      criteria: z
        .array(z.object({ criterionId: Identifier, status: CriterionStatus, summary: Text, attentionPoints: z.array(z.string().trim().min(1).max(500)).max(20).default([]) }).strict())
        .min(1)
        .max(50),
      objectives: z.array(z.object({ objective: Text, expectedAchievement: Text, supportWished: Text.nullable().default(null) }).strict()).max(50).default([]),
    })
    .strict(),
  decide: ({ state, hub, scheme, body, today }) => decideSubmitSelfEvaluation(state, hub, body, scheme, today),
});
