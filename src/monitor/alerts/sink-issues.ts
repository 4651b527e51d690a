/**
 * What is wrong with a list of alert sinks from a config, one line per problem with its path
 * (`monitors[0].alerts.sinks[1].url: expected an http(s) URL`); empty when all are valid.
 * Monitors and the feature store's freshness alerts check their sinks with it.
 *
 * @example
 * ```ts
 * alertSinkIssues([{ type: "webhook", url: "ftp://x" }], "freshnessAlerts.sinks");
 * // ["freshnessAlerts.sinks[0].url: expected an http(s) URL"]
 * ```
 */
export function alertSinkIssues(sinks: readonly unknown[], at: string): string[] {
  const issues: string[] = [];
  sinks.forEach((s: unknown, k) => {
    const sink = s as Record<string, unknown> | null;
    const where = `${at}[${k}]`;
    if (!sink || !["log", "file", "webhook", "pipeline"].includes(String(sink.type)))
      issues.push(`${where}.type: expected log, file, webhook or pipeline`);
    else if (
      sink.type === "pipeline" &&
      (typeof sink.pipeline !== "string" || sink.pipeline === "")
    )
      issues.push(`${where}.pipeline: expected the name of a pipeline of this config`);
    else if (
      sink.type === "pipeline" &&
      sink.params !== undefined &&
      (typeof sink.params !== "object" || sink.params === null || Array.isArray(sink.params))
    )
      issues.push(`${where}.params: expected an object of run params`);
    else if (sink.type === "file" && typeof sink.path !== "string")
      issues.push(`${where}.path: expected a file path`);
    else if (sink.type === "webhook" && !/^https?:\/\//.test(String(sink.url)))
      issues.push(`${where}.url: expected an http(s) URL`);
  });
  return issues;
}
