// The stand-in's ingester and storage, modelled on single-binary Loki with filesystem
// storage, because the runbook's "Loki storage full" (step 9.5c) depends on it:
//  - every push is appended to a write-ahead log under <path_prefix>/wal before it is
//    acknowledged; entries live in memory and are queryable at once;
//  - a stream's unflushed entries are written as a chunk file under the chunks directory
//    when idle for chunk_idle_period or older than max_chunk_age (checked every
//    flush_check_period); a failed flush is logged and retried, the entries stay in memory;
//  - when the WAL's disk is full, Loki does not fail the push: it counts
//    loki_ingester_wal_disk_full_failures_total and goes on without the WAL (upstream
//    docs, operations/storage/wal.md, "No space left on disk"). Those entries are lost if
//    Loki restarts before they are flushed;
//  - on start, chunk files are loaded and the WAL replayed, so a restart keeps whatever
//    reached the disk.
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../logfmt.js";
import type { PushEntry, PushStream } from "./push.js";
import { labelString } from "./push.js";
import { lineFilter, matchesLabels, type LogQuery, type Matcher } from "./logql.js";

export interface StoredEntry extends PushEntry {}

interface Stream {
  key: string;
  labels: Record<string, string>;
  /** Every entry, oldest first. */
  entries: StoredEntry[];
  seen: Set<string>;
  /** Entries not yet in a chunk file. */
  pending: StoredEntry[];
  firstPendingAt: number;
  lastAppendAt: number;
}

export interface StoreOptions {
  chunksDir: string;
  walDir: string;
  walEnabled: boolean;
  chunkIdleMs: number;
  maxChunkAgeMs: number;
  log: Logger;
  /** Called for WAL/flush outcomes, for metrics. */
  events?: {
    walDiskFull?: () => void;
    chunkFlushed?: (reason: "idle" | "max_age") => void;
    flushFailed?: () => void;
  };
}

export const TENANT = "fake"; // Loki's tenant when auth_enabled is false

function entryKey(e: PushEntry): string {
  return `${e.ts}\u0000${e.line}`;
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export class LokiStore {
  private readonly streams = new Map<string, Stream>();
  private walFd: number | undefined;
  private walSeq = 0;
  private walDiskFullLogged = false;
  private readonly opts: StoreOptions;

  constructor(opts: StoreOptions) {
    this.opts = opts;
  }

  /** Create the directories, load chunk files, replay the WAL, open a new WAL segment. */
  open(): { chunks: number; walEntries: number } {
    mkdirSync(join(this.opts.chunksDir, TENANT), { recursive: true });
    let chunks = 0;
    for (const name of readdirSync(join(this.opts.chunksDir, TENANT))) {
      const file = join(this.opts.chunksDir, TENANT, name);
      try {
        const doc = JSON.parse(readFileSync(file, "utf8")) as { labels: Record<string, string>; entries: [string, string, Record<string, string>?][] };
        for (const [ts, line, meta] of doc.entries) this.add(doc.labels, { ts: BigInt(ts), line, ...(meta ? { structuredMetadata: meta } : {}) }, false);
        chunks++;
      } catch (err) {
        this.opts.log("warn", "skipping unreadable chunk", { file, err: String(err) });
      }
    }
    let walEntries = 0;
    if (this.opts.walEnabled) {
      mkdirSync(this.opts.walDir, { recursive: true });
      const segments = readdirSync(this.opts.walDir).filter((n) => /^\d{8}$/.test(n)).sort();
      if (segments.length > 0) this.opts.log("info", "recovering from WAL", { dir: this.opts.walDir, segments: segments.length });
      for (const seg of segments) {
        // Only regular files are segments (a device or directory here is not ours to read).
        if (!statSync(join(this.opts.walDir, seg)).isFile()) continue;
        this.walSeq = Math.max(this.walSeq, Number(seg));
        for (const line of readFileSync(join(this.opts.walDir, seg), "utf8").split("\n")) {
          if (!line) continue;
          try {
            const rec = JSON.parse(line) as { labels: Record<string, string>; entries: [string, string, Record<string, string>?][] };
            for (const [ts, l, meta] of rec.entries) {
              if (this.add(rec.labels, { ts: BigInt(ts), line: l, ...(meta ? { structuredMetadata: meta } : {}) }, true)) walEntries++;
            }
          } catch {
            // A record cut short by a crash or a full disk: Loki skips what it cannot decode.
            this.opts.log("warn", "skipping corrupt WAL record", { segment: seg });
          }
        }
      }
      this.walSeq++;
      this.openSegment();
    }
    return { chunks, walEntries };
  }

  private openSegment(): void {
    try {
      this.walFd = openSync(join(this.opts.walDir, String(this.walSeq).padStart(8, "0")), "a");
    } catch (err) {
      this.walFd = undefined;
      this.walFailure(err);
    }
  }

  private walFailure(err: unknown): void {
    if (errno(err) === "ENOSPC") {
      this.opts.events?.walDiskFull?.();
      if (!this.walDiskFullLogged) {
        this.walDiskFullLogged = true;
        this.opts.log("error", "Error writing to WAL, disk full, no further messages will be logged for this error", { err: String(err) });
      }
      return;
    }
    throw err;
  }

  /** Returns true when the entry was new (Loki drops exact duplicates of ts and line). */
  private add(labels: Record<string, string>, e: StoredEntry, pending: boolean): boolean {
    const key = labelString(labels);
    let s = this.streams.get(key);
    if (!s) {
      s = { key, labels, entries: [], seen: new Set(), pending: [], firstPendingAt: 0, lastAppendAt: 0 };
      this.streams.set(key, s);
    }
    const k = entryKey(e);
    if (s.seen.has(k)) return false;
    s.seen.add(k);
    // Usually in order: append; out-of-order entries (Loki 3 accepts them) are inserted.
    let i = s.entries.length;
    while (i > 0 && (s.entries[i - 1]?.ts ?? 0n) > e.ts) i--;
    s.entries.splice(i, 0, e);
    if (pending) {
      const now = Date.now();
      if (s.pending.length === 0) s.firstPendingAt = now;
      s.pending.push(e);
      s.lastAppendAt = now;
    }
    return true;
  }

  /** Ingest one push; the WAL write comes first, as in Loki's ingester. */
  push(streams: PushStream[]): { streamsCreated: number; lines: number; bytes: number } {
    const before = this.streams.size;
    let lines = 0;
    let bytes = 0;
    if (this.opts.walEnabled) {
      const record = streams
        .map((s) => JSON.stringify({ labels: s.labels, entries: s.entries.map((e) => [e.ts.toString(), e.line, ...(e.structuredMetadata ? [e.structuredMetadata] : [])]) }))
        .join("\n");
      try {
        if (this.walFd === undefined) this.openSegment();
        if (this.walFd !== undefined) writeSync(this.walFd, `${record}\n`);
      } catch (err) {
        this.walFailure(err);
      }
    }
    for (const s of streams) {
      for (const e of s.entries) {
        if (this.add(s.labels, e, true)) {
          lines++;
          bytes += Buffer.byteLength(e.line);
        }
      }
    }
    return { streamsCreated: this.streams.size - before, lines, bytes };
  }

  /** One flush pass: chunks of idle or old streams to files. Failed flushes stay pending. */
  flush(now = Date.now(), force = false): { flushed: number; failed: number } {
    let flushed = 0;
    let failed = 0;
    for (const s of this.streams.values()) {
      if (s.pending.length === 0) continue;
      const reason = now - s.firstPendingAt >= this.opts.maxChunkAgeMs ? "max_age" : now - s.lastAppendAt >= this.opts.chunkIdleMs ? "idle" : force ? "idle" : undefined;
      if (!reason) continue;
      const first = s.pending[0]?.ts ?? 0n;
      const last = s.pending[s.pending.length - 1]?.ts ?? 0n;
      const name = `${createHash("sha256").update(s.key).digest("hex").slice(0, 16)}-${first}-${last}-${s.pending.length}`;
      const file = join(this.opts.chunksDir, TENANT, name);
      try {
        writeFileSync(
          file,
          JSON.stringify({
            labels: s.labels,
            entries: s.pending.map((e) => [e.ts.toString(), e.line, ...(e.structuredMetadata ? [e.structuredMetadata] : [])]),
          }),
        );
        s.pending = [];
        flushed++;
        this.opts.events?.chunkFlushed?.(reason);
      } catch (err) {
        // A partly written chunk file must not be loaded as a chunk later.
        rmSync(file, { force: true });
        failed++;
        this.opts.events?.flushFailed?.();
        this.opts.log("error", "failed to flush", { user: TENANT, stream: s.key, err: String(err) });
      }
    }
    // Everything is in chunk files: a checkpoint, older WAL segments can go.
    if (this.opts.walEnabled && failed === 0 && [...this.streams.values()].every((s) => s.pending.length === 0) && flushed > 0) {
      this.rotateWal();
    }
    return { flushed, failed };
  }

  private rotateWal(): void {
    if (this.walFd !== undefined) closeSync(this.walFd);
    this.walFd = undefined;
    const old = readdirSync(this.opts.walDir).filter((n) => /^\d{8}$/.test(n));
    this.walSeq++;
    this.openSegment();
    for (const n of old) rmSync(join(this.opts.walDir, n), { force: true });
  }

  close(): void {
    if (this.walFd !== undefined) closeSync(this.walFd);
    this.walFd = undefined;
  }

  /** Entries of matching streams with start <= ts < end, newest `limit` (backward) or oldest (forward). */
  select(q: LogQuery, startNs: bigint, endNs: bigint, limit: number, direction: "backward" | "forward"): { labels: Record<string, string>; entries: StoredEntry[] }[] {
    const pass = lineFilter(q.filters);
    const hits: { stream: Stream; e: StoredEntry }[] = [];
    for (const s of this.streams.values()) {
      if (!matchesLabels(q.matchers, s.labels)) continue;
      for (const e of s.entries) if (e.ts >= startNs && e.ts < endNs && pass(e.line)) hits.push({ stream: s, e });
    }
    hits.sort((a, b) => (a.e.ts === b.e.ts ? 0 : a.e.ts < b.e.ts ? -1 : 1));
    const chosen = direction === "backward" ? hits.slice(Math.max(0, hits.length - limit)).reverse() : hits.slice(0, limit);
    const byStream = new Map<Stream, StoredEntry[]>();
    for (const h of chosen) byStream.set(h.stream, [...(byStream.get(h.stream) ?? []), h.e]);
    return [...byStream.entries()].map(([s, entries]) => ({ labels: s.labels, entries }));
  }

  /** Streams matching, with every entry passing the filters (for metric queries). */
  matching(q: LogQuery): { labels: Record<string, string>; ts: bigint[] }[] {
    const pass = lineFilter(q.filters);
    return [...this.streams.values()]
      .filter((s) => matchesLabels(q.matchers, s.labels))
      .map((s) => ({ labels: s.labels, ts: s.entries.filter((e) => pass(e.line)).map((e) => e.ts) }));
  }

  /** Label names (or one label's values) of streams with entries in [start, end]. */
  labels(startNs: bigint, endNs: bigint, name?: string, matchers: Matcher[] = []): string[] {
    const out = new Set<string>();
    for (const s of this.streams.values()) {
      if (!matchesLabels(matchers, s.labels)) continue;
      if (!s.entries.some((e) => e.ts >= startNs && e.ts <= endNs)) continue;
      if (name === undefined) for (const k of Object.keys(s.labels)) out.add(k);
      else if (s.labels[name] !== undefined) out.add(s.labels[name]);
    }
    return [...out].sort();
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Bytes of the chunk files on disk (for loki's own gauges and tests). */
  chunkBytes(): number {
    let total = 0;
    for (const n of readdirSync(join(this.opts.chunksDir, TENANT))) total += statSync(join(this.opts.chunksDir, TENANT, n)).size;
    return total;
  }
}
