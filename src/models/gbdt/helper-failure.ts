import { type MessagePort, receiveMessageOnPort } from "node:worker_threads";
import { KeelError } from "../../core/index.js";

/**
 * The error for kernel work shared with helper threads that failed: `failure` is what the
 * calling thread's own share threw (undefined when only a helper failed), `ports` the helpers'
 * error ports, whose messages say why. Retrying on one thread (`retry`) is only offered when a
 * helper failed: the kernel failing on the calling thread would fail there too.
 *
 * @example
 * ```ts
 * throw helperFailure("Predicting 200000 rows", "Predict with nThreads: 1", error, ports, {});
 * ```
 */
export function helperFailure(
  what: string,
  retry: string,
  failure: unknown,
  ports: readonly MessagePort[],
  details: Record<string, unknown>,
): KeelError {
  const messages = ports.flatMap((port) => {
    const received = receiveMessageOnPort(port);
    return received ? [String(received.message)] : [];
  });
  const reason =
    failure instanceof Error ? failure.message : (messages[0] ?? String(failure ?? "unknown"));
  const advice =
    failure === undefined
      ? `${retry} to use the calling thread only, and report this.`
      : "This is a bug in keel; please report it with the message.";
  return new KeelError(
    "KEEL_ERR_INTERNAL",
    `${what} with the WebAssembly kernels failed: ${reason}. ${advice}`,
    { details: { ...details, helperErrors: messages }, cause: failure },
  );
}

/**
 * The error for helper threads that stopped answering (see `waitForHelpers`).
 *
 * @example
 * ```ts
 * if (!waitForHelpers(control, PENDING, PROGRESS)) throw helpersStalled("Predicting 10 rows", "Predict with nThreads: 1", {});
 * ```
 */
export function helpersStalled(
  what: string,
  retry: string,
  details: Record<string, unknown>,
): KeelError {
  return new KeelError(
    "KEEL_ERR_INTERNAL",
    `${what}: a helper thread stopped responding (it may have failed to start or run out of memory). ${retry} to use the calling thread only.`,
    { details },
  );
}
