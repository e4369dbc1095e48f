import { parentPort, workerData } from "node:worker_threads";
import { PDFCheckBox, PDFDocument, PDFDropdown, PDFRadioGroup, PDFTextField } from "pdf-lib";
import { FORM_WORKER_MARK, type FormJob, type FormWorkerMessage } from "./form-protocol.ts";

/**
 * Issue 12 finding 3: pdf-lib reads a PDF synchronously, and a file that is not a well-formed PDF
 * (random bytes after a `%PDF-` header) makes it scan for objects for tens of seconds without once
 * yielding. So the intake reads forms here, in a worker thread (`readFormsInWorker` in form.ts), and
 * terminates the worker when a PDF takes longer than the deadline: the intake's event loop stays free
 * and a junk attachment costs at most that deadline. This module is the worker's entry; the Lambda
 * asset carries it as its own bundle (`form-worker.mjs`, see `extraBundles` in infra/function.ts).
 */

export { FORM_WORKER_MARK, type FormJob, type FormWorkerMessage } from "./form-protocol.ts";

/** Every field of a PDF form by name: text as text, a choice as the chosen option, a checkbox as a boolean. */
export async function readFormFields(pdf: Uint8Array): Promise<Record<string, string | boolean>> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const fields: Record<string, string | boolean> = {};
  for (const field of doc.getForm().getFields()) {
    const name = field.getName();
    if (field instanceof PDFTextField) fields[name] = field.getText() ?? "";
    else if (field instanceof PDFDropdown) fields[name] = field.getSelected()[0] ?? "";
    else if (field instanceof PDFCheckBox) fields[name] = field.isChecked();
    else if (field instanceof PDFRadioGroup) fields[name] = field.getSelected() ?? "";
  }
  return fields;
}

if (parentPort && (workerData as { mark?: unknown } | undefined)?.mark === FORM_WORKER_MARK) {
  const port = parentPort;
  port.on("message", (job: FormJob) => {
    readFormFields(job.pdf).then(
      (fields) => port.postMessage({ kind: "fields", id: job.id, fields } satisfies FormWorkerMessage),
      (error: unknown) => port.postMessage({ kind: "failed", id: job.id, message: error instanceof Error ? error.message : String(error) } satisfies FormWorkerMessage),
    );
  });
  port.postMessage({ kind: "ready" } satisfies FormWorkerMessage);
}
