import * as z from "zod";
import { decideRecordPayment } from "../../../domain/payments.ts";
import { CalendarDate } from "../../../events/index.ts";
import { InvoicePath, grantCommand } from "./grant-command.ts";

/** The bank paid: the grant and the budget ledger record it together. */
export const handler = grantCommand({
  routeId: "RecordPayment",
  body: z.object({ bankReference: z.string().trim().min(1).max(100), valueDate: CalendarDate }).strict(),
  path: InvoicePath,
  decide: ({ states, path, body, today }) => decideRecordPayment(states.grant, { invoiceId: path.invoiceId, ...body, today }),
});
