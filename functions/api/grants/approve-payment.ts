import * as z from "zod";
import { decideApprovePayment } from "../../../domain/payments.ts";
import { InvoicePath, grantCommand } from "./grant-command.ts";

/** R-X-03: a finance user other than the registrar approves the payment (the same user gets 403). */
export const handler = grantCommand({
  routeId: "ApprovePayment",
  body: z.object({}).strict().optional(),
  path: InvoicePath,
  decide: ({ states, path, caller }) => decideApprovePayment(states.grant, { invoiceId: path.invoiceId, approvedBy: caller.subject }),
});
