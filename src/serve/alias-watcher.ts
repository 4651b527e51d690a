import { sql } from "kysely";
import { type Logger, nullLogger, toKeelError } from "../core/index.js";
import { ALIAS_CHANNEL, parseModelUri, type Tracking } from "../track/index.js";

/**
 * A running alias watch.
 *
 * @example
 * ```ts
 * const watcher = watchAliases(tracking, ["models:/churn@champion"], swap);
 * await watcher.ready;
 * await watcher.close();
 * ```
 */
export interface AliasWatcher {
  /** Resolves after the first look at the aliases (and, on PostgreSQL, once LISTEN is set up). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Options of {@link watchAliases}.
 *
 * @example
 * ```ts
 * const options: WatchAliasesOptions = { intervalMs: 1000, known: { "models:/churn@champion": 3 } };
 * ```
 */
export interface WatchAliasesOptions {
  /** How often to poll the alias table. Default 2000 ms. */
  readonly intervalMs?: number;
  /**
   * The versions the caller already serves, by ref. A ref whose alias points elsewhere at the
   * first look is reported at once (the alias moved while the caller was loading). Refs not
   * listed are taken as they are at the first look.
   */
  readonly known?: Readonly<Record<string, number>>;
  /** Hears failed polls and callback errors (the watch keeps going). */
  readonly logger?: Logger;
}

/**
 * Watches registry aliases (`models:/NAME@ALIAS` refs; other refs never move and are
 * ignored) and calls `onChange(ref, version)` when one moves — by a promotion, a rollback,
 * from any process. It polls the alias table every `intervalMs`; on PostgreSQL it also
 * LISTENs for the registry's NOTIFY on alias moves and looks at once, so a move is seen in
 * milliseconds. An alias that is deleted is not reported (the caller keeps what it serves).
 * Callbacks run one at a time, in the order the moves were seen.
 *
 * @example
 * ```ts
 * const watcher = watchAliases(tracking, ["models:/churn@champion"], (ref, version) => {
 *   runtime.swap(ref, version);
 * });
 * ```
 */
export function watchAliases(
  tracking: Tracking,
  refs: readonly string[],
  onChange: (ref: string, version: number) => void | Promise<void>,
  options: WatchAliasesOptions = {},
): AliasWatcher {
  return new PollingAliasWatcher(tracking, refs, onChange, options);
}

interface WatchedRef {
  readonly ref: string;
  readonly name: string;
  readonly alias: string;
}

class PollingAliasWatcher implements AliasWatcher {
  readonly ready: Promise<void>;
  readonly #tracking: Tracking;
  readonly #refs: readonly WatchedRef[];
  readonly #onChange: (ref: string, version: number) => void | Promise<void>;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  readonly #versions = new Map<string, number>();
  /** Refs whose alias was deleted, so the warning is given once per deletion. */
  readonly #gone = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  #again = false;
  #closed = false;
  #subscription: { close(): Promise<void> } | undefined;

  constructor(
    tracking: Tracking,
    refs: readonly string[],
    onChange: (ref: string, version: number) => void | Promise<void>,
    options: WatchAliasesOptions,
  ) {
    this.#tracking = tracking;
    this.#onChange = onChange;
    this.#intervalMs = options.intervalMs ?? 2000;
    this.#logger = options.logger ?? nullLogger;
    this.#refs = refs.flatMap((ref) => {
      const parsed = parseModelUri(ref);
      return parsed.alias === undefined ? [] : [{ ref, name: parsed.name, alias: parsed.alias }];
    });
    for (const [ref, version] of Object.entries(options.known ?? {}))
      this.#versions.set(ref, version);
    this.ready = this.#start();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.ready.catch(() => undefined);
    await this.#subscription?.close();
    this.#subscription = undefined;
    await this.#checking?.catch(() => undefined);
  }

  async #start(): Promise<void> {
    if (this.#refs.length === 0) return;
    await this.#check(true);
    const { database } = this.#tracking;
    if (database.listen !== undefined && !this.#closed) {
      const schema = await sql<{ schema: string }>`select current_schema() as schema`.execute(
        database.db,
      );
      const prefix = `${schema.rows[0]?.schema ?? ""}:`;
      const watched = new Set(this.#refs.map((r) => `${prefix}${r.name}@${r.alias}`));
      this.#subscription = await database.listen(
        ALIAS_CHANNEL,
        (payload) => {
          if (watched.has(payload)) this.#kick();
        },
        (error) => this.#report("the LISTEN connection was lost; polling continues", error),
      );
      // A move committed between the first look and LISTEN would otherwise wait for a poll.
      await this.#check(false);
    }
    this.#arm();
  }

  #arm(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#kick();
      this.#arm();
    }, this.#intervalMs);
    this.#timer.unref();
  }

  #kick(): void {
    this.#check(false).catch((error: unknown) => this.#report("polling the aliases failed", error));
  }

  /** One look at a time; a look asked for during one runs right after it. */
  #check(first: boolean): Promise<void> {
    if (this.#checking !== undefined) {
      this.#again = true;
      return this.#checking;
    }
    this.#checking = this.#look(first).finally(() => {
      this.#checking = undefined;
      if (this.#again && !this.#closed) {
        this.#again = false;
        this.#kick();
      }
    });
    return this.#checking;
  }

  async #look(first: boolean): Promise<void> {
    if (this.#closed) return;
    const names = [...new Set(this.#refs.map((r) => r.name))];
    const rows = await this.#tracking.database.db
      .selectFrom("registered_model_aliases")
      .select(["name", "alias", "version"])
      .where("name", "in", names)
      .execute();
    const current = new Map(rows.map((r) => [`${r.name}@${r.alias}`, Number(r.version)]));
    for (const watched of this.#refs) {
      const version = current.get(`${watched.name}@${watched.alias}`);
      if (this.#closed) continue;
      if (version === undefined) {
        // The old model keeps serving (no request fails), but an operator must hear of it once.
        if (!this.#gone.has(watched.ref)) {
          this.#gone.add(watched.ref);
          const serving = this.#versions.get(watched.ref);
          this.#logger.warn(
            `alias watcher: ${watched.ref} no longer resolves (its alias or version was deleted); ${serving === undefined ? "nothing loaded from it" : `still serving version ${serving}`}`,
          );
        }
        continue;
      }
      this.#gone.delete(watched.ref);
      const before = this.#versions.get(watched.ref);
      this.#versions.set(watched.ref, version);
      if (before === version || (first && before === undefined)) continue;
      try {
        await this.#onChange(watched.ref, version);
      } catch (error) {
        this.#report(
          `the alias change handler failed for ${watched.ref} → version ${version}`,
          error,
        );
      }
    }
  }

  #report(message: string, error: unknown): void {
    const e = toKeelError(error);
    this.#logger.error(`alias watcher: ${message}`, { code: e.code, message: e.message });
  }
}
