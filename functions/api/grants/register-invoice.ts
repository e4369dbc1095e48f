import * as z from "zod";
import { decideRegisterInvoice } from "../../../domain/payments.ts";
import { AmountCents, CalendarDate, Identifier } from "../../../events/index.ts";
import { notAfterToday } from "../application-command.ts";
import { GrantPath, grantCommand } from "./grant-command.ts";

export const RegisterInvoiceBody = z
  .object({
    trancheId: Identifier,
    invoiceNumber: z.string().trim().min(1).max(100),
    invoiceDate: CalendarDate,
    amountCents: AmountCents.positive(),
    /** Spaces allowed as printed on invoices; stored without them, in capitals. */
    iban: z.string().trim().min(15).max(42).transform((v) => v.replace(/\s+/g, "").toUpperCase()),
    documentRef: z.string().trim().min(1).max(300),
  })
  .strict();

/** Finance registers the grantee's invoice against a tranche; the registrar is recorded for four-eyes (R-X-03). */
export const handler = grantCommand({
  routeId: "RegisterInvoice",
  body: RegisterInvoiceBody,
  path: GrantPath,
  status: 201,
  decide: ({ states, body, scheme, caller, today, newId }) =>
    decideRegisterInvoice(states.grant, { ...body, invoiceId: newId(), invoiceDate: notAfterToday(body.invoiceDate, today, "invoiceDate"), registeredBy: caller.subject, today }, scheme),
});
