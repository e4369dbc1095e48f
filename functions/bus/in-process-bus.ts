import { type BusMessage, type BusRule, type EventBus, matches } from "./routing.ts";

export type Target = (message: BusMessage) => Promise<unknown>;

export interface DeadLetter {
  readonly rule: string;
  readonly message: BusMessage;
  readonly error: string;
}

/**
 * The local stand-in for EventBridge: routes by the same rules as the stack, delivers each
 * message to each matching target asynchronously, retries a failing target with backoff and
 * keeps what still fails as a dead letter (as a rule's SQS dead-letter queue would).
 */
export class InProcessBus implements EventBus {
  private readonly inFlight = new Set<Promise<void>>();
  readonly deadLetters: DeadLetter[] = [];

  constructor(
    private readonly rules: ReadonlyArray<BusRule>,
    private readonly targets: ReadonlyMap<string, Target>,
    private readonly options: { maxAttempts?: number; backoffMs?: number; onDeadLetter?: (letter: DeadLetter) => void } = {},
  ) {
    for (const rule of rules) if (!targets.has(rule.name)) throw new Error(`bus rule ${rule.name} has no target`);
  }

  async publish(messages: ReadonlyArray<BusMessage>): Promise<void> {
    for (const message of messages) {
      for (const rule of this.rules) {
        if (!matches(rule, message)) continue;
        const delivery = this.deliver(rule, message).finally(() => this.inFlight.delete(delivery));
        this.inFlight.add(delivery);
      }
    }
  }

  private async deliver(rule: BusRule, message: BusMessage): Promise<void> {
    const target = this.targets.get(rule.name)!;
    const maxAttempts = this.options.maxAttempts ?? 8;
    for (let attempt = 1; ; attempt++) {
      try {
        await target(message);
        return;
      } catch (error) {
        if (attempt >= maxAttempts) {
          const letter = { rule: rule.name, message, error: error instanceof Error ? error.message : String(error) };
          this.deadLetters.push(letter);
          this.options.onDeadLetter?.(letter);
          return;
        }
        await new Promise((r) => setTimeout(r, (this.options.backoffMs ?? 20) * 2 ** (attempt - 1)));
      }
    }
  }

  /** Resolves when every delivery published so far (and any they caused) has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }
}
