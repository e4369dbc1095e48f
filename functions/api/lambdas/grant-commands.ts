import { handler as approvePayment } from "../grants/approve-payment.ts";
import { handler as recordPayment } from "../grants/record-payment.ts";
import { handler as recordRecovery } from "../grants/record-recovery.ts";
import { handler as registerInvoice } from "../grants/register-invoice.ts";
import { handler as reviewFinalReport } from "../grants/review-final-report.ts";
import { handler as settleGrant } from "../grants/settle-grant.ts";
import { handler as submitFinalReport } from "../grants/submit-final-report.ts";
import { dispatcher } from "../dispatch.ts";

/** The grant-commands API function: ApprovePayment, RecordPayment, RecordRecovery, RegisterInvoice, ReviewFinalReport, SettleGrant, SubmitFinalReport. */
export const handler = dispatcher("grant-commands", {
  ApprovePayment: approvePayment,
  RecordPayment: recordPayment,
  RecordRecovery: recordRecovery,
  RegisterInvoice: registerInvoice,
  ReviewFinalReport: reviewFinalReport,
  SettleGrant: settleGrant,
  SubmitFinalReport: submitFinalReport,
});
