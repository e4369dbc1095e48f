/**
 * Money is integer euro cents. Shares are integer basis points (7000 = 70%). Every division
 * names its rounding, and the arithmetic runs in BigInt so no intermediate ever loses a cent.
 */
export type Cents = number;
export type BasisPoints = number;

export type Rounding = "down" | "half-up";

export function assertCents(value: number, what = "amount"): Cents {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative whole number of cents, got ${value}`);
  return value;
}

/**
 * The exact sum of amounts, added in BigInt; `undefined` when it passes Number.MAX_SAFE_INTEGER,
 * where a number no longer holds every cent (finding 6: two cost lines of 2^53 - 1 cents). Callers
 * refuse with a reason; they never carry on with a rounded sum.
 */
export function sumCents(amounts: Iterable<Cents>, what = "amount"): Cents | undefined {
  let total = 0n;
  for (const amount of amounts) total += BigInt(assertCents(amount, what));
  return total <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(total) : undefined;
}

/** `amount x share`, rounded as asked. Grants round down: the fund never pays a fraction above its cap. */
export function shareOf(amount: Cents, share: BasisPoints, rounding: Rounding): Cents {
  assertCents(amount);
  if (!Number.isInteger(share) || share < 0 || share > 10_000) throw new RangeError(`share must be 0..10000 basis points, got ${share}`);
  const product = BigInt(amount) * BigInt(share);
  const whole = product / 10_000n;
  const rest = product % 10_000n;
  return Number(rounding === "half-up" && rest * 2n >= 10_000n ? whole + 1n : whole);
}

/** 409,500.00 — the notation of derivations shown to staff and auditors. */
export function formatEuros(amount: Cents): string {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amount must be a whole number of cents, got ${amount}`);
  const sign = amount < 0 ? "-" : "";
  const abs = Math.abs(amount);
  const euros = Math.floor(abs / 100).toLocaleString("en-US");
  return `${sign}${euros}.${String(abs % 100).padStart(2, "0")}`;
}

export function formatShare(share: BasisPoints): string {
  return `${share / 100}%`;
}
