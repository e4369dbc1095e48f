import * as z from "zod";
import { decideRecordFinding } from "../../../domain/evaluation.ts";
import { CalendarDate } from "../../../events/index.ts";
import { hubCommand } from "./hub-command.ts";

/** R-VD-08: a finding from an interview or a work visit. */
export const handler = hubCommand({
  routeId: "RecordEvaluationFinding",
  body: z
    .object({
      kind: z.enum(["interview", "work-visit"]),
      date: CalendarDate,
      participants: z.array(z.string().trim().min(1).max(500)).min(1).max(50),
      notes: z.string().trim().min(1).max(4000),
    })
    .strict(),
  decide: ({ state, hub, body, today }) => decideRecordFinding(state, hub, body, today),
});
