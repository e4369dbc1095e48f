import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import type { StaffRole } from "../../functions/api/routes.ts";
import { issueToken } from "../../local/auth.ts";
import { type BackOffice, type BackOfficeOptions, startBackOffice } from "../../local/back-office.ts";
import { freshTables, localClient } from "./dynamo.ts";
import "./provided.ts";

export interface TestBackOffice extends BackOffice {
  /** A fetch against the staff API as a caller with this role. */
  call(role: StaffRole | undefined, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  /** The same, as a named member of staff (four-eyes needs two people in one role). */
  callAs(role: StaffRole, subject: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
  token(role: StaffRole, subject?: string): Promise<string>;
}

/** The real local runtime (DynamoDB Local, stream relay, bus, projectors, HTTP API) on fresh tables. */
export async function startTestBackOffice(label: string, options: Pick<BackOfficeOptions, "iam" | "schemes"> = {}): Promise<TestBackOffice> {
  const client = localClient();
  const tables = await freshTables(client, label);
  client.destroy();
  const signingKey = new Uint8Array(randomBytes(32));
  const backOffice = await startBackOffice({ dynamoEndpoint: inject("dynamoEndpoint"), port: 0, signingKey, tables, ...options });
  const token = (role: StaffRole, subject?: string) => issueToken(signingKey, role, subject);
  const self: TestBackOffice = {
    ...backOffice,
    settle: backOffice.settle,
    stop: backOffice.stop,
    token,
    async callAs(role, subject, method, path, body) {
      return self.call(undefined, method, path, body, { authorization: `Bearer ${await token(role, subject)}` });
    },
    async call(role, method, path, body, headers = {}) {
      const response = await fetch(`${backOffice.apiUrl}${path}`, {
        method,
        headers: {
          ...(role ? { authorization: `Bearer ${await token(role)}` } : {}),
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
  };
  return self;
}

/** Polls until `check` passes: projections are eventually consistent. Bounded, never asserts on time. */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, attempts = 200): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await probe();
    if (accept(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  return last as T;
}
