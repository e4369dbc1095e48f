import { describe, expect, it } from "vitest";
import { UsageError, commands, generalUsage, instantOption, parseCommand } from "../../audit/cli-options.ts";
import { progressLine, withProgress } from "../../audit/progress.ts";

describe("audit CLI options", () => {
  it("an unknown flag is a usage error naming it", () => {
    expect(() => parseCommand("verify", ["--endpoint", "http://127.0.0.1:8000", "--evnets-table", "x"])).toThrow(UsageError);
    expect(() => parseCommand("verify", ["--evnets-table", "x"])).toThrow(/--evnets-table/);
    expect(() => parseCommand("export", ["stray"])).toThrow(UsageError);
  });

  it("--scheme repeats, and each command takes only its own flags", () => {
    expect(parseCommand("export", ["--scheme", "a", "--scheme", "b", "--out", "x.jsonl"])).toMatchObject({ scheme: ["a", "b"], out: "x.jsonl" });
    expect(() => parseCommand("verify", ["--out", "x.jsonl"])).toThrow(UsageError);
  });

  it("instants are normalised to the log's form; a bare date is that day at 00:00 UTC; nonsense is refused", () => {
    expect(instantOption({ at: "2021-04-01" }, "at")).toBe("2021-04-01T00:00:00.000Z");
    expect(instantOption({ at: "2021-04-01T12:30:00+02:00" }, "at")).toBe("2021-04-01T10:30:00.000Z");
    expect(instantOption({}, "at")).toBeUndefined();
    expect(() => instantOption({ at: "last tuesday" }, "at")).toThrow(/--at last tuesday/);
  });

  it("every command has a usage text, and the general usage lists them all with the exit codes", () => {
    for (const [name, command] of Object.entries(commands)) expect(command.usage).toContain(`backoffice-audit ${name}`);
    expect(generalUsage).toMatch(/verify[\s\S]*checkpoint[\s\S]*export[\s\S]*replay[\s\S]*as-of[\s\S]*explain/);
    expect(generalUsage).toContain("2 bad input");
  });
});

describe("progress on long runs", () => {
  it("gives the rate, and the share done and time left when the total is known", () => {
    expect(progressLine(4000, 2000)).toBe("4,000 events, 2,000 events/s");
    expect(progressLine(4000, 2000, 10_000)).toBe("4,000 / 10,000 events (40%), 2,000 events/s, ETA 0:03");
    expect(progressLine(2000, 1000, 9_000_000)).toBe("2,000 / 9,000,000 events (0%), 2,000 events/s, ETA 1h14m");
  });

  it("reports every 2,000 items and passes every item through unchanged", async () => {
    const reports: string[] = [];
    let clock = 0;
    async function* numbers() {
      for (let i = 0; i < 5000; i++) yield i;
    }
    const seen: number[] = [];
    for await (const n of withProgress(numbers(), { report: (l) => reports.push(l), total: 5000, now: () => (clock += 0.1) })) seen.push(n);

    expect(seen).toHaveLength(5000);
    expect(seen[4999]).toBe(4999);
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatch(/^2,000 \/ 5,000 events \(40%\)/);
  });
});
