import * as z from "zod";
import { decideSettle } from "../../../domain/payments.ts";
import { CalendarDate } from "../../../events/index.ts";
import { notAfterToday } from "../application-command.ts";
import { GrantPath, grantCommand } from "./grant-command.ts";

/** R-TH-12: recompute the grant on the approved costs; release what it no longer needs. */
export const handler = grantCommand({
  routeId: "SettleGrant",
  body: z.object({ settledOn: CalendarDate.optional() }).strict(),
  path: GrantPath,
  decide: ({ states, body, scheme, today }) => decideSettle(states.grant, { settledOn: notAfterToday(body.settledOn, today, "settledOn") }, scheme),
});
