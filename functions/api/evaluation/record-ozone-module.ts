import * as z from "zod";
import { decideRecordOzoneModule } from "../../../domain/evaluation.ts";
import { CalendarDate } from "../../../events/index.ts";
import { hubCommand } from "./hub-command.ts";

/** R-VD-04, R-TH-13: the hub loaded a module into the oZone library. */
export const handler = hubCommand({
  routeId: "RecordOzoneModule",
  body: z.object({ moduleName: z.string().trim().min(1).max(500), loadedOn: CalendarDate }).strict(),
  decide: ({ state, hub, body, today }) => decideRecordOzoneModule(state, hub, body, today),
});
