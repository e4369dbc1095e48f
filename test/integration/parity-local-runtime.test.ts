import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { issueToken, localSigningKey } from "../../local/auth.ts";
import { startBackOffice } from "../../local/back-office.ts";

/**
 * Findings 9 and 10: the local runtime with its own DynamoDB Local (each start costs a JVM, about
 * 3 s: four in this file). Health must tell the truth when the emulator dies, and a relative
 * --data-dir must work from where the user typed `npm start`.
 */
const projectRoot = fileURLToPath(new URL("../..", import.meta.url));
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const health = (apiUrl: string) =>
  fetch(`${apiUrl}/health`).then(
    async (r) => ({ status: r.status, body: (await r.json()) as { status: string; reason?: string } }),
    () => ({ status: 0, body: { status: "no answer" } }),
  );

/** Polls until `accept` holds (bounded by attempts, not by a clock). */
async function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean, attempts = 1_200): Promise<T> {
  let last = await probe();
  for (let i = 0; i < attempts && !accept(last); i++) {
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}

describe("finding 9: /health asks the store", () => {
  it("finding 9: when the in-memory DynamoDB Local it started is killed, /health answers 503 unavailable and the store is reported lost", async () => {
    const lost: string[] = [];
    const backOffice = await startBackOffice({ port: 0, smtpPort: 0, signingKey: new Uint8Array(randomBytes(32)), onStoreLost: (reason) => lost.push(reason) });
    cleanups.push(() => backOffice.stop());
    expect(await health(backOffice.apiUrl)).toMatchObject({ status: 200, body: { status: "ready" } });
    const pid = backOffice.dynamoDbLocal!.pid;
    process.kill(pid, "SIGKILL");
    const answer = await until(() => health(backOffice.apiUrl), (h) => h.status !== 200);
    expect(answer).toMatchObject({ status: 503, body: { status: "unavailable" } });
    await until(async () => lost.length, (n) => n > 0);
    expect(lost).toEqual([expect.stringContaining(`DynamoDB Local (pid ${pid}) exited unexpectedly (SIGKILL); it ran in memory, so its data is gone`)]);
    // Not restarted: an empty database would answer "ready" with every figure gone.
    expect(await health(backOffice.apiUrl)).toEqual({ status: 503, body: { status: "unavailable", reason: lost[0] } });
  });
});

interface Running {
  readonly child: ChildProcess;
  readonly apiUrl: string;
  readonly dynamoPid: number;
  output(): string;
  /** SIGINT, as Ctrl-C; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** `npm start` as npm runs it: cwd = the project (here a stand-in folder), INIT_CWD = where the user typed it. */
async function npmStart(args: string[], cwd: string, initCwd: string): Promise<Running> {
  const tsx = pathToFileURL(join(projectRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;
  const child = spawn(process.execPath, ["--import", tsx, join(projectRoot, "local", "main.ts"), "--port", "0", "--smtp-port", "0", ...args], {
    cwd,
    env: { ...process.env, INIT_CWD: initCwd },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = await Promise.race([
    until(async () => output, (o) => o.includes("Ctrl-C stops everything.")).then(() => true),
    exited.then(() => false),
  ]);
  if (!ready) throw new Error(`npm start did not start:\n${output}`);
  const apiUrl = /Staff API:\s+(\S+)/.exec(output)![1]!;
  const dynamoPid = Number(/DynamoDB Local: \S+\s+\(pid (\d+),/.exec(output)![1]);
  const running: Running = {
    child,
    apiUrl,
    dynamoPid,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill("SIGINT");
      return exited;
    },
  };
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  return running;
}

describe("findings 9 and 10: npm start with a relative --data-dir", () => {
  it("finding 10: a relative data dir is taken from where npm start was typed, made 0700 with 0600 files, and keeps the data across a restart; finding 9: a killed DynamoDB Local on it is restarted and /health comes back", async () => {
    const project = await mkdtemp(join(tmpdir(), "parity-project-"));
    const typedIn = await mkdtemp(join(tmpdir(), "parity-typed-"));
    cleanups.push(() => rm(project, { recursive: true, force: true }));
    cleanups.push(() => rm(typedIn, { recursive: true, force: true }));
    const key = localSigningKey(join(project, ".local", "signing-key"));
    const call = async (apiUrl: string, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${await issueToken(key, "intake")}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const register = (apiUrl: string, name: string) =>
      call(apiUrl, "POST", "/applications", {
        schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name, region: "Twente" },
        applicant: { companyName: "Metaalbedrijf Oost BV" }, requestedAmountCents: 40_950_000, receivedAt: "2021-01-20T09:00:00.000Z", sectionIds: ["application-form", "proposal"],
      });
    const readBack = (apiUrl: string, id: string) => until(() => call(apiUrl, "GET", `/applications/${id}`), (r) => r.status === 200);

    // First run: write something.
    const first = await npmStart(["--data-dir", ".local/dynamodb"], project, typedIn);
    const dataDir = join(typedIn, ".local", "dynamodb");
    expect(first.output()).toContain(`data in ${dataDir}`);
    const registered = await register(first.apiUrl, "Technohub Twente");
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect((await readBack(first.apiUrl, registered.body.applicationId)).body.technohub.name).toBe("Technohub Twente");
    expect(await first.stop()).toBe(0);

    // The folder is where the user typed the command, not in the jar's package nor in the project; owner only.
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    const files = (await readdir(dataDir, { withFileTypes: true })).filter((f) => f.isFile());
    expect(files.map((f) => f.name)).toContain("shared-local-instance.db");
    for (const file of files) expect({ file: file.name, mode: (await stat(join(dataDir, file.name))).mode & 0o777 }).toEqual({ file: file.name, mode: 0o600 });
    await expect(stat(join(project, ".local", "dynamodb"))).rejects.toThrow();

    // Second run on the same folder: the application is still there.
    const second = await npmStart(["--data-dir", ".local/dynamodb"], project, typedIn);
    expect((await readBack(second.apiUrl, registered.body.applicationId)).body.technohub.name).toBe("Technohub Twente");

    // Finding 9: kill its DynamoDB Local; health goes 503, the supervisor restarts it on the folder, health comes back.
    expect(await health(second.apiUrl)).toMatchObject({ status: 200, body: { status: "ready" } });
    process.kill(second.dynamoPid, "SIGKILL");
    const down = await until(() => health(second.apiUrl), (h) => h.status !== 200);
    expect(down).toMatchObject({ status: 503, body: { status: "unavailable" } });
    const back = await until(() => health(second.apiUrl), (h) => h.status === 200);
    expect(back).toMatchObject({ status: 200, body: { status: "ready" } });
    expect(second.output()).toContain(`DynamoDB Local (pid ${second.dynamoPid}) exited unexpectedly (SIGKILL); restarting it on ${dataDir} (attempt 1 of 3)`);
    expect(second.output()).toMatch(/DynamoDB Local is back \(pid \d+\)/);
    // The data survived, and the stream still feeds the projections: a write after the restart shows up in the read model.
    expect((await readBack(second.apiUrl, registered.body.applicationId)).body.technohub.name).toBe("Technohub Twente");
    const after = await register(second.apiUrl, "Technohub Rijnmond");
    expect(after.status, JSON.stringify(after.body)).toBe(201);
    expect((await readBack(second.apiUrl, after.body.applicationId)).body.technohub.name).toBe("Technohub Rijnmond");
    expect(await second.stop()).toBe(0);
  }, 180_000);
});
