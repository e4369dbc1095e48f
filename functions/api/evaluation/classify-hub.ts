import * as z from "zod";
import { decideClassifyHub } from "../../../domain/evaluation.ts";
import { DominantCharacteristic, HubType } from "../../../events/evaluation-events.ts";
import { CalendarDate } from "../../../events/index.ts";
import { hubCommand } from "./hub-command.ts";

const Text = z.string().trim().min(1).max(4000);

/** R-VD-09: classify a funded hub, or reclassify it (the previous classification stays in the history). */
export const handler = hubCommand({
  routeId: "ClassifyHub",
  body: z
    .object({ type: HubType, dominantCharacteristic: DominantCharacteristic, preconditions: z.array(Text).min(1).max(2), rationale: Text, classifiedOn: CalendarDate })
    .strict(),
  decide: ({ state, hub, body, today }) => decideClassifyHub(state, hub, body, today),
});
