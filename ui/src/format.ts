/** Display helpers shared by the pages. */

/** A timestamp (ms since the epoch) as local date and time, or an empty string. @example `when(Date.UTC(2026, 0, 2)); // "2026-01-02 00:00:00" in UTC` */
export function when(ms: number | undefined): string {
  if (ms === undefined || ms === 0) return "";
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A duration between two timestamps, e.g. `1m 12s`. @example `duration(0, 72_000); // "1m 12s"` */
export function duration(start: number | undefined, end: number | undefined): string {
  if (start === undefined || end === undefined || end < start) return "";
  const s = Math.round((end - start) / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** An elapsed time in ms: `340 ms` under a second, else as {@link duration}. @example `elapsed(340); // "340 ms"` */
export function elapsed(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : duration(0, ms);
}

/** A metric value with up to 4 significant decimals (integers stay integers). @example `num(0.123456); // "0.1235"` */
export function num(value: number | string | undefined): string {
  if (value === undefined) return "";
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) return String(value);
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 1e5 || Math.abs(n) < 1e-3 ? n.toExponential(3) : String(+n.toFixed(4));
}

/** A byte count as B, KB, MB. @example `bytes(2048); // "2.0 KB"` */
export function bytes(n: number | undefined): string {
  if (n === undefined) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
