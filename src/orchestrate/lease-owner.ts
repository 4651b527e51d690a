import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

/**
 * A lease owner id for this process: `host:pid:nonce`.
 *
 * @example
 * ```ts
 * const owner = newLeaseOwner(); // "ml-box:4242:9f3c1a"
 * ```
 */
export function newLeaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

/**
 * Whether a lease owner is certainly gone: a process on this host whose pid no longer exists.
 * An owner on another host is never declared dead here; its lease lapses when its heartbeats
 * stop. This is what lets `--resume` continue at once after a runner was killed, without
 * waiting for its lease to run out.
 *
 * @example
 * ```ts
 * isOwnerDead("ml-box:4242:9f3c1a"); // true once process 4242 has exited
 * ```
 */
export function isOwnerDead(owner: string): boolean {
  const [host, pidText] = owner.split(":");
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
