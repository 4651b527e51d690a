/**
 * How big a `keel demo` story is: the simulated business, the weeks replayed and the search.
 * The full story follows the design (50 TPE trials, 5-fold CV, 8 weeks replayed after 12 of history); `--fast` keeps every
 * stage but shrinks the business and the search so that the story ends in minutes on two cores.
 *
 * @example
 * ```ts
 * const settings = demoSettings(true);
 * settings.trials; // 6
 * ```
 */
export interface DemoSettings {
  /** Seed of the simulated business. */
  readonly seed: number;
  /** Customers at the simulation's first day. */
  readonly customers: number;
  /** Weeks simulated; the first `replayFromWeek` are history the replay starts after. */
  readonly weeks: number;
  readonly replayFromWeek: number;
  /** The week the price increase and the support outage start. */
  readonly changeWeek: number;
  /** Day 0 of the simulation, a Monday. */
  readonly start: string;
  /** `train-weekly` params: TPE trials, CV folds, weekly label snapshots in a training set. */
  readonly trials: number;
  readonly folds: number;
  readonly snapshots: number;
  /** Scoring requests replayed per simulated day (one customer each). */
  readonly requestsPerDay: number;
  /** Days until a scored customer's churn label arrives as feedback. */
  readonly labelDelayDays: number;
}

/**
 * The settings of the full story, or of `--fast`.
 *
 * @example
 * ```ts
 * demoSettings(false).trials; // 50
 * ```
 */
export function demoSettings(fast: boolean): DemoSettings {
  const shared = { seed: 7, start: "2026-01-05", folds: 5, labelDelayDays: 14 };
  return fast
    ? {
        ...shared,
        customers: 1200,
        weeks: 14,
        replayFromWeek: 10,
        changeWeek: 12,
        trials: 6,
        snapshots: 3,
        requestsPerDay: 400,
      }
    : {
        ...shared,
        customers: 2000,
        weeks: 20,
        replayFromWeek: 12,
        changeWeek: 16,
        trials: 50,
        snapshots: 3,
        requestsPerDay: 600,
      };
}
