import * as z from "zod";
import { HANDLED_CORRESPONDENCE_LIST, type IntakeMailView, OPEN_CORRESPONDENCE_LIST, intakeProjection } from "../../../domain/projections/intake.ts";
import { CorrespondenceReason } from "../../../events/correspondence-events.ts";
import { Identifier } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { httpRoute } from "../http.ts";

/** Issue 12 finding 8: the correspondence inbox, oldest first: open (default) or handled, by scheme and reason. */
export const handler = httpRoute(
  "ListCorrespondence",
  { query: z.object({ status: z.enum(["open", "handled"]).default("open"), schemeId: Identifier.optional(), reason: CorrespondenceReason.optional() }) },
  async (input) => {
    const { status, schemeId, reason } = input.query;
    const all = (await dependencies().readModels.list(intakeProjection.name, status === "open" ? OPEN_CORRESPONDENCE_LIST : HANDLED_CORRESPONDENCE_LIST)) as IntakeMailView[];
    const items = all.filter((m) => (!schemeId || m.schemeId === schemeId) && (!reason || m.correspondence?.reason === reason));
    return { status: 200, body: { status, count: items.length, items } };
  },
);
