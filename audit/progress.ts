const grouped = (n: number) => Math.round(n).toLocaleString("en-US");

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(s / 60);
  return minutes >= 60 ? `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m` : `${minutes}:${String(s % 60).padStart(2, "0")}`;
}

/**
 * One progress line: count, rate, and the time left when the total is known.
 *
 * @example
 * progressLine(4000, 2000, 10000); // "4,000 / 10,000 events (40%), 2,000 events/s, ETA 0:03"
 */
export function progressLine(done: number, elapsedMs: number, total?: number): string {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  if (total === undefined || total <= 0) return `${grouped(done)} events, ${grouped(rate)} events/s`;
  const left = rate > 0 ? duration(Math.max(0, total - done) / rate) : "?";
  return `${grouped(done)} / ${grouped(total)} events (${Math.min(100, Math.floor((done * 100) / total))}%), ${grouped(rate)} events/s, ETA ${left}`;
}

/** Passes items through, reporting progress every `every` items (long runs only: nothing for a small log). */
export async function* withProgress<T>(
  items: AsyncIterable<T>,
  options: { report: (line: string) => void; total?: number | undefined; every?: number; now?: () => number },
): AsyncIterable<T> {
  const every = options.every ?? 2000;
  const now = options.now ?? (() => performance.now());
  const started = now();
  let done = 0;
  for await (const item of items) {
    yield item;
    done++;
    if (done % every === 0) options.report(progressLine(done, now() - started, options.total));
  }
}
