import { tapLog } from "../../functions/runtime/log.ts";
import { appendLogLine } from "./log-scan.ts";

// Issue 16: every log line of this worker goes to its file for the run's final scan (test/support/log-scan.ts).
tapLog((line) => appendLogLine(process.cwd(), line));
