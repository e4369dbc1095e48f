import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, ScanCommand, type ScanCommandOutput } from "@aws-sdk/lib-dynamodb";

/**
 * Every item of a table, read as a parallel Scan. An item collection (one stream) lies in one
 * segment and a segment is read page after page, so each stream's events still come in version
 * order. A Scan, unlike the replay index, also sees items whose index keys were altered or that
 * belong to no known scheme: what verifying "everything" must see.
 */
export async function* scanTable(
  client: DynamoDBClient,
  tableName: string,
  options: { segments?: number; attributes?: ReadonlyArray<string> } = {},
): AsyncIterable<Record<string, unknown>> {
  const documents = DynamoDBDocumentClient.from(client);
  const segments = options.segments ?? 4;
  const projection = options.attributes?.length
    ? { ProjectionExpression: options.attributes.map((_, i) => `#a${i}`).join(", "), ExpressionAttributeNames: Object.fromEntries(options.attributes.map((a, i) => [`#a${i}`, a])) }
    : {};
  const page = (segment: number, startKey?: Record<string, unknown>) =>
    documents
      .send(new ScanCommand({ TableName: tableName, Segment: segment, TotalSegments: segments, ExclusiveStartKey: startKey, ConsistentRead: true, ...projection }))
      .then((output: ScanCommandOutput) => ({ segment, output }));
  const inFlight = new Map(Array.from({ length: segments }, (_, segment) => [segment, page(segment)] as const));
  while (inFlight.size) {
    const { segment, output } = await Promise.race(inFlight.values());
    inFlight.delete(segment);
    // Ask for the segment's next page before handing this one out: reading overlaps processing.
    if (output.LastEvaluatedKey) inFlight.set(segment, page(segment, output.LastEvaluatedKey));
    yield* output.Items ?? [];
  }
}

/** The schemes that have events in the table (a Scan of one attribute: it still reads every item). */
export async function schemesInTable(client: DynamoDBClient, tableName: string): Promise<string[]> {
  const found = new Set<string>();
  for await (const item of scanTable(client, tableName, { attributes: ["schemeId"] })) if (typeof item.schemeId === "string") found.add(item.schemeId);
  return [...found].sort();
}

/** Proves the table answers before a long run; its item count (exact locally, refreshed about every 6 hours on AWS) sizes the ETA. */
export async function itemCountOf(client: DynamoDBClient, tableName: string): Promise<number | undefined> {
  const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return described.Table?.ItemCount;
}
