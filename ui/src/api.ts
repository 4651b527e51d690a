/** The dashboard's only way to the server: keel's HTTP API, with the same token rules as any client. */

const TOKEN_KEY = "keel.token";

/** An API answer that was not 2xx, with MLflow's error code and message. @example `if (e instanceof ApiError && e.status === 401) location.hash = "#/token";` */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The bearer token the user gave for this tab (sessionStorage: gone when the tab closes). @example `const t = token(); // null when none was given` */
export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Keeps (or, with an empty string, forgets) the token for this tab. @example `setToken("s3cret");` */
export function setToken(value: string): void {
  if (value === "") sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, value);
}

type Query = Record<string, string | number | undefined>;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  const t = token();
  if (t !== null) headers.authorization = `Bearer ${t}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) {
    let code = `HTTP_${response.status}`;
    let message = response.statusText;
    try {
      const error = (await response.json()) as { error_code?: string; message?: string };
      code = error.error_code ?? code;
      message = error.message ?? message;
    } catch {
      // Not JSON (a proxy's error page): the status line says enough.
    }
    throw new ApiError(response.status, code, message);
  }
  return (await response.json()) as T;
}

function withQuery(path: string, query: Query): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) search.set(k, String(v));
  const text = search.toString();
  return text === "" ? path : `${path}?${text}`;
}

const MLFLOW = "/ajax-api/2.0/mlflow";

/** GET an MLflow endpoint (`/ajax-api/2.0/mlflow/<path>`). @example `await mlflowGet("runs/get", { run_id: id });` */
export function mlflowGet<T>(path: string, query: Query = {}): Promise<T> {
  return call<T>("GET", withQuery(`${MLFLOW}/${path}`, query));
}

/** POST an MLflow endpoint with a JSON body. @example `await mlflowPost("runs/search", { experiment_ids: ["1"] });` */
export function mlflowPost<T>(path: string, body: unknown): Promise<T> {
  return call<T>("POST", `${MLFLOW}/${path}`, body);
}

/** GET one of keel's own endpoints (`/v1/<path>`). @example `await keelGet("models/alias-history", { name: "churn" });` */
export function keelGet<T>(path: string, query: Query = {}): Promise<T> {
  return call<T>("GET", withQuery(`/v1/${path}`, query));
}

/** POST one of keel's own endpoints with a JSON body. @example `await keelPost("models/rollback", { name: "churn", alias: "champion" });` */
export function keelPost<T>(path: string, body: unknown): Promise<T> {
  return call<T>("POST", `/v1/${path}`, body);
}

/** The raw bytes of a run's artifact, through the artifact proxy. @example `const blob = await artifactBytes("1", runId, "report/index.html");` */
export async function artifactBytes(
  experimentId: string,
  runId: string,
  path: string,
): Promise<Blob> {
  const headers: Record<string, string> = {};
  const t = token();
  if (t !== null) headers.authorization = `Bearer ${t}`;
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  const response = await fetch(
    `/api/2.0/mlflow-artifacts/artifacts/${encodeURIComponent(experimentId)}/${encodeURIComponent(runId)}/artifacts/${encoded}`,
    { headers },
  );
  if (!response.ok) throw new ApiError(response.status, `HTTP_${response.status}`, path);
  return response.blob();
}
