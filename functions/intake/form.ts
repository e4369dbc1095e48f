import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { type FormFound, formFieldNames } from "../../domain/intake.ts";
import { FORM_WORKER_MARK, type FormJob, type FormWorkerMessage } from "./form-protocol.ts";

// Reading application forms out of mail (the intake). pdf-lib runs in the worker only (form-worker.ts);
// the form itself is made in form-pdf.ts.

/**
 * How long reading one PDF as a form may take (issue 12 finding 3). A filled-in form reads in tens of
 * milliseconds; a file that is not a well-formed PDF can keep pdf-lib busy for minutes. Past the
 * deadline the worker is terminated and the PDF counts as unreadable.
 */
export const FORM_READ_DEADLINE_MS = 1_500;
/** How long the worker may take to start (load pdf-lib) before the intake gives up: a broken deployment, not a bad PDF. */
const FORM_WORKER_START_MS = 20_000;
/** The worker's own heap limit: a junk PDF cannot take the function's memory with it. */
const FORM_WORKER_HEAP_MB = 256;

type Reading =
  | { kind: "fields"; fields: Record<string, string | boolean> }
  | { kind: "failed"; message: string }
  | { kind: "timeout" }
  | { kind: "crashed"; message: string }
  | { kind: "not-a-pdf"; why: string };

/** How far from its end a PDF's `startxref` / `%%EOF` may be (the spec says the last 1024 bytes; some writers append a little). */
const PDF_TAIL_BYTES = 64 * 1024;

/**
 * Issue 12 finding 3: what a PDF's bytes tell before pdf-lib parses it, at the cost of a byte search.
 * A file with no `%PDF-` header, or with no cross-reference at its end (`startxref`, `%%EOF`: random
 * bytes after a header, a cut-off file), is no PDF a form can be read from: pdf-lib would scan all of
 * it for objects, seconds for a few megabytes. A PDF that has neither an `/AcroForm` in its bytes nor
 * object streams (`/ObjStm`, where a compressed catalog could hold one) has no form fields. Anything
 * else is parsed (in the worker, within the deadline): a junk PDF dressed with a real-looking end
 * still costs at most the deadline.
 */
export function readWithoutParsing(pdf: Uint8Array): Reading | undefined {
  const bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  const header = bytes.indexOf("%PDF-");
  if (header < 0 || header > 1024) return { kind: "not-a-pdf", why: "it is not a PDF (no %PDF- header)" };
  const tail = bytes.subarray(Math.max(0, bytes.length - PDF_TAIL_BYTES));
  if (!tail.includes("startxref") && !tail.includes("%%EOF")) return { kind: "not-a-pdf", why: "it is not a complete PDF (no cross-reference at its end: cut off, or not a PDF after its header)" };
  if (!bytes.includes("/AcroForm") && !bytes.includes("/ObjStm")) return { kind: "fields", fields: {} };
  return undefined;
}

/**
 * The worker's entry. From the TypeScript sources (tests, `npm start`) it is form-worker.ts, loaded
 * through tsx; in the Lambda bundle (`index.mjs`) it is `form-worker.mjs` next to it in the asset.
 */
function formWorkerEntry(): { url: URL; execArgv?: string[] } {
  const here = import.meta.url;
  if (!/\.ts$/.test(here)) return { url: new URL("./form-worker.mjs", here) };
  const tsx = pathToFileURL(createRequire(here).resolve("tsx")).href;
  return { url: new URL("./form-worker.ts", here), execArgv: ["--import", tsx] };
}

/** A started form worker; `listener` is the read waiting for its answer, if any. */
type FormWorker = { readonly worker: Worker; alive: boolean; listener?: (message: FormWorkerMessage | { kind: "crashed"; message: string }) => void };

/** Started workers waiting for the next PDF (kept across mails: starting one loads pdf-lib). */
const idleWorkers: FormWorker[] = [];
const MAX_IDLE_WORKERS = 2;

/** Starts a worker and waits until it has loaded; throws when it cannot start (a broken deployment, not a bad PDF). */
function startFormWorker(): Promise<FormWorker> {
  const entry = formWorkerEntry();
  const worker = new Worker(entry.url, {
    workerData: { mark: FORM_WORKER_MARK },
    ...(entry.execArgv ? { execArgv: entry.execArgv } : {}),
    resourceLimits: { maxOldGenerationSizeMb: FORM_WORKER_HEAP_MB },
  });
  const handle: FormWorker = { worker, alive: true };
  return new Promise<FormWorker>((resolve, reject) => {
    let started = false;
    const timer = setTimeout(() => {
      reject(new Error(`the form reader (${entry.url.pathname}) did not start within ${FORM_WORKER_START_MS / 1000} s`));
      void worker.terminate();
    }, FORM_WORKER_START_MS);
    worker.on("message", (message: FormWorkerMessage) => {
      if (message.kind !== "ready") return handle.listener?.(message);
      started = true;
      clearTimeout(timer);
      resolve(handle);
    });
    const gone = (why: string) => {
      if (!handle.alive) return;
      handle.alive = false;
      clearTimeout(timer);
      const at = idleWorkers.indexOf(handle);
      if (at >= 0) idleWorkers.splice(at, 1);
      if (!started) reject(new Error(`the form reader (${entry.url.pathname}) could not start: ${why}`));
      else handle.listener?.({ kind: "crashed", message: why });
    };
    worker.on("error", (error) => gone(error.message));
    worker.on("exit", (code) => gone(`it exited with code ${code}`));
    // An idle worker does not keep the process alive (after the listeners: adding one refs it again); a read in progress has its deadline timer for that.
    worker.unref();
  });
}

/**
 * Reads one PDF's form fields in a worker thread within `deadlineMs`: pdf-lib's synchronous parsing
 * never blocks this event loop (another mail is answered meanwhile), and a PDF that takes longer has
 * its worker terminated (the next read starts a fresh one). Each read has a worker of its own, so one
 * mail's junk PDF does not hold up another mail's form.
 */
async function readFormWithin(pdf: Uint8Array, deadlineMs: number): Promise<Reading> {
  const handle = await takeFormWorker();
  return new Promise<Reading>((resolve) => {
    const done = (reading: Reading) => {
      clearTimeout(timer);
      handle.listener = undefined;
      resolve(reading);
    };
    const timer = setTimeout(() => {
      handle.alive = false;
      void handle.worker.terminate();
      // The next PDF (the proposal after a junk form) should not wait for pdf-lib to load again.
      replenishIdleWorkers();
      done({ kind: "timeout" });
    }, deadlineMs);
    handle.listener = (message) => {
      if (message.kind === "crashed") return done(message);
      if (message.kind === "ready" || message.id !== id) return;
      if (handle.alive && idleWorkers.length < MAX_IDLE_WORKERS) idleWorkers.push(handle);
      else void handle.worker.terminate();
      done(message.kind === "fields" ? { kind: "fields", fields: message.fields } : { kind: "failed", message: message.message });
    };
    const id = nextJobId++;
    // Copied to the worker, not transferred: the caller still stores the document.
    handle.worker.postMessage({ id, pdf } satisfies FormJob);
  });
}
let nextJobId = 1;

/** The worker being started to replace a terminated one: the next read takes it rather than start a second one. */
let replenishing: Promise<FormWorker | undefined> | undefined;
function replenishIdleWorkers(): void {
  if (replenishing || idleWorkers.length >= MAX_IDLE_WORKERS) return;
  // A failure to start shows at the next read (it starts its own), not here.
  replenishing = startFormWorker().then(
    (handle) => handle,
    () => undefined,
  );
  void replenishing.then((handle) => {
    replenishing = undefined;
    if (!handle) return;
    if (handle.alive && idleWorkers.length < MAX_IDLE_WORKERS) idleWorkers.push(handle);
    else void handle.worker.terminate();
  });
}

/** An idle worker, else the one being started, else a new one. */
async function takeFormWorker(): Promise<FormWorker> {
  const idle = idleWorkers.pop();
  if (idle) return idle;
  if (replenishing) {
    await replenishing;
    const started = idleWorkers.pop();
    if (started) return started;
  }
  return startFormWorker();
}

/** Forms are a few hundred kilobytes; a larger PDF is a document, not worth parsing as a form. */
const MAX_FORM_BYTES = 10 * 1024 * 1024;
const namedLikeAForm = (name: string) => /formulier|form/i.test(name);
const isPdf = (a: { name: string; contentType: string }) => a.contentType === "application/pdf" || /\.pdf$/i.test(a.name);

/**
 * The application form among the attachments: the first PDF whose fields include the form's scheme
 * field. A file that looks like the form (by name) but cannot be read is reported as unreadable, so
 * staff and the applicant learn why, instead of the form silently counting as missing.
 */
export async function findApplicationForm(
  attachments: ReadonlyArray<{ readonly sha256: string; readonly name: string; readonly contentType: string; readonly content: Uint8Array }>,
  options: { readonly deadlineMs?: number } = {},
): Promise<FormFound> {
  let unreadable: FormFound | undefined;
  for (const attachment of attachments) {
    if (!isPdf(attachment)) {
      if (namedLikeAForm(attachment.name)) unreadable ??= { kind: "unreadable", sha256: attachment.sha256, reason: `${attachment.name} is not the PDF application form (${attachment.contentType})` };
      continue;
    }
    if (attachment.content.byteLength > MAX_FORM_BYTES) continue;
    const reading = readWithoutParsing(attachment.content) ?? (await readFormWithin(attachment.content, options.deadlineMs ?? FORM_READ_DEADLINE_MS));
    if (reading.kind === "fields") {
      if (formFieldNames.scheme in reading.fields) return { kind: "fields", sha256: attachment.sha256, fields: reading.fields };
      if (namedLikeAForm(attachment.name)) unreadable ??= { kind: "unreadable", sha256: attachment.sha256, reason: `${attachment.name} has no fields of the application form (printed or scanned?)` };
    } else if (namedLikeAForm(attachment.name)) {
      const why =
        reading.kind === "timeout"
          ? `it could not be read within ${(options.deadlineMs ?? FORM_READ_DEADLINE_MS) / 1000} s (not a well-formed PDF?)`
          : reading.kind === "not-a-pdf"
            ? reading.why
            : reading.kind === "failed" && /encrypt/i.test(reading.message)
              ? "it is encrypted"
              : "it is not a readable PDF";
      unreadable ??= { kind: "unreadable", sha256: attachment.sha256, reason: `${attachment.name}: ${why}` };
    }
  }
  return unreadable ?? { kind: "none" };
}
