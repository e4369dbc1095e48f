import * as z from "zod";
import { decideRecordSessionAttendance } from "../../../domain/evaluation.ts";
import { Identifier } from "../../../events/index.ts";
import { hubCommand } from "./hub-command.ts";

/** R-VD-04: a representative of the hub attended one of the scheme's knowledge sessions. */
export const handler = hubCommand({
  routeId: "RecordKnowledgeSessionAttendance",
  body: z.object({ sessionId: Identifier, representatives: z.array(z.string().trim().min(1).max(500)).max(50).default([]) }).strict(),
  decide: ({ state, hub, scheme, body, today }) => decideRecordSessionAttendance(state, hub, body, scheme, today),
});
