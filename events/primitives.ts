import * as z from "zod";

/** Money is always integer euro cents (domain-rules.md). Events hold sums too, so any exact integer. */
export const Cents = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * The most one amount a client states may be: EUR 100 billion, far above anything a scheme awards
 * (the largest budget line is EUR 400 million). Bounded so sums stay exact: the longest list of
 * amounts a request may carry (500 cost lines) adds up to at most 5 x 10^15 cents, below
 * Number.MAX_SAFE_INTEGER (about 9 x 10^15). Finding 6: two cost lines of 2^53 - 1 cents each were
 * accepted and made the assessment throw.
 */
export const MAX_AMOUNT_CENTS = 10_000_000_000_000;
/** The longest list of amounts one request may carry; MAX_AMOUNT_CENTS x this stays a safe integer. */
export const MAX_AMOUNTS_PER_LIST = 500;
/** An amount as a request states it (requested, awarded, invoiced, a cost line): Cents, at most MAX_AMOUNT_CENTS. */
export const AmountCents = Cents.max(MAX_AMOUNT_CENTS, `at most ${MAX_AMOUNT_CENTS} cents (EUR 100,000,000,000.00): more than any scheme awards`);
/** An instant, ISO 8601 in UTC with milliseconds, as `Date.prototype.toISOString` writes it. */
export const Instant = z.iso.datetime({ offset: false, precision: 3 });
export const CalendarDate = z.iso.date();
export const Identifier = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "letters, digits and . _ : - only");
export const SchemeVersion = z.string().min(1).max(100);
