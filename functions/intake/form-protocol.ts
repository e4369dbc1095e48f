/**
 * What the intake (form.ts) and its form worker (form-worker.ts) say to each other, in a module of
 * its own so the intake can speak it without loading pdf-lib, which only the worker runs.
 */

/** Marks the worker's `workerData`, so importing the worker's module anywhere else starts nothing. */
export const FORM_WORKER_MARK = "aeno-form-worker";

/** What the intake asks the worker: read this PDF's form fields. */
export type FormJob = { readonly id: number; readonly pdf: Uint8Array };
/** What the worker answers: `ready` once loaded, then one answer per job. */
export type FormWorkerMessage =
  | { readonly kind: "ready" }
  | { readonly kind: "fields"; readonly id: number; readonly fields: Record<string, string | boolean> }
  | { readonly kind: "failed"; readonly id: number; readonly message: string };
