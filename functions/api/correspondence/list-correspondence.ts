import * as z from "zod";
import { HANDLED_CORRESPONDENCE_LIST, type IntakeMailView, OPEN_CORRESPONDENCE_LIST, intakeProjection } from "../../../domain/projections/intake.ts";
import { CorrespondenceReason } from "../../../events/correspondence-events.ts";
import { Identifier } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { httpRoute } from "../http.ts";
import { pageOfList, pageQuery } from "../paged-list.ts";

/** Issue 12 finding 8: the correspondence inbox, oldest first: open (default) or handled, by scheme and reason; a page at a time (issue 15). */
export const handler = httpRoute(
  "ListCorrespondence",
  { query: z.object({ status: z.enum(["open", "handled"]).default("open"), schemeId: Identifier.optional(), reason: CorrespondenceReason.optional(), ...pageQuery }) },
  async (input) => {
    const { status, schemeId, reason, limit, cursor } = input.query;
    const matches = (m: IntakeMailView) => (!schemeId || m.schemeId === schemeId) && (!reason || m.correspondence?.reason === reason);
    const list = status === "open" ? OPEN_CORRESPONDENCE_LIST : HANDLED_CORRESPONDENCE_LIST;
    const page = await pageOfList<IntakeMailView>(dependencies().readModels, intakeProjection.name, list, { limit, cursor, matches });
    return { status: 200, body: { status, count: page.items.length, ...page } };
  },
);
