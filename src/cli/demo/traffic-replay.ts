import {
  type PredictionLog,
  parseScoringJson,
  type ServingRuntime,
  type ServingStore,
} from "../../serve/index.js";
import type { CustomerBook } from "./customer-book.js";
import type { PendingLabel, TrafficState } from "./demo-checkpoint.js";

const DAY_MS = 86_400_000;
/** Requests arrive from 08:00 to 20:00 of their simulated day. */
const OPEN_MS = 8 * 3_600_000;
const BUSINESS_DAY_MS = 12 * 3_600_000;

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
  /** Requests served per variant. */
  readonly predictions: Record<string, number> = {};
  /** Labels fed back so far. */
  feedback = 0;

  constructor(options: TrafficReplayOptions) {
    this.#o = options;
    const state = options.state;
    if (state !== undefined) {
      this.#pending.push(...state.pending);
      Object.assign(this.predictions, state.predictions);
      this.feedback = state.feedback;
    }
  }

  /** What a resumed replay needs to go on where this one is. */
  state(): TrafficState {
    return {
      pending: [...this.#pending],
      predictions: { ...this.predictions },
      feedback: this.feedback,
    };
  }

  /** Scores the day's sample, one request per customer at simulated times, and flushes the log. */
  async scoreDay(runtime: ServingRuntime, dayMs: number): Promise<void> {
    const o = this.#o;
    const ids = o.book.sample(dayMs, o.requestsPerDay, o.seed);
    const day = new Date(dayMs).toISOString().slice(0, 10);
    for (const [i, id] of ids.entries()) {
      const requestId = `${day}-${id}`;
      const result = await runtime.predict(
        o.deployment,
        parseScoringJson({ records: [{ customer_id: id }] }),
        // Business hours of the simulated day: the log, the monitor's windows and the
        // features' TTL all go by this time, not by when the replay ran.
        { requestId, time: dayMs + OPEN_MS + Math.floor((i * BUSINESS_DAY_MS) / ids.length) },
      );
      this.predictions[result.variant] = (this.predictions[result.variant] ?? 0) + 1;
      this.#pending.push({ requestId, customerId: id, dayMs });
    }
    await runtime.settle();
    await o.log.flush();
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
        time: dayMs + OPEN_MS,
      });
      this.feedback++;
    }
  }
}
