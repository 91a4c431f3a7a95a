// The monthly evidence report's input: every journal.json under a folder (local reports/,
// or CI artifacts unpacked into one), each checked against journal.schema.json and
// hashed, then narrowed to the period. A journal that does not validate stops the
// report: evidence that cannot be read as the contract says is not evidence.
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { Journal } from "../../drill/journal.js";
import { validateJournal } from "../../drill/journal-schema.js";

export class EvidenceError extends Error {}

export interface GatheredJournal {
  /** Path relative to the --from folder, as the manifest names it. */
  path: string;
  sha256: string;
  bytes: number;
  journal: Journal;
}

export interface Period {
  since: Date;
  until: Date;
}

/** journal.json files below `dir`, not following symlinks (reports/latest would count a run twice). */
export function findJournalFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new EvidenceError(`--from ${dir}: no such folder`);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isSymbolicLink() || e.name === "node_modules" || e.name === ".git") continue;
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name === "journal.json") out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** Reads, validates and hashes every journal under `from`; throws EvidenceError naming each invalid one. */
export function gatherJournals(from: string): GatheredJournal[] {
  const files = findJournalFiles(from);
  const gathered: GatheredJournal[] = [];
  const invalid: string[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const raw = readFileSync(file);
    const rel = relative(from, file) || file;
    const sha256 = createHash("sha256").update(raw).digest("hex");
    let data: unknown;
    try {
      data = JSON.parse(raw.toString("utf8"));
    } catch (err) {
      invalid.push(`${rel}: not JSON (${err instanceof Error ? err.message : String(err)})`);
      continue;
    }
    const v = validateJournal(data);
    if (!v.ok) {
      invalid.push(`${rel}: ${v.errors.slice(0, 5).join("; ")}${v.errors.length > 5 ? ` (and ${v.errors.length - 5} more)` : ""}`);
      continue;
    }
    // The same artifact unpacked twice is one run, not two.
    if (seen.has(sha256)) continue;
    seen.set(sha256, rel);
    gathered.push({ path: rel, sha256, bytes: lstatSync(file).size, journal: v.journal });
  }
  if (invalid.length) {
    throw new EvidenceError(`${invalid.length} journal(s) under ${from} do not match journal.schema.json:\n  ${invalid.join("\n  ")}`);
  }
  return gathered;
}

/** `2026-11-01` is that day's start (since) or end (until), UTC; a full timestamp is taken as is. */
export function parseDate(s: string, end: boolean): Date {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(s);
  const d = new Date(dateOnly ? `${s}T${end ? "23:59:59.999" : "00:00:00.000"}Z` : s);
  if (Number.isNaN(d.getTime())) throw new EvidenceError(`not a date: ${s} (use YYYY-MM-DD or an ISO 8601 timestamp)`);
  return d;
}

/** Without dates: the 31 days up to now. */
export function resolvePeriod(since?: string, until?: string, now = new Date()): Period {
  const u = until ? parseDate(until, true) : now;
  const s = since ? parseDate(since, false) : new Date(u.getTime() - 31 * 86_400_000);
  if (s > u) throw new EvidenceError(`--since ${since} is after --until ${until ?? u.toISOString()}`);
  return { since: s, until: u };
}

export function inPeriod(all: GatheredJournal[], period: Period): GatheredJournal[] {
  const picked = all.filter((g) => {
    const t = Date.parse(g.journal.startedAt);
    return t >= period.since.getTime() && t <= period.until.getTime();
  });
  return picked.sort((a, b) => a.journal.startedAt.localeCompare(b.journal.startedAt));
}
