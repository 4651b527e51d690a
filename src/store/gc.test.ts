import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ArtifactStore } from "./artifact-store.js";
import { openDatabase } from "./database.js";
import { collectGarbage } from "./gc.js";

const root = mkdtempSync(join(tmpdir(), "keel-gc-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const digest = (prefix: string) => prefix + "0".repeat(62);
const old = (path: string) => utimesSync(path, new Date(0), new Date(0));

describe.skipIf(process.platform === "win32")("collectGarbage on a tampered store", () => {
  it("deletes regular orphan files only, never through a symbolic link, and skips what it does not know", async () => {
    const project = join(root, "project");
    const outside = join(root, "outside");
    mkdirSync(outside, { recursive: true });
    const database = await openDatabase({ root: project });
    const artifacts = new ArtifactStore(join(project, ".keel", "artifacts"));
    const blobs = join(artifacts.root, "sha256");
    mkdirSync(join(blobs, "11"), { recursive: true });

    // A shard directory that is a link out of the store, holding a digest-named file.
    writeFileSync(join(outside, digest("ab")), "precious");
    symlinkSync(outside, join(blobs, "ab"));
    // A blob that is a link to a file outside.
    writeFileSync(join(outside, "target.txt"), "also precious");
    mkdirSync(join(blobs, "cd"));
    symlinkSync(join(outside, "target.txt"), join(blobs, "cd", digest("cd")));
    // A referenced row whose count dropped to zero, reached through the linked shard.
    await database.write((tx) =>
      tx
        .insertInto("blobs")
        .values({ sha256: digest("ab"), size: 8, ref_count: 0, created_at: 0 })
        .execute(),
    );
    // Strays: a file where shards live, an unknown directory, odd names, a directory in tmp.
    writeFileSync(join(blobs, "README"), "stray");
    mkdirSync(join(blobs, "zz"));
    writeFileSync(join(blobs, "11", "notes.txt"), "stray");
    mkdirSync(join(blobs, "11", digest("11")));
    mkdirSync(join(artifacts.root, "tmp", "dir.part"), { recursive: true });
    // A real orphan: the only thing that should go.
    mkdirSync(join(blobs, "ef"));
    const orphan = join(blobs, "ef", digest("ef"));
    writeFileSync(orphan, "orphan");
    old(orphan);

    const report = await collectGarbage(database, artifacts, { graceMs: 0 });
    expect(report.orphansDeleted).toBe(1);
    expect(existsSync(orphan)).toBe(false);
    expect(readFileSync(join(outside, digest("ab")), "utf8")).toBe("precious");
    expect(readFileSync(join(outside, "target.txt"), "utf8")).toBe("also precious");
    for (const stray of ["README", "zz", join("11", "notes.txt"), join("11", digest("11"))])
      expect(existsSync(join(blobs, stray)), stray).toBe(true);
    expect(existsSync(join(artifacts.root, "tmp", "dir.part"))).toBe(true);
    await database.close();
  });
});
