import { dependencies } from "../runtime/dependencies.ts";
import { log } from "../runtime/log.ts";
import { runRetention } from "./retention.ts";

/**
 * The scheduled retention run (EventBridge Scheduler, infra/stack.ts): erases the personal data of
 * every closed file whose scheme's retention period has ended. Logs counts and subject ids only.
 */
export const handler = async (): Promise<{ due: number; erased: number }> => {
  const deps = dependencies();
  if (!deps.personalData) throw new Error("the retention run needs the key table (KEYS_TABLE)");
  const vault = deps.personalData;
  const sealedEvents = "sealed" in deps.events && typeof deps.events.sealed === "function" ? (deps.events as { sealed(): typeof deps.events }).sealed() : deps.events;
  // Keys are cached for this run only.
  const result = await vault.invocation(() => runRetention({ events: deps.events, sealedEvents, vault, today: deps.clock().toISOString().slice(0, 10), erase: true }));
  log("info", "retention run", { due: result.due.length, erased: result.erased.length, subjectIds: result.erased });
  return { due: result.due.length, erased: result.erased.length };
};
