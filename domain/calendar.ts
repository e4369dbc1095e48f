/**
 * Calendar arithmetic on ISO dates (YYYY-MM-DD). Scheme dates are local to the scheme's time
 * zone (Europe/Amsterdam): an email that arrives at 00:30 on 16 February Dutch time missed a
 * 15 February deadline even though it is still the 15th in UTC.
 */
export type IsoDate = string;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar date of an instant in a time zone. Pure: the instant is passed in. */
export function localDate(instant: string, timeZone: string): IsoDate {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    formatters.set(timeZone, formatter);
  }
  return formatter.format(new Date(instant));
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
