import { type BusMessage, type EventBus, type RoutedRule, matches } from "./routing.ts";

export type Target = (message: BusMessage) => Promise<unknown>;

export interface DeadLetter {
  readonly rule: string;
  readonly message: BusMessage;
  readonly error: string;
  /** How many deliveries were tried: one when the failure was permanent. */
  readonly attempts: number;
  /** The target said retrying cannot help (an error with `retryable: false`, e.g. a PoisonEvent). */
  readonly permanent: boolean;
}

export interface RedriveResult {
  /** Dead letters delivered again. */
  readonly redriven: number;
  /** Of those, the ones that failed again (they are dead letters again). */
  readonly failedAgain: number;
}

/** An error that says of itself that retrying cannot help (PoisonEvent, StoreUnavailable that is not retryable). */
const isPermanent = (error: unknown) => typeof error === "object" && error !== null && (error as { retryable?: unknown }).retryable === false;

/**
 * The local stand-in for EventBridge: routes by the same rules as the stack, delivers each
 * message to each matching target asynchronously, retries a failing target with backoff and
 * keeps what still fails as a dead letter (as a rule's SQS dead-letter queue would). A permanent
 * failure is dead-lettered at once instead of burning every retry; `redrive` delivers dead letters
 * again once the cause is fixed.
 */
export class InProcessBus implements EventBus {
  private readonly inFlight = new Set<Promise<void>>();
  readonly deadLetters: DeadLetter[] = [];

  constructor(
    private readonly rules: ReadonlyArray<RoutedRule>,
    private readonly targets: ReadonlyMap<string, Target>,
    private readonly options: { maxAttempts?: number; backoffMs?: number; onDeadLetter?: (letter: DeadLetter) => void } = {},
  ) {
    for (const rule of rules) if (!targets.has(rule.name)) throw new Error(`bus rule ${rule.name} has no target`);
  }

  async publish(messages: ReadonlyArray<BusMessage>): Promise<void> {
    for (const message of messages) {
      for (const rule of this.rules) {
        if (!matches(rule, message)) continue;
        this.track(this.deliver(rule, message));
      }
    }
  }

  private track(delivery: Promise<unknown>): Promise<void> {
    const tracked: Promise<void> = delivery.then(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return tracked;
  }

  /** Delivers with retries; true when the target took it, false when it became a dead letter. */
  private async deliver(rule: RoutedRule, message: BusMessage): Promise<boolean> {
    const target = this.targets.get(rule.name)!;
    const maxAttempts = this.options.maxAttempts ?? 8;
    for (let attempt = 1; ; attempt++) {
      try {
        await target(message);
        return true;
      } catch (error) {
        const permanent = isPermanent(error);
        if (permanent || attempt >= maxAttempts) {
          const letter: DeadLetter = { rule: rule.name, message, error: error instanceof Error ? error.message : String(error), attempts: attempt, permanent };
          this.deadLetters.push(letter);
          this.options.onDeadLetter?.(letter);
          return false;
        }
        await new Promise((r) => setTimeout(r, (this.options.backoffMs ?? 20) * 2 ** (attempt - 1)));
      }
    }
  }

  /**
   * Delivers the dead letters `select` picks (all by default) again, one after the other in the
   * order they died, with the usual retries; what fails again is a dead letter again. For after a
   * fix: the projectors are idempotent and gap-aware, so a re-driven event that is already applied
   * is skipped, and one behind a gap brings the missing events with it.
   */
  async redrive(select: (letter: DeadLetter) => boolean = () => true): Promise<RedriveResult> {
    const letters = this.deadLetters.filter(select);
    for (const letter of letters) this.deadLetters.splice(this.deadLetters.indexOf(letter), 1);
    let failedAgain = 0;
    const run = (async () => {
      for (const letter of letters) {
        const rule = this.rules.find((r) => r.name === letter.rule);
        if (!rule) throw new Error(`dead letter for unknown bus rule ${letter.rule}`);
        if (!(await this.deliver(rule, letter.message))) failedAgain++;
      }
    })();
    await this.track(run);
    return { redriven: letters.length, failedAgain };
  }

  /** Resolves when every delivery published so far (and any they caused) has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }
}
