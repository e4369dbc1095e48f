import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertCents, formatEuros, formatShare, shareOf } from "../../domain/money.ts";

const amounts = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const shares = fc.integer({ min: 0, max: 10_000 });

describe("shareOf rounding down (grants: the fund never pays a fraction above its cap)", () => {
  it("property: result * 10000 <= amount * share < (result + 1) * 10000, computed exactly in BigInt", () => {
    fc.assert(
      fc.property(amounts, shares, (amount, share) => {
        // Act
        const result = shareOf(amount, share, "down");

        // Assess
        const exact = BigInt(amount) * BigInt(share);
        expect(Number.isSafeInteger(result)).toBe(true);
        expect(BigInt(result) * 10_000n <= exact).toBe(true);
        expect(exact < (BigInt(result) + 1n) * 10_000n).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it("property: shareOf(x, 10000) === x and shareOf(x, 0) === 0 for every amount", () => {
    fc.assert(
      fc.property(amounts, (amount) => {
        expect(shareOf(amount, 10_000, "down")).toBe(amount);
        expect(shareOf(amount, 10_000, "half-up")).toBe(amount);
        expect(shareOf(amount, 0, "down")).toBe(0);
      }),
    );
  });

  it("property: never more than the amount itself, and monotone in the share", () => {
    fc.assert(
      fc.property(amounts, shares, shares, (amount, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(shareOf(amount, high, "down")).toBeLessThanOrEqual(amount);
        expect(shareOf(amount, low, "down")).toBeLessThanOrEqual(shareOf(amount, high, "down"));
      }),
    );
  });

  it("stays exact beyond 2^53 / 10000, where floating point would lose cents", () => {
    // Prepare: amount * share overflows the safe integer range as a double
    const amount = Number.MAX_SAFE_INTEGER;

    // Act
    const result = shareOf(amount, 7_000, "down");

    // Assess
    expect(BigInt(result)).toBe((BigInt(amount) * 7_000n) / 10_000n);
  });
});

describe("shareOf rounding half up", () => {
  it("property: the result is within half a cent of the exact value and an exact half rounds up", () => {
    fc.assert(
      fc.property(amounts, shares, (amount, share) => {
        // Act
        const result = shareOf(amount, share, "half-up");

        // Assess: distance in 1/10000 cents, doubled to stay integral: -10000 < 2d <= 10000
        const doubledDistance = 2n * (BigInt(result) * 10_000n - BigInt(amount) * BigInt(share));
        expect(doubledDistance > -10_000n).toBe(true);
        expect(doubledDistance <= 10_000n).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it("rounds an exact .5 cent up and just below .5 down", () => {
    // Prepare: 1 cent x 50% = 0.5; 1 cent x 49.99% = 0.4999; 3 cents x 50% = 1.5; 101 cents x 50% = 50.5
    // Act / Assess
    expect(shareOf(1, 5_000, "half-up")).toBe(1);
    expect(shareOf(1, 5_000, "down")).toBe(0);
    expect(shareOf(1, 4_999, "half-up")).toBe(0);
    expect(shareOf(3, 5_000, "half-up")).toBe(2);
    expect(shareOf(101, 5_000, "half-up")).toBe(51);
  });

  it("property: half-up is the down result or one cent more", () => {
    fc.assert(
      fc.property(amounts, shares, (amount, share) => {
        const down = shareOf(amount, share, "down");
        expect([down, down + 1]).toContain(shareOf(amount, share, "half-up"));
      }),
    );
  });
});

describe("shareOf input checks", () => {
  it.each([
    ["a negative amount", -1, 5_000],
    ["a fractional amount", 10.5, 5_000],
    ["NaN", Number.NaN, 5_000],
    ["an amount beyond the safe integer range", Number.MAX_SAFE_INTEGER + 1, 5_000],
  ])("rejects %s", (_, amount, share) => {
    expect(() => shareOf(amount, share, "down")).toThrow(RangeError);
  });

  it.each([
    ["a negative share", -1],
    ["a share above 100%", 10_001],
    ["a fractional share", 70.5],
    ["NaN as share", Number.NaN],
  ])("rejects %s", (_, share) => {
    expect(() => shareOf(100, share, "down")).toThrow(/share must be 0\.\.10000 basis points/);
  });

  it("assertCents names what it checks", () => {
    expect(() => assertCents(-3, "requested amount")).toThrow("requested amount must be a non-negative whole number of cents, got -3");
    expect(assertCents(0)).toBe(0);
  });
});

describe("R-TH-02 execution grant: at most 70% of eligible costs and at most EUR 500,000", () => {
  it("EUR 585,000 eligible costs: 70% is EUR 409,500.00, under the EUR 500,000 cap", () => {
    // Prepare
    const eligibleCents = 58_500_000;
    const capCents = 50_000_000;

    // Act
    const share = shareOf(eligibleCents, 7_000, "down");
    const grant = Math.min(share, capCents);

    // Assess
    expect(share).toBe(40_950_000);
    expect(grant).toBe(40_950_000);
    expect(formatEuros(grant)).toBe("409,500.00");
  });

  it("EUR 800,000 eligible costs: 70% is EUR 560,000, capped at EUR 500,000.00", () => {
    // Act
    const grant = Math.min(shareOf(80_000_000, 7_000, "down"), 50_000_000);

    // Assess
    expect(grant).toBe(50_000_000);
    expect(formatEuros(grant)).toBe("500,000.00");
  });
});

describe("formatEuros and formatShare", () => {
  it.each([
    [40_950_000, "409,500.00"],
    [0, "0.00"],
    [5, "0.05"],
    [99, "0.99"],
    [100, "1.00"],
    [123_456_789, "1,234,567.89"],
    [-40_950_000, "-409,500.00"],
    [-5, "-0.05"],
    [-150, "-1.50"],
  ])("formats %i cents as %s", (cents, text) => {
    expect(formatEuros(cents)).toBe(text);
  });

  it("formats basis points as a percentage", () => {
    expect(formatShare(7_000)).toBe("70%");
    expect(formatShare(1_550)).toBe("15.5%");
  });
});
