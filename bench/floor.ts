import { CreateTableCommand, DeleteTableCommand, type DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { cpuMsOf } from "./harness.ts";

/**
 * What one request costs DynamoDB Local and this process, by kind, with several clients at once
 * (`npm run bench -- --suites floor`): the floor under issue 15's scale simulation. DynamoDB Local
 * is a Java process on the same two cores as the back office, so its CPU time per request, not its
 * latency, sets how many requests a second the machine can serve at all. Each kind runs twice and
 * the second run is reported (the JVM compiles its hot paths during the first).
 */
export interface RequestCost {
  readonly kind: string;
  readonly perSecond: number;
  /** DynamoDB Local's CPU (user + system) per request. */
  readonly dynamoDbLocalCpuMs: number;
  /** This process's CPU per request: the SDK's signing, serialising, HTTP. */
  readonly nodeCpuMs: number;
}

export async function measureRequestCosts(client: DynamoDBClient, options: { dynamoPid: number; seconds: number; clients: number; say: (m: string) => void }): Promise<RequestCost[]> {
  const table = `floor-${Date.now()}`;
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "N" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
    }),
  );
  // An event's size in the simulation's table (about 2 KB an item: payload, metadata, hash, derived).
  const payload = { S: "x".repeat(1800) };
  let n = 0;
  const streams = 2000;
  const kinds: Array<[string, (i: number) => Promise<unknown>]> = [
    ["PutItem (conditional, as a single-stream append)", (i) => client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `s${i % streams}` }, sk: { N: String(i) }, d: payload }, ConditionExpression: "attribute_not_exists(pk)" }))],
    ["GetItem (a checkpoint, a document)", (i) => client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `s${i % streams}` }, sk: { N: String(i % 20_000) } } }))],
    ["Query (a stream of ~10 events)", (i) => client.send(new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: `s${i % streams}` } } }))],
    [
      "TransactWriteItems, 2 conditional puts (a projector's commit, a two-stream append)",
      (i) => client.send(new TransactWriteItemsCommand({ TransactItems: [0, 1].map((k) => ({ Put: { TableName: table, Item: { pk: { S: `t${i}` }, sk: { N: String(k) }, d: payload }, ConditionExpression: "attribute_not_exists(pk)" } })) })),
    ],
  ];
  const costs: RequestCost[] = [];
  for (const round of [1, 2]) {
    for (const [kind, request] of kinds) {
      const javaBefore = cpuMsOf(options.dynamoPid)!;
      const nodeBefore = process.cpuUsage();
      const started = performance.now();
      const end = started + options.seconds * 1000;
      let done = 0;
      await Promise.all(
        Array.from({ length: options.clients }, async () => {
          while (performance.now() < end) {
            await request(n++);
            done++;
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const node = process.cpuUsage(nodeBefore);
      const cost = {
        kind,
        perSecond: Math.round(done / seconds),
        dynamoDbLocalCpuMs: Math.round(((cpuMsOf(options.dynamoPid)! - javaBefore) / done) * 100) / 100,
        nodeCpuMs: Math.round(((node.user + node.system) / 1000 / done) * 100) / 100,
      };
      if (round === 2) costs.push(cost);
      options.say(`floor${round === 1 ? " (warming up)" : ""}: ${JSON.stringify(cost)}`);
    }
  }
  await client.send(new DeleteTableCommand({ TableName: table }));
  return costs;
}

export function floorTable(costs: ReadonlyArray<RequestCost>): string {
  return [
    "| request | per second | DynamoDB Local CPU (ms) | this process's CPU (ms) |",
    "|---|---:|---:|---:|",
    ...costs.map((c) => `| ${c.kind} | ${c.perSecond} | ${c.dynamoDbLocalCpuMs} | ${c.nodeCpuMs} |`),
  ].join("\n");
}
