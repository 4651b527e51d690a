import {
  type PredictionLog,
  parseScoringJson,
  type ServingRuntime,
  type ServingStore,
} from "../../serve/index.js";
import type { CustomerBook } from "./customer-book.js";
import type { PendingLabel, TrafficState } from "./demo-checkpoint.js";
import type { LoggedDay } from "./simulated-monitor.js";

const DAY_MS = 86_400_000;

/**
 * What {@link TrafficReplay} scores against and where the labels come from.
 *
 * @example
 * ```ts
 * const options: TrafficReplayOptions = { book, serving, log, deployment: "churn", requestsPerDay: 400, labelDelayDays: 14, seed: 7 };
 * ```
 */
export interface TrafficReplayOptions {
  readonly book: CustomerBook;
  readonly serving: ServingStore;
  /** The runtime's prediction log, flushed after each day so the monitor sees the day. */
  readonly log: PredictionLog;
  readonly deployment: string;
  readonly requestsPerDay: number;
  readonly labelDelayDays: number;
  readonly seed: number;
  /** Where a stopped replay got to (`state()` of the previous one). */
  readonly state?: TrafficState;
}

/**
 * The demo's scoring traffic and its delayed labels: each simulated day a sample of subscribed
 * customers is scored, one request each naming only the customer (the deployment looks up
 * their features in the online store); whether each customer churned is fed back
 * `labelDelayDays` later, joined to the prediction by its request id.
 *
 * @example
 * ```ts
 * const traffic = new TrafficReplay({ book, serving, log, deployment: "churn", requestsPerDay: 400, labelDelayDays: 14, seed: 7 });
 * await traffic.scoreDay(runtime, day);
 * await traffic.feedBack(day);
 * ```
 */
export class TrafficReplay {
  readonly #o: TrafficReplayOptions;
  readonly #pending: PendingLabel[] = [];
  /** The days replayed so far, with the real spans their predictions were logged in. */
  readonly loggedDays: LoggedDay[] = [];
  /** Requests served per variant. */
  readonly predictions: Record<string, number> = {};
  /** Labels fed back so far. */
  feedback = 0;

  constructor(options: TrafficReplayOptions) {
    this.#o = options;
    const state = options.state;
    if (state !== undefined) {
      this.#pending.push(...state.pending);
      this.loggedDays.push(...state.loggedDays);
      Object.assign(this.predictions, state.predictions);
      this.feedback = state.feedback;
    }
  }

  /** What a resumed replay needs to go on where this one is. */
  state(): TrafficState {
    return {
      pending: [...this.#pending],
      loggedDays: [...this.loggedDays],
      predictions: { ...this.predictions },
      feedback: this.feedback,
    };
  }

  /** Scores the day's sample, one request per customer, and flushes the log. */
  async scoreDay(runtime: ServingRuntime, dayMs: number): Promise<void> {
    const o = this.#o;
    const ids = o.book.sample(dayMs, o.requestsPerDay, o.seed);
    const realFrom = Date.now();
    const day = new Date(dayMs).toISOString().slice(0, 10);
    for (const id of ids) {
      const requestId = `${day}-${id}`;
      const result = await runtime.predict(
        o.deployment,
        parseScoringJson({ records: [{ customer_id: id }] }),
        { requestId },
      );
      this.predictions[result.variant] = (this.predictions[result.variant] ?? 0) + 1;
      this.#pending.push({ requestId, customerId: id, dayMs });
    }
    await runtime.settle();
    await o.log.flush();
    this.loggedDays.push({ simFrom: dayMs, realFrom, realTo: Date.now() });
  }

  /** Records the labels due by the day: did each customer scored `labelDelayDays` ago churn since? */
  async feedBack(dayMs: number): Promise<void> {
    const o = this.#o;
    const due = dayMs - o.labelDelayDays * DAY_MS;
    while ((this.#pending[0]?.dayMs ?? Number.POSITIVE_INFINITY) <= due) {
      const p = this.#pending.shift() as PendingLabel;
      await o.serving.recordFeedback({
        deployment: o.deployment,
        requestId: p.requestId,
        label: o.book.label(p.customerId, p.dayMs),
        time: Date.now(),
      });
      this.feedback++;
    }
  }
}
