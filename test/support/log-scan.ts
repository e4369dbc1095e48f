import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/**
 * Issue 16: no personal data in application logs. Every test worker writes every log line (all
 * levels, through `tapLog`) to a file of its own; the global teardown scans them all for the
 * fixtures' names, addresses and IBANs and fails the run naming the file and the fixtures found.
 */
export const personalDataFixtures: ReadonlyArray<string> = [
  "NL91ABNA0417164300",
  "NL91 ABNA 0417 1643 00",
  "jan.jansen@metaal-oost.example",
  "Jan Jansen",
  "aanvrager@example.org",
  "iemand@elders.example",
  "renee@metaal-zeeen.example",
  "secretariaat@metaal-oost.example",
  "oud@metaal.example",
  "vreemde@elders.example",
  "projectleider@rijnmond.example",
  "nieuwsgierig@bedrijf.example",
  "piet@lopend.example",
  "Piet Lopend",
];

export const logScanDir = (root: string) => join(root, ".local", "test-logs");

/** The fixtures a text contains (case-insensitive). */
export function personalDataIn(text: string, fixtures: ReadonlyArray<string> = personalDataFixtures): string[] {
  const lower = text.toLowerCase();
  return fixtures.filter((f) => lower.includes(f.toLowerCase()));
}

export function startLogScan(root: string): void {
  rmSync(logScanDir(root), { recursive: true, force: true });
  mkdirSync(logScanDir(root), { recursive: true });
}

/** Throws when a worker's log holds a fixture; removes the logs otherwise. */
export function finishLogScan(root: string): void {
  const dir = logScanDir(root);
  const found: string[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(dir);
  } catch {
    return;
  }
  for (const file of files) {
    const hits = personalDataIn(readFileSync(join(dir, file), "utf8"));
    if (hits.length > 0) found.push(`${file}: ${hits.join(", ")}`);
  }
  if (found.length > 0) throw new Error(`personal data in application logs (issue 16; see ${dir}):\n${found.join("\n")}`);
  rmSync(dir, { recursive: true, force: true });
}

export function appendLogLine(root: string, line: string): void {
  appendFileSync(join(logScanDir(root), `worker-${process.pid}.log`), `${line}\n`);
}
