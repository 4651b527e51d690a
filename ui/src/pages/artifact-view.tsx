import { useEffect, useState } from "preact/hooks";
import { artifactBytes, mlflowGet } from "../api";
import { bytes } from "../format";
import type { FileInfo } from "../types";

const TEXT =
  /\.(txt|log|json|jsonl|csv|tsv|md|yaml|yml|toml|py|ts|js|sql|ini|cfg|xml|mlmodel)$|(^|\/)MLmodel$/i;
const IMAGE = /\.(png|jpe?g|gif|webp|svg)$/i;
const HTML = /\.html?$/i;
/** Larger files are offered for download rather than shown inline. */
const INLINE_LIMIT = 2 * 1024 * 1024;

type Preview =
  | { kind: "text"; text: string }
  | { kind: "html"; html: string }
  | { kind: "image"; url: string }
  | { kind: "binary"; url: string }
  | { kind: "error"; message: string };

/** One artifact shown inline: text as text, images as images, HTML in a sandboxed frame. */
function ArtifactPreview(props: { experimentId: string; runId: string; file: FileInfo }) {
  const [preview, setPreview] = useState<Preview | null>(null);
  useEffect(() => {
    let url: string | undefined;
    setPreview(null);
    artifactBytes(props.experimentId, props.runId, props.file.path).then(
      async (blob) => {
        const path = props.file.path;
        if (blob.size <= INLINE_LIMIT && HTML.test(path))
          setPreview({ kind: "html", html: await blob.text() });
        else if (blob.size <= INLINE_LIMIT && TEXT.test(path))
          setPreview({ kind: "text", text: await blob.text() });
        else {
          // SVG from a run could carry script; as an <img> it cannot run.
          const typed = IMAGE.test(path)
            ? new Blob([blob], {
                type: path.toLowerCase().endsWith(".svg") ? "image/svg+xml" : "image/*",
              })
            : blob;
          url = URL.createObjectURL(typed);
          setPreview({ kind: IMAGE.test(path) ? "image" : "binary", url });
        }
      },
      (e: unknown) => setPreview({ kind: "error", message: String(e) }),
    );
    return () => {
      if (url !== undefined) URL.revokeObjectURL(url);
    };
  }, [props.experimentId, props.runId, props.file.path]);
  if (preview === null) return <p class="muted">Loading {props.file.path}…</p>;
  const name = props.file.path.split("/").pop() ?? props.file.path;
  switch (preview.kind) {
    case "text":
      return <pre class="artifact-text">{preview.text}</pre>;
    case "html":
      // No `allow-scripts`: a report's markup and styles render, its scripts do not run.
      return <iframe class="artifact-html" title={name} sandbox="" srcdoc={preview.html} />;
    case "image":
      return <img class="artifact-image" src={preview.url} alt={name} />;
    case "binary":
      return (
        <p>
          Binary file, {bytes(props.file.file_size)}:{" "}
          <a href={preview.url} download={name}>
            download {name}
          </a>
        </p>
      );
    case "error":
      return (
        <p class="error" role="alert">
          {preview.message}
        </p>
      );
  }
}

/** A run's artifact tree, one folder at a time, with the chosen file shown below. @example `<Artifacts experimentId="1" runId={runId} />` */
export function Artifacts(props: { experimentId: string; runId: string }) {
  const [dir, setDir] = useState("");
  const [files, setFiles] = useState<FileInfo[] | { error: string } | null>(null);
  const [open, setOpen] = useState<FileInfo | null>(null);
  useEffect(() => {
    setFiles(null);
    mlflowGet<{ files?: FileInfo[] }>("artifacts/list", {
      run_id: props.runId,
      path: dir || undefined,
    }).then(
      (a) => setFiles(a.files ?? []),
      (e: unknown) => setFiles({ error: String(e) }),
    );
  }, [props.runId, dir]);
  const up = dir.includes("/") ? dir.slice(0, dir.lastIndexOf("/")) : "";
  return (
    <div class="artifacts">
      {files === null && <p class="muted">Loading artifacts…</p>}
      {files !== null && "error" in files && (
        <p class="error" role="alert">
          {files.error}
        </p>
      )}
      {Array.isArray(files) && (
        <ul class="file-list">
          {dir !== "" && (
            <li>
              <button type="button" class="link" onClick={() => setDir(up)}>
                ../
              </button>
            </li>
          )}
          {files.length === 0 && <li class="muted">No artifacts.</li>}
          {files.map((f) => (
            <li key={f.path}>
              <button
                type="button"
                class="link"
                aria-pressed={open?.path === f.path}
                onClick={() => (f.is_dir ? setDir(f.path) : setOpen(f))}
              >
                {f.path.slice(dir === "" ? 0 : dir.length + 1)}
                {f.is_dir ? "/" : ""}
              </button>{" "}
              <span class="muted">{f.is_dir ? "" : bytes(f.file_size)}</span>
            </li>
          ))}
        </ul>
      )}
      {open !== null && (
        <ArtifactPreview experimentId={props.experimentId} runId={props.runId} file={open} />
      )}
    </div>
  );
}
