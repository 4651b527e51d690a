import type { ModelBundle } from "../models/index.js";
import type { Tracking } from "../track/index.js";
import { loadModelRef } from "./open-model-bundle.js";

/**
 * A loaded model as serving holds it: immutable, so a request that took a handle finishes on
 * that model even when the slot moves to a newer version mid-request.
 *
 * @example
 * ```ts
 * const handle = slots.get("models:/churn@champion");
 * handle?.version; // "7"
 * ```
 */
export interface ModelHandle {
  readonly ref: string;
  readonly bundle: ModelBundle;
  /** The registered version (`"7"`) or `"local"` for a bundle directory. */
  readonly version: string;
}

/**
 * The models of a server, one slot per model reference (a `models:/` URI or a directory).
 * {@link ModelSlots.reload} loads a new version in the background and then replaces the slot's
 * handle in one assignment: requests that already took the old handle keep it, later ones get
 * the new one, and a load that fails leaves the old model serving.
 *
 * @example
 * ```ts
 * const slots = new ModelSlots(tracking, process.cwd());
 * await slots.load("models:/churn@champion");
 * ```
 */
export class ModelSlots {
  readonly #tracking: Tracking;
  readonly #cwd: string;
  readonly #handles = new Map<string, ModelHandle>();
  readonly #loading = new Map<string, Promise<ModelHandle>>();

  constructor(tracking: Tracking, cwd: string) {
    this.#tracking = tracking;
    this.#cwd = cwd;
  }

  /**
   * The current handle of a reference, if loaded.
   *
   * @example
   * ```ts
   * slots.get("models/churn")?.bundle.task;
   * ```
   */
  get(ref: string): ModelHandle | undefined {
    return this.#handles.get(ref);
  }

  /**
   * Loads a reference once (concurrent calls share the load) and fills its slot.
   *
   * @example
   * ```ts
   * const handle = await slots.load("models:/churn/3");
   * ```
   */
  load(ref: string): Promise<ModelHandle> {
    const have = this.#handles.get(ref);
    if (have) return Promise.resolve(have);
    return this.reload(ref);
  }

  /**
   * Loads the reference again (an alias that moved resolves to its new version) and swaps the
   * slot when the version differs; concurrent reloads of one reference share one load. A failed
   * load rejects and leaves the slot as it was.
   *
   * @example
   * ```ts
   * await slots.reload("models:/churn@champion"); // now serving the alias's new version
   * ```
   */
  reload(ref: string): Promise<ModelHandle> {
    const running = this.#loading.get(ref);
    if (running) return running;
    const load = (async () => {
      try {
        const { bundle, version } = await loadModelRef(this.#tracking, this.#cwd, ref);
        const current = this.#handles.get(ref);
        if (current && current.version === version && version !== "local") return current;
        const handle: ModelHandle = { ref, bundle, version };
        this.#handles.set(ref, handle);
        return handle;
      } finally {
        this.#loading.delete(ref);
      }
    })();
    this.#loading.set(ref, load);
    return load;
  }
}
