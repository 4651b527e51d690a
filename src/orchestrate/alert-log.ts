import type { Alert, AlertLog } from "../monitor/index.js";
import type { MonitoringStore } from "../store/index.js";

/**
 * The metadata store's deliveries as the monitor module's alert log (cooldowns and
 * `keel monitor alerts` read the same records, whoever raised the alert: a monitor run or a
 * feature freshness check).
 *
 * @example
 * ```ts
 * const log = alertLogOf(new MonitoringStore(db));
 * ```
 */
export function alertLogOf(store: MonitoringStore): AlertLog {
  return {
    record: (d) => store.record(d),
    // The stored alert is the JSON keel wrote from an Alert.
    lastDelivered: async (monitor, kind, sink) => {
      const last = await store.lastDelivery(monitor, kind, sink);
      return last && { at: last.at, alert: last.alert as Alert };
    },
    list: async (o) => (await store.list(o)).map((d) => ({ ...d, alert: d.alert as Alert })),
  };
}
