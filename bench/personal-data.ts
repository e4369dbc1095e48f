import { randomBytes, randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { NewEvent } from "../events/index.ts";
import { LocalKeyWrapper } from "../functions/personal-data/key-wrapper.ts";
import { SubjectKeyTable } from "../functions/personal-data/key-table.ts";
import { PersonalDataVault } from "../functions/personal-data/vault.ts";
import { createTable } from "../functions/store/create-tables.ts";
import { DynamoDbEventStore } from "../functions/store/dynamodb-event-store.ts";
import { eventsTable, subjectKeysTable } from "../functions/store/tables.ts";

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Issue 16's cost: an append of an event with personal data (ContactAdded: address and name, one
 * subject) sealed vs the same append unsealed, in turns so both see the same load; each sealed append
 * starts a fresh invocation (empty key cache: lookup, key read, stream reference, as a request pays).
 * And a replay of a stream read revealed vs as stored. Ratios to the plain run of the same moment.
 */
export async function measurePersonalData(client: DynamoDBClient, options: { appends: number; replayEvents: number }) {
  const suffix = randomUUID().slice(0, 6);
  const tableName = `bench-pd-events-${suffix}`;
  const keysName = `bench-pd-keys-${suffix}`;
  await Promise.all([createTable(client, tableName, eventsTable), createTable(client, keysName, subjectKeysTable)]);
  const vault = new PersonalDataVault(new SubjectKeyTable(client, keysName), new LocalKeyWrapper(randomBytes(32)));
  const sealed = new DynamoDbEventStore({ client, tableName, personalData: vault });
  const plain = new DynamoDbEventStore({ client, tableName });
  const metadata = { actor: "bench", role: "admin", channel: "system" as const, correlationId: "bench" };
  const contact = (n: number): NewEvent => ({ type: "ContactAdded", data: { applicationId: `app-${n}`, address: `contact-${n % 50}@bench.example`, name: `Contact ${n % 50}`, source: "staff" } });

  const plainMs: number[] = [];
  const sealedMs: number[] = [];
  for (let i = 0; i < options.appends; i++) {
    let started = performance.now();
    await plain.append([{ streamId: `application#plain-${i}`, expectedVersion: 0, schemeId: "bench", events: [contact(i)], metadata }]);
    plainMs.push(performance.now() - started);
    vault.beginInvocation();
    started = performance.now();
    await sealed.append([{ streamId: `application#sealed-${i}`, expectedVersion: 0, schemeId: "bench", events: [contact(i)], metadata }]);
    sealedMs.push(performance.now() - started);
  }

  // One long stream of sealed events, 50 subjects: replayed as stored (what projectors and auditors read) and revealed (the API's reads).
  const streamId = "application#replay";
  for (let v = 0; v < options.replayEvents; v += 25) {
    await sealed.append([{ streamId, expectedVersion: v, schemeId: "bench", events: Array.from({ length: 25 }, (_, k) => contact(v + k)), metadata }]);
  }
  const replayPlain: number[] = [];
  const replayRevealed: number[] = [];
  for (let pass = 0; pass < 5; pass++) {
    let started = performance.now();
    await plain.readStream(streamId);
    replayPlain.push(performance.now() - started);
    vault.beginInvocation();
    started = performance.now();
    await sealed.readStream(streamId);
    replayRevealed.push(performance.now() - started);
  }
  return {
    appends: options.appends,
    appendPlainMsP50: round(median(plainMs)),
    appendSealedMsP50: round(median(sealedMs)),
    appendRatio: round(median(sealedMs) / median(plainMs)),
    replayEvents: options.replayEvents,
    replayPlainMs: round(median(replayPlain)),
    replayRevealedMs: round(median(replayRevealed)),
    replayRatio: round(median(replayRevealed) / median(replayPlain)),
  };
}
