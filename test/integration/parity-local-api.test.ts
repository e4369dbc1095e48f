import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Dependencies, useDependencies } from "../../functions/runtime/dependencies.ts";
import { bundledSchemes } from "../../schemes/bundled.ts";
import { issueToken, LOCAL_CLIENT_ID, LOCAL_ISSUER } from "../../local/auth.ts";
import { startLocalApi } from "../../local/http-server.ts";

/** Findings 8 and 11: the local HTTP API refuses what API Gateway refuses, and lets no client hold it. No DynamoDB needed. */
const projectRoot = fileURLToPath(new URL("../..", import.meta.url));
const key = new Uint8Array(randomBytes(32));
let server: Server;
let url: string;
let port: number;

beforeAll(async () => {
  // GET /schemes reads only the scheme catalogue and the (here empty) schemes read model.
  useDependencies({ schemes: bundledSchemes(), readModels: { list: async () => [] } } as unknown as Dependencies);
  ({ server, url } = await startLocalApi({
    host: "127.0.0.1",
    port: 0,
    signingKey: key,
    projectRoot,
    limits: { headersTimeoutMs: 1_000, requestTimeoutMs: 1_000, keepAliveTimeoutMs: 500, maxConnections: 4 },
  }));
  port = Number(new URL(url).port);
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server?.close(() => resolve());
    server?.closeAllConnections();
  });
  useDependencies(undefined);
});

const now = () => Math.floor(Date.now() / 1000);
const sign = (claims: Record<string, unknown>, signingKey = key, alg = "HS256") => new SignJWT(claims).setProtectedHeader({ alg }).sign(signingKey);
const good = { "cognito:groups": ["intake"], token_use: "access", sub: "local-intake", iss: LOCAL_ISSUER, client_id: LOCAL_CLIENT_ID };

const get = (token: string) => fetch(`${url}/schemes`, { headers: { authorization: `Bearer ${token}` } });

describe("finding 8: the local API checks tokens as API Gateway's JWT authorizer does", () => {
  it.each<[string, () => Promise<string>]>([
    ["a foreign aud", () => sign({ ...good, aud: "some-other-client", iat: now(), exp: now() + 600 })],
    ["a foreign aud even with our client_id (aud decides when present)", () => sign({ ...good, aud: "some-other-client", client_id: LOCAL_CLIENT_ID, iat: now(), exp: now() + 600 })],
    ["a foreign client_id", () => sign({ ...good, client_id: "some-other-client", iat: now(), exp: now() + 600 })],
    ["neither aud nor client_id", () => sign({ ...good, client_id: undefined, iat: now(), exp: now() + 600 })],
    ["no exp", () => sign({ ...good, iat: now() })],
    ["an exp in the past", () => sign({ ...good, iat: now() - 600, exp: now() - 1 })],
    ["an iat in the future", () => sign({ ...good, iat: now() + 120, exp: now() + 600 })],
    ["an nbf in the future", () => sign({ ...good, iat: now(), nbf: now() + 120, exp: now() + 600 })],
    ["another issuer", () => sign({ ...good, iss: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_other", iat: now(), exp: now() + 600 })],
    ["another key", () => sign({ ...good, iat: now(), exp: now() + 600 }, new Uint8Array(randomBytes(32)))],
    ["another algorithm", () => sign({ ...good, iat: now(), exp: now() + 600 }, new Uint8Array(randomBytes(64)), "HS512")],
  ])("finding 8: a token with %s gets 401 through the local HTTP API", async (_, token) => {
    const response = await get(await token());
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: "Unauthorized" });
  });

  it("finding 8: a token the authorizer would accept still works: issueToken's, and one with our aud and a past nbf", async () => {
    expect((await get(await issueToken(key, "intake"))).status).toBe(200);
    expect((await get(await sign({ ...good, client_id: undefined, aud: LOCAL_CLIENT_ID, iat: now() - 10, nbf: now() - 10, exp: now() + 600 }))).status).toBe(200);
  });
});

/** Resolves with what the server sent before it closed the socket (bounded by the test's own wait). */
function closed(socket: Socket, waitMs = 20_000): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    let data = "";
    socket.on("data", (chunk) => (data += chunk.toString()));
    socket.on("error", () => undefined);
    const timer = setTimeout(() => resolve({ data, closed: false }), waitMs);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ data, closed: true });
    });
  });
}

const open = () =>
  new Promise<Socket>((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });

describe("finding 11: the local HTTP server bounds slow requests and connections", () => {
  it("finding 11: a body trickled byte by byte gets 408 and the connection is closed once the request timeout passes", async () => {
    const token = await issueToken(key, "intake");
    const socket = await open();
    const outcome = closed(socket);
    socket.write(`POST /applications HTTP/1.1\r\nHost: 127.0.0.1\r\nauthorization: Bearer ${token}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n`);
    const trickle = setInterval(() => !socket.destroyed && socket.write("x"), 100);
    const { data, closed: wasClosed } = await outcome;
    clearInterval(trickle);
    socket.destroy();
    expect(wasClosed).toBe(true);
    expect(data).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("finding 11: headers trickled without end (slowloris) get 408 and the connection is closed", async () => {
    const socket = await open();
    const outcome = closed(socket);
    socket.write("GET /schemes HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    const trickle = setInterval(() => !socket.destroyed && socket.write("x-slow: y\r\n"), 100);
    const { data, closed: wasClosed } = await outcome;
    clearInterval(trickle);
    socket.destroy();
    expect(wasClosed).toBe(true);
    expect(data).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("finding 11: a connection over the cap is closed at once, not queued; below the cap the API answers again", async () => {
    const connections = () => new Promise<number>((resolve) => server.getConnections((_, n) => resolve(n)));
    const until = async (accept: (n: number) => boolean) => {
      for (let i = 0; i < 200 && !accept(await connections()); i++) await new Promise((r) => setTimeout(r, 20));
    };
    // Earlier requests' keep-alive connections close after the 500 ms keep-alive timeout.
    await until((n) => n === 0);
    expect(await connections()).toBe(0);
    const held = await Promise.all([open(), open(), open(), open()]);
    // Once the server has accepted all four, the fifth is the one over the cap.
    await until((n) => n >= 4);
    const extra = await open();
    const outcome = closed(extra);
    extra.write("GET /schemes HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const { data, closed: wasClosed } = await outcome;
    expect(wasClosed).toBe(true);
    expect(data).toBe("");
    for (const socket of held) socket.destroy();
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = await get(await issueToken(key, "intake")).then((r) => r.status, () => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(200);
  });
});
