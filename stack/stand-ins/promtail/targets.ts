// File targets: each static_config's `__path__` glob is re-evaluated every
// target_config.sync_period; every matching file is tailed from its position in the
// positions file (or from the start when new), lines go through the scrape config's
// pipeline with the target's labels plus `filename`, and on to the client. A file
// smaller than its saved position was truncated and is read again from 0.
// Readiness is upstream's: ready while at least one file is being tailed.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import type { Counter, Gauge } from "../exposition.js";
import type { Logger } from "../logfmt.js";
import type { LokiClient } from "./client.js";
import type { PromtailConfig, ScrapeConfig } from "./config.js";
import { runPipeline } from "./pipeline.js";

/** A glob (`*`, `?`, `[...]`, `**`) as an anchored regular expression over a path. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? "";
    if (c === "*" && glob[i + 1] === "*") {
      re += ".*";
      i++;
      if (glob[i + 1] === "/") i++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, "^")}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** Regular files matching the glob (walks from its last directory without wildcards). */
export function expandGlob(glob: string): string[] {
  const firstWild = glob.search(/[*?[]/);
  if (firstWild < 0) return existsSync(glob) && statSync(glob).isFile() ? [glob] : [];
  const root = glob.slice(0, glob.lastIndexOf("/", firstWild) + 1) || "/";
  const re = globToRegExp(glob);
  const deep = glob.includes("**");
  const maxDepth = deep ? 32 : glob.slice(root.length).split("/").length;
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isFile() && re.test(full)) out.push(full);
      else if (e.isDirectory() && depth + 1 < maxDepth) walk(full, depth + 1);
    }
  };
  walk(root, 0);
  return out.sort();
}

export class Positions {
  private readonly offsets = new Map<string, number>();
  constructor(
    private readonly file: string,
    private readonly log: Logger,
  ) {
    try {
      const doc = parse(readFileSync(file, "utf8")) as { positions?: Record<string, string> } | null;
      for (const [p, v] of Object.entries(doc?.positions ?? {})) this.offsets.set(p, Number(v));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") this.log("warn", "error reading positions file, starting from scratch", { path: file, err: String(err) });
    }
  }
  get(path: string): number {
    return this.offsets.get(path) ?? 0;
  }
  put(path: string, offset: number): void {
    this.offsets.set(path, offset);
  }
  remove(path: string): void {
    this.offsets.delete(path);
  }
  /** Written atomically (temp file + rename), as upstream does. */
  save(): void {
    const positions = Object.fromEntries([...this.offsets.entries()].map(([p, o]) => [p, String(o)]));
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(`${this.file}.tmp`, stringify({ positions }));
      renameSync(`${this.file}.tmp`, this.file);
    } catch (err) {
      this.log("error", "error writing positions file", { error: String(err) });
    }
  }
}

interface Tail {
  path: string;
  labels: Record<string, string>;
  scrape: ScrapeConfig;
  offset: number;
  partial: string;
  busy: boolean;
}

export interface TargetMetrics {
  readBytes: Counter;
  readLines: Counter;
  fileBytes: Gauge;
  filesActive: Gauge;
  targetsActive: Gauge;
}

export class FileTargets {
  private readonly tails = new Map<string, Tail>();
  private readonly watchedDirs = new Set<string>();
  private syncTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private positionsTimer?: NodeJS.Timeout;
  readonly positions: Positions;

  constructor(
    private readonly cfg: PromtailConfig,
    private readonly client: LokiClient,
    private readonly metrics: TargetMetrics,
    private readonly log: Logger,
  ) {
    this.positions = new Positions(cfg.positionsFile, log);
  }

  start(): void {
    let targets = 0;
    for (const sc of this.cfg.scrapeConfigs) {
      for (const t of sc.targets) {
        const shown = Object.fromEntries(Object.entries(t.labels).filter(([k]) => !k.startsWith("__")));
        this.log("info", "Adding target", { key: `${t.path}:${labelSet(shown)}` });
        targets++;
      }
    }
    this.metrics.targetsActive.set({}, targets);
    this.sync();
    this.syncTimer = setInterval(() => this.sync(), this.cfg.targetSyncMs);
    this.pollTimer = setInterval(() => {
      for (const t of this.tails.values()) void this.read(t);
    }, 250);
    this.positionsTimer = setInterval(() => this.savePositions(), this.cfg.positionsSyncMs);
  }

  /** Re-evaluates every glob: new files start tailing, vanished ones stop. */
  sync(): void {
    const seen = new Set<string>();
    for (const sc of this.cfg.scrapeConfigs) {
      for (const t of sc.targets) {
        const dir = dirname(t.path.slice(0, (t.path.search(/[*?[]/) + 1 || t.path.length + 1) - 1) + "x");
        if (!this.watchedDirs.has(dir) && existsSync(dir)) {
          this.watchedDirs.add(dir);
          this.log("info", "watching new directory", { directory: dir });
        }
        const exclude = t.pathExclude ? globToRegExp(t.pathExclude) : undefined;
        const matches = expandGlob(t.path).filter((p) => !exclude?.test(p));
        if (matches.length === 0) this.log("debug", "no files matched requested path, nothing will be tailed", { path: t.path, pathExclude: t.pathExclude ?? "" });
        for (const path of matches) {
          seen.add(path);
          if (this.tails.has(path)) continue;
          const labels = Object.fromEntries(Object.entries(t.labels).filter(([k]) => !k.startsWith("__")));
          labels.filename = path;
          let offset = this.positions.get(path);
          const size = statSync(path).size;
          if (size < offset) offset = 0;
          this.tails.set(path, { path, labels, scrape: sc, offset, partial: "", busy: false });
          this.log("info", "tail routine: started", { component: "tailer", path });
          this.log("info", `Seeked ${path} - &{Offset:${offset} Whence:0}`);
        }
      }
    }
    for (const path of [...this.tails.keys()]) {
      if (!seen.has(path)) {
        this.tails.delete(path);
        this.log("info", "stopped tailing file", { component: "tailer", path });
        this.metrics.fileBytes.set({ path }, 0);
      }
    }
    this.metrics.filesActive.set({}, this.tails.size);
  }

  private async read(t: Tail): Promise<void> {
    if (t.busy) return;
    t.busy = true;
    try {
      let size: number;
      try {
        size = statSync(t.path).size;
      } catch {
        return; // gone: the next sync stops it
      }
      this.metrics.fileBytes.set({ path: t.path }, size);
      if (size < t.offset) {
        this.log("info", "file was truncated, re-reading from the start", { component: "tailer", path: t.path });
        t.offset = 0;
        t.partial = "";
      }
      if (size === t.offset) return;
      const fd = openSync(t.path, "r");
      const buf = Buffer.alloc(Math.min(size - t.offset, 1 << 20));
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, t.offset);
      } finally {
        closeSync(fd);
      }
      const text = t.partial + buf.subarray(0, n).toString("utf8");
      const lines = text.split("\n");
      t.partial = lines.pop() ?? "";
      let consumed = t.offset;
      for (const raw of lines) {
        const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
        consumed += Buffer.byteLength(raw) + 1;
        this.metrics.readLines.inc({ path: t.path });
        this.metrics.readBytes.inc({ path: t.path }, Buffer.byteLength(raw) + 1);
        const out = runPipeline(t.scrape.stages, { line, labels: { ...t.labels }, extracted: {} }, this.log);
        if (out) await this.client.handle({ labels: out.labels, ts: readTimestamp(), line: out.line });
        // The position covers every line handed to the client.
        t.offset = consumed;
        this.positions.put(t.path, consumed);
      }
      // Bytes of an unfinished last line are re-read next time, not counted.
      t.offset = consumed;
      t.partial = "";
    } finally {
      t.busy = false;
    }
  }

  savePositions(): void {
    this.positions.save();
  }

  ready(): boolean {
    return this.tails.size > 0;
  }

  stop(): void {
    clearInterval(this.syncTimer);
    clearInterval(this.pollTimer);
    clearInterval(this.positionsTimer);
    for (const t of this.tails.values()) this.log("info", "tail routine: exited", { component: "tailer", path: t.path });
    this.savePositions();
  }
}

let lastTs = 0n;
/** The read time in ns, strictly increasing (Go's time.Now() has ns resolution; Date.now() only ms). */
function readTimestamp(): bigint {
  const now = BigInt(Date.now()) * 1_000_000n;
  lastTs = now > lastTs ? now : lastTs + 1n;
  return lastTs;
}

function labelSet(labels: Record<string, string>): string {
  return `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(", ")}}`;
}
