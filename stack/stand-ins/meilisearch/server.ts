/**
 * Meilisearch stand-in: a server that speaks the subset of the
 * Meilisearch v1.x HTTP API our reference app, runbook and drills use.
 *
 * It exists for machines that cannot pull getmeili/meilisearch. It is NOT
 * Meilisearch: no ranking rules, typo tolerance, settings or filters, and its
 * persistence is a JSON snapshot of the indexes (see dbPath). Anything a drill
 * proves against it must be reported as proven against the stand-in (README.md).
 *
 * Constraints: Node built-ins only (it is bundled with esbuild into one ESM
 * file and run by Debian's nodejs 18), so no npm runtime dependencies and no
 * Node-20-only APIs.
 *
 * Error bodies, status codes, task shapes and messages follow the upstream
 * source (meilisearch/meilisearch: crates/meilisearch-types/src/error.rs,
 * index-scheduler/src/error.rs, meilisearch/src/error.rs, routes/...).
 */
import http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Reported as `pkgVersion` by GET /version. A semver pre-release so tools that
 * parse the version still can, while "standin" makes it impossible to mistake
 * for a real Meilisearch release in logs and reports.
 */
export const STANDIN_PKG_VERSION = "1.0.0-standin";

/** Default page size of every paginated route, as upstream. */
const DEFAULT_LIMIT = 20;

/** Header added to every response so captured traffic names the stand-in. */
export const STANDIN_HEADER = "x-meilisearch-stand-in";

export interface MeilisearchStandInOptions {
  /** TCP port; 0 picks an ephemeral one (read it back from the result). */
  port: number;
  /** Bind address; defaults to 127.0.0.1 so tests never listen publicly. */
  host?: string;
  /** When set (non-empty), every route except /health needs `Bearer <key>`. */
  masterKey?: string;
  /**
   * How long a task stays `enqueued`, then again `processing`, before its work
   * is applied. Real Meilisearch is asynchronous too; a delay keeps clients
   * honest about waiting for tasks. Default 5 ms.
   */
  taskDelayMs?: number;
  /** Request body limit in bytes (Meilisearch's default is 100 MB). */
  maxPayloadBytes?: number;
  /**
   * Directory that keeps the indexes and their documents across restarts, as
   * MEILI_DB_PATH does upstream. Unset: in memory only (tests).
   */
  dbPath?: string;
}

export interface MeilisearchStandIn {
  port: number;
  url: string;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Errors: same {message, code, type, link} body and status as Meilisearch.
// ---------------------------------------------------------------------------

type ErrorType = "invalid_request" | "internal" | "auth" | "system";

interface ErrorBody {
  message: string;
  code: string;
  type: ErrorType;
  link: string;
}

// Status and type per code, copied from upstream's make_error_codes! table.
const ERROR_CODES = {
  bad_request: [400, "invalid_request"],
  document_not_found: [404, "invalid_request"],
  index_already_exists: [409, "invalid_request"],
  index_not_found: [404, "invalid_request"],
  index_primary_key_already_exists: [400, "invalid_request"],
  index_primary_key_multiple_candidates_found: [400, "invalid_request"],
  index_primary_key_no_candidate_found: [400, "invalid_request"],
  internal: [500, "internal"],
  invalid_api_key: [403, "auth"],
  invalid_content_type: [415, "invalid_request"],
  invalid_document_fields: [400, "invalid_request"],
  invalid_document_filter: [400, "invalid_request"],
  invalid_document_id: [400, "invalid_request"],
  invalid_document_ids: [400, "invalid_request"],
  invalid_document_limit: [400, "invalid_request"],
  invalid_document_offset: [400, "invalid_request"],
  invalid_document_sort: [400, "invalid_request"],
  invalid_index_limit: [400, "invalid_request"],
  invalid_index_offset: [400, "invalid_request"],
  invalid_index_primary_key: [400, "invalid_request"],
  invalid_index_uid: [400, "invalid_request"],
  invalid_search_attributes_to_retrieve: [400, "invalid_request"],
  invalid_search_facets: [400, "invalid_request"],
  invalid_search_filter: [400, "invalid_request"],
  invalid_search_hits_per_page: [400, "invalid_request"],
  invalid_search_limit: [400, "invalid_request"],
  invalid_search_matching_strategy: [400, "invalid_request"],
  invalid_search_offset: [400, "invalid_request"],
  invalid_search_page: [400, "invalid_request"],
  invalid_search_q: [400, "invalid_request"],
  invalid_search_sort: [400, "invalid_request"],
  invalid_task_after_enqueued_at: [400, "invalid_request"],
  invalid_task_after_finished_at: [400, "invalid_request"],
  invalid_task_after_started_at: [400, "invalid_request"],
  invalid_task_before_enqueued_at: [400, "invalid_request"],
  invalid_task_before_finished_at: [400, "invalid_request"],
  invalid_task_before_started_at: [400, "invalid_request"],
  invalid_task_canceled_by: [400, "invalid_request"],
  invalid_task_from: [400, "invalid_request"],
  invalid_task_limit: [400, "invalid_request"],
  invalid_task_reverse: [400, "invalid_request"],
  invalid_task_statuses: [400, "invalid_request"],
  invalid_task_types: [400, "invalid_request"],
  invalid_task_uids: [400, "invalid_request"],
  invalid_batch_uids: [400, "invalid_request"],
  malformed_payload: [400, "invalid_request"],
  missing_authorization_header: [401, "auth"],
  missing_content_type: [415, "invalid_request"],
  missing_document_id: [400, "invalid_request"],
  missing_index_uid: [400, "invalid_request"],
  missing_payload: [400, "invalid_request"],
  payload_too_large: [413, "invalid_request"],
  task_not_found: [404, "invalid_request"],
} as const satisfies Record<string, readonly [number, ErrorType]>;

type ErrorCode = keyof typeof ERROR_CODES;

class MeiliError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly type: ErrorType;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    const [status, type] = ERROR_CODES[code];
    this.status = status;
    this.type = type;
  }

  body(): ErrorBody {
    return {
      message: this.message,
      code: this.code,
      type: this.type,
      link: `https://docs.meilisearch.com/errors#${this.code}`,
    };
  }
}

const indexNotFound = (uid: string) => new MeiliError("index_not_found", `Index \`${uid}\` not found.`);

// ---------------------------------------------------------------------------
// Small JSON helpers that mimic the wording of Meilisearch's deserr errors.
// ---------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Doc = { [key: string]: Json };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "boolean":
      return "a boolean";
    case "string":
      return "a string";
    case "number":
      if (!Number.isInteger(value)) return "a number";
      return value < 0 ? "a negative integer" : "a positive integer";
    default:
      return "an object";
  }
}

const backticked = (names: readonly string[]) => names.map((n) => `\`${n}\``).join(", ");

function typeError(code: ErrorCode, field: string, expected: string, value: unknown): MeiliError {
  return new MeiliError(
    code,
    `Invalid value type at \`.${field}\`: expected ${expected}, but found ${kindOf(value)}: \`${JSON.stringify(value)}\``,
  );
}

function expectObject(value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new MeiliError(
      "bad_request",
      `Invalid value type: expected an object, but found ${kindOf(value)}: \`${JSON.stringify(value)}\``,
    );
  }
  return value;
}

function rejectUnknownFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw new MeiliError("bad_request", `Unknown field \`${key}\`: expected one of ${backticked(allowed)}`);
    }
  }
}

function rejectUnknownParams(params: URLSearchParams, allowed: readonly string[]): void {
  for (const key of params.keys()) {
    if (!allowed.includes(key)) {
      throw new MeiliError("bad_request", `Unknown parameter \`${key}\`: expected one of ${backticked(allowed)}`);
    }
  }
}

function uintParam(params: URLSearchParams, name: string, code: ErrorCode): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw)) {
    throw new MeiliError(code, `Invalid value in parameter \`${name}\`: could not parse \`${raw}\` as a positive integer`);
  }
  return Number(raw);
}

function uintField(body: Record<string, unknown>, name: string, code: ErrorCode): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw typeError(code, name, "a positive integer", value);
  }
  return value;
}

/** Comma-separated list parameter; `undefined` when absent. */
function listParam(params: URLSearchParams, name: string): string[] | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function stringListField(body: Record<string, unknown>, name: string, code: ErrorCode): string[] | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw typeError(code, name, "an array", value);
  value.forEach((item, i) => {
    if (typeof item !== "string") throw typeError(code, `${name}[${i}]`, "a string", item);
  });
  return value as string[];
}

// ---------------------------------------------------------------------------
// Index uids and document ids follow upstream's validation rules.
// ---------------------------------------------------------------------------

function indexUidProblem(uid: string): string | undefined {
  if (uid.length === 0 || uid.length > 400 || !/^[A-Za-z0-9_-]+$/.test(uid)) {
    return (
      `\`${uid}\` is not a valid index uid. Index uid can be an integer or a string containing only ` +
      `alphanumeric characters, hyphens (-) and underscores (_), and can not be more than 512 bytes.`
    );
  }
  return undefined;
}

function checkIndexUid(uid: string): string {
  const problem = indexUidProblem(uid);
  if (problem !== undefined) throw new MeiliError("invalid_index_uid", problem);
  return uid;
}

/** The external id Meilisearch derives from a primary-key value. */
function documentId(doc: Doc, primaryKey: string): string {
  const value = doc[primaryKey];
  if (value === undefined) {
    throw new MeiliError(
      "missing_document_id",
      `Document doesn't have a \`${primaryKey}\` attribute: \`${JSON.stringify(doc)}\`.`,
    );
  }
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  if (typeof value === "string" && /^[A-Za-z0-9_-]+$/.test(value) && Buffer.byteLength(value) <= 511) return value;
  throw new MeiliError(
    "invalid_document_id",
    `Document identifier \`${JSON.stringify(value)}\` is invalid. A document identifier can be of type integer or ` +
      `string, only composed of alphanumeric characters (a-z A-Z 0-9), hyphens (-) and underscores (_), and can ` +
      `not be more than 511 bytes.`,
  );
}

/**
 * Upstream's inference: among the first document's fields, the ones whose
 * lower-cased name ends in "id"; exactly one candidate is required.
 */
function inferPrimaryKey(first: Doc | undefined): string {
  const candidates = first ? Object.keys(first).filter((k) => k.toLowerCase().endsWith("id")).sort() : [];
  const [only, second] = candidates;
  if (only === undefined) {
    throw new MeiliError(
      "index_primary_key_no_candidate_found",
      "The primary key inference failed as the engine did not find any field ending with `id` in its name. " +
        "Please specify the primary key manually using the `primaryKey` query parameter.",
    );
  }
  if (second !== undefined) {
    throw new MeiliError(
      "index_primary_key_multiple_candidates_found",
      `The primary key inference failed as the engine found ${candidates.length} fields ending with \`id\` in ` +
        `their names: '${only}' and '${second}'. Please specify the primary key manually using the ` +
        "`primaryKey` query parameter.",
    );
  }
  return only;
}

// ---------------------------------------------------------------------------
// Search: a deliberately small model of Meilisearch's matching.
// ---------------------------------------------------------------------------

/** Lower-case, strip diacritics, split on anything that is not a letter/digit. */
function tokenize(text: string): string[] {
  const folded = text.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase();
  return folded.match(/[\p{L}\p{N}]+/gu) ?? [];
}

// Word lists per stored document; documents are replaced, never mutated, so a
// WeakMap keyed by the object stays correct and frees itself.
const wordCache = new WeakMap<Doc, string[]>();

function documentWords(doc: Doc): string[] {
  let words = wordCache.get(doc);
  if (words === undefined) {
    const acc: string[] = [];
    const visit = (value: Json): void => {
      if (typeof value === "string") acc.push(...tokenize(value));
      else if (typeof value === "number") acc.push(...tokenize(String(value)));
      else if (Array.isArray(value)) value.forEach(visit);
      else if (isPlainObject(value)) Object.values(value).forEach(visit);
    };
    Object.values(doc).forEach(visit);
    words = acc;
    wordCache.set(doc, words);
  }
  return words;
}

type MatchingStrategy = "last" | "all" | "frequency";

/**
 * Returns the documents matching `q`, best first.
 * - A query word matches a document word it is a prefix of (case/diacritic-insensitive).
 * - "all": every word must match. "last" (Meilisearch's default): documents matching
 *   all words come first, then those matching all but the last word, and so on
 *   down to the first word. "frequency" is treated like "last".
 * - Ties: more exact (non-prefix) word matches first, then insertion order.
 */
function searchDocuments(docs: Iterable<Doc>, q: string, strategy: MatchingStrategy): Doc[] {
  const terms = tokenize(q);
  const all = Array.from(docs);
  if (terms.length === 0) return all; // placeholder search
  const scored: { doc: Doc; matched: number; exact: number; order: number }[] = [];
  all.forEach((doc, order) => {
    const words = documentWords(doc);
    let matched = 0;
    let exact = 0;
    for (const term of terms) {
      if (!words.some((w) => w.startsWith(term))) break;
      matched += 1;
      if (words.includes(term)) exact += 1;
    }
    const required = strategy === "all" ? terms.length : 1;
    if (matched >= required) scored.push({ doc, matched, exact, order });
  });
  scored.sort((a, b) => b.matched - a.matched || b.exact - a.exact || a.order - b.order);
  return scored.map((s) => s.doc);
}

function pickFields(doc: Doc, fields: string[] | undefined): Doc {
  if (fields === undefined || fields.includes("*")) return doc;
  const out: Doc = {};
  for (const field of fields) {
    const value = doc[field];
    if (value !== undefined) out[field] = value;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Document payloads: JSON (object or array), NDJSON and CSV, as upstream.
// ---------------------------------------------------------------------------

const DOCUMENT_CONTENT_TYPES = ["application/json", "application/x-ndjson", "text/csv"];
type PayloadFormat = "json" | "ndjson" | "csv";

function mimeEssence(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

function malformedDocuments(format: PayloadFormat, detail: string): MeiliError {
  return format === "csv"
    ? new MeiliError("malformed_payload", `The \`csv\` payload provided is malformed: \`${detail}\`.`)
    : new MeiliError(
        "malformed_payload",
        `The \`${format}\` payload provided is malformed. \`Couldn't serialize document value: ${detail}\`.`,
      );
}

function parseDocuments(contentType: string | undefined, raw: Buffer, csvDelimiter: string | null): Doc[] {
  if (contentType === undefined) {
    throw new MeiliError(
      "missing_content_type",
      `A Content-Type header is missing. Accepted values for the Content-Type header are: ${backticked(DOCUMENT_CONTENT_TYPES)}`,
    );
  }
  const essence = mimeEssence(contentType);
  const format: PayloadFormat | undefined =
    essence === "application/json"
      ? "json"
      : essence === "application/x-ndjson"
        ? "ndjson"
        : essence === "text/csv"
          ? "csv"
          : undefined;
  if (format === undefined) {
    throw new MeiliError(
      "invalid_content_type",
      `The Content-Type \`${essence.includes("/") ? essence : contentType}\` is invalid. Accepted values for the ` +
        `Content-Type header are: ${backticked(DOCUMENT_CONTENT_TYPES)}`,
    );
  }
  if (csvDelimiter !== null && format !== "csv") {
    throw new MeiliError(
      "invalid_content_type",
      `The Content-Type \`${essence}\` does not support the use of a csv delimiter. The csv delimiter can only be ` +
        "used with the Content-Type `text/csv`.",
    );
  }
  if (raw.length === 0) throw new MeiliError("missing_payload", `A ${format} payload is missing.`);
  const text = raw.toString("utf8");

  if (format === "json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw malformedDocuments("json", (err as Error).message);
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    if (!list.every(isPlainObject)) {
      throw malformedDocuments("json", "data are neither an object nor a list of objects");
    }
    return list as Doc[];
  }
  if (format === "ndjson") {
    return text
      .split(/\r?\n/)
      .filter((line) => line.trim().length > 0)
      .map((line) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch (err) {
          throw malformedDocuments("ndjson", (err as Error).message);
        }
        if (!isPlainObject(parsed)) throw malformedDocuments("ndjson", "data are neither an object nor a list of objects");
        return parsed as Doc;
      });
  }
  return parseCsv(text, csvDelimiter ?? ",");
}

/** RFC 4180-ish CSV with upstream's typed headers (`name:number`, `name:boolean`). */
function parseCsv(text: string, delimiter: string): Doc[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field.length === 0) quoted = true;
    else if (ch === delimiter) {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const nonEmpty = rows.filter((r) => !(r.length === 1 && r[0] === ""));
  const header = nonEmpty.shift();
  if (header === undefined) return [];
  const columns = header.map((h) => {
    const at = h.lastIndexOf(":");
    const type = at >= 0 ? h.slice(at + 1) : "";
    return type === "number" || type === "boolean" || type === "string"
      ? { name: h.slice(0, at), type }
      : { name: h, type: "string" };
  });
  return nonEmpty.map((cells, line) => {
    if (cells.length !== columns.length) {
      throw malformedDocuments(
        "csv",
        `CSV error: record ${line + 1} found record with ${cells.length} fields, but the previous record has ${columns.length} fields`,
      );
    }
    const doc: Doc = {};
    columns.forEach((col, i) => {
      const cell = cells[i] as string;
      const trimmed = cell.trim();
      if (col.type === "number") {
        if (trimmed === "") doc[col.name] = null;
        else if (Number.isFinite(Number(trimmed))) doc[col.name] = Number(trimmed);
        else throw malformedDocuments("csv", `invalid float literal at line ${line + 1}, value: ${cell}`);
      } else if (col.type === "boolean") {
        if (trimmed === "") doc[col.name] = null;
        else if (trimmed === "true" || trimmed === "false") doc[col.name] = trimmed === "true";
        else throw malformedDocuments("csv", `provided string was not \`true\` or \`false\` at line ${line + 1}, value: ${cell}`);
      } else doc[col.name] = cell === "" ? null : cell;
    });
    return doc;
  });
}

/** Body of a route that takes strict JSON (index creation, search...). */
function parseJsonBody(contentType: string | undefined, raw: Buffer): unknown {
  if (contentType === undefined) {
    throw new MeiliError(
      "missing_content_type",
      "A Content-Type header is missing. Accepted values for the Content-Type header are: `application/json`",
    );
  }
  if (mimeEssence(contentType) !== "application/json") {
    throw new MeiliError(
      "invalid_content_type",
      `The Content-Type \`${contentType}\` is invalid. Accepted values for the Content-Type header are: \`application/json\``,
    );
  }
  if (raw.length === 0) throw new MeiliError("missing_payload", "A json payload is missing.");
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch (err) {
    throw new MeiliError("malformed_payload", `The json payload provided is malformed. \`${(err as Error).message}\`.`);
  }
}

// ---------------------------------------------------------------------------
// State: indexes, documents and the task queue.
// ---------------------------------------------------------------------------

interface IndexState {
  uid: string;
  primaryKey: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** External id -> document, in insertion order (Meilisearch's internal docid order). */
  docs: Map<string, Doc>;
}

type TaskStatus = "enqueued" | "processing" | "succeeded" | "failed" | "canceled";
const TASK_STATUSES: readonly TaskStatus[] = ["enqueued", "processing", "succeeded", "failed", "canceled"];
// Every kind upstream knows, so filters on kinds the stand-in never creates are valid, not errors.
const TASK_TYPES = [
  "documentAdditionOrUpdate",
  "documentEdition",
  "documentDeletion",
  "settingsUpdate",
  "indexCreation",
  "indexDeletion",
  "indexUpdate",
  "indexSwap",
  "taskCancelation",
  "taskDeletion",
  "dumpCreation",
  "snapshotCreation",
  "export",
  "upgradeDatabase",
  "indexCompaction",
] as const;
type TaskType = (typeof TASK_TYPES)[number];

type Details = { [key: string]: Json };

interface Task {
  uid: number;
  batchUid: number | null;
  indexUid: string | null;
  status: TaskStatus;
  type: TaskType;
  details: Details;
  error: ErrorBody | null;
  enqueuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Applies the work; returns the final details or throws a MeiliError. */
  run: () => Details;
  /** Details reported when `run` fails (upstream zeroes the counters). */
  failedDetails: Details;
}

function isoDuration(ms: number): string {
  return `PT${ms / 1000}S`;
}

function taskView(task: Task): Record<string, Json> {
  // Key order mirrors upstream's TaskView serialization.
  return {
    uid: task.uid,
    batchUid: task.batchUid,
    indexUid: task.indexUid,
    status: task.status,
    type: task.type,
    canceledBy: null,
    details: task.details,
    error: task.error as Json,
    duration:
      task.startedAt && task.finishedAt ? isoDuration(task.finishedAt.getTime() - task.startedAt.getTime()) : null,
    enqueuedAt: task.enqueuedAt.toISOString(),
    startedAt: task.startedAt ? task.startedAt.toISOString() : null,
    finishedAt: task.finishedAt ? task.finishedAt.toISOString() : null,
  };
}

function summarizedTask(task: Task): Record<string, Json> {
  return {
    taskUid: task.uid,
    indexUid: task.indexUid,
    status: task.status,
    type: task.type,
    enqueuedAt: task.enqueuedAt.toISOString(),
  };
}

function indexView(index: IndexState): Record<string, Json> {
  return {
    uid: index.uid,
    createdAt: index.createdAt.toISOString(),
    updatedAt: index.updatedAt.toISOString(),
    primaryKey: index.primaryKey,
  };
}

/** What `dbPath` holds: the indexes and their documents (not the task history). */
interface Snapshot {
  format: "meilisearch-stand-in/indexes/1";
  indexes: { uid: string; primaryKey: string | null; createdAt: string; updatedAt: string; docs: [string, Doc][] }[];
}

const SNAPSHOT_FILE = "stand-in-indexes.json";

function loadSnapshot(dbPath: string): Map<string, IndexState> {
  const indexes = new Map<string, IndexState>();
  const file = join(dbPath, SNAPSHOT_FILE);
  if (!existsSync(file)) return indexes;
  const snap = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  if (snap.format !== "meilisearch-stand-in/indexes/1") throw new Error(`${file}: unknown format ${String(snap.format)}`);
  for (const i of snap.indexes) {
    indexes.set(i.uid, { uid: i.uid, primaryKey: i.primaryKey, createdAt: new Date(i.createdAt), updatedAt: new Date(i.updatedAt), docs: new Map(i.docs) });
  }
  return indexes;
}

function saveSnapshot(dbPath: string, indexes: Map<string, IndexState>): void {
  const snap: Snapshot = {
    format: "meilisearch-stand-in/indexes/1",
    indexes: [...indexes.values()].map((i) => ({
      uid: i.uid,
      primaryKey: i.primaryKey,
      createdAt: i.createdAt.toISOString(),
      updatedAt: i.updatedAt.toISOString(),
      docs: [...i.docs.entries()],
    })),
  };
  mkdirSync(dbPath, { recursive: true });
  // Write then rename: a container killed mid-write keeps the previous snapshot.
  const tmp = join(dbPath, `${SNAPSHOT_FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify(snap));
  renameSync(tmp, join(dbPath, SNAPSHOT_FILE));
}

class Store {
  readonly indexes: Map<string, IndexState>;
  readonly tasks: Task[] = [];
  private readonly queue: Task[] = [];
  private processing: Task | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextBatchUid = 0;
  private stopped = false;

  constructor(
    private readonly delayMs: number,
    private readonly dbPath: string | undefined,
  ) {
    this.indexes = dbPath === undefined ? new Map() : loadSnapshot(dbPath);
  }

  getIndex(uid: string): IndexState {
    const index = this.indexes.get(uid);
    if (index === undefined) throw indexNotFound(uid);
    return index;
  }

  /** An index is "indexing" while one of its tasks is being processed, as upstream reports it. */
  isIndexing(uid: string): boolean {
    return this.processing?.indexUid === uid;
  }

  enqueue(
    indexUid: string,
    type: TaskType,
    details: Details,
    failedDetails: Details,
    run: () => Details,
  ): Task {
    const task: Task = {
      uid: this.tasks.length,
      batchUid: null,
      indexUid,
      status: "enqueued",
      type,
      details,
      error: null,
      enqueuedAt: new Date(),
      startedAt: null,
      finishedAt: null,
      run,
      failedDetails,
    };
    this.tasks.push(task);
    this.queue.push(task);
    this.pump();
    return task;
  }

  /** Processes tasks strictly one at a time, in enqueue order, like upstream's scheduler. */
  private pump(): void {
    if (this.stopped || this.processing !== undefined || this.timer !== undefined) return;
    if (this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      const task = this.queue.shift();
      if (task === undefined) {
        this.timer = undefined;
        return;
      }
      task.status = "processing";
      task.startedAt = new Date();
      task.batchUid = this.nextBatchUid++;
      this.processing = task;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.finish(task);
        this.processing = undefined;
        this.pump();
      }, this.delayMs);
    }, this.delayMs);
  }

  private finish(task: Task): void {
    try {
      task.details = task.run();
      task.status = "succeeded";
    } catch (err) {
      task.status = "failed";
      task.details = task.failedDetails;
      task.error =
        err instanceof MeiliError ? err.body() : new MeiliError("internal", `Stand-in internal error: ${String(err)}`).body();
    }
    task.finishedAt = new Date();
    // Every change to indexes or documents goes through a task: persist after each.
    if (this.dbPath !== undefined && task.status === "succeeded") saveSnapshot(this.dbPath, this.indexes);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  indexStats(index: IndexState): Record<string, Json> {
    let rawSize = 0;
    const fieldDistribution: Record<string, number> = {};
    for (const doc of index.docs.values()) {
      rawSize += Buffer.byteLength(JSON.stringify(doc));
      for (const field of Object.keys(doc)) fieldDistribution[field] = (fieldDistribution[field] ?? 0) + 1;
    }
    const sorted: Record<string, number> = {};
    for (const field of Object.keys(fieldDistribution).sort()) sorted[field] = fieldDistribution[field] as number;
    return {
      numberOfDocuments: index.docs.size,
      rawDocumentDbSize: rawSize,
      avgDocumentSize: index.docs.size === 0 ? 0 : Math.floor(rawSize / index.docs.size),
      isIndexing: this.isIndexing(index.uid),
      numberOfEmbeddings: 0,
      numberOfEmbeddedDocuments: 0,
      fieldDistribution: sorted,
    };
  }
}

// ---------------------------------------------------------------------------
// Routes.
// ---------------------------------------------------------------------------

interface Request {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

interface Reply {
  status: number;
  body?: unknown;
}

type Handler = (req: Request) => Reply;

interface Route {
  pattern: string[];
  /** /health is the only route Meilisearch serves without a key. */
  public?: boolean;
  methods: Partial<Record<string, Handler>>;
}

const ok = (body: unknown): Reply => ({ status: 200, body });
const accepted = (task: Task): Reply => ({ status: 202, body: summarizedTask(task) });

function paginate<T>(items: T[], offset: number, limit: number): T[] {
  return items.slice(offset, offset + limit);
}

const SEARCH_FIELDS = [
  "q",
  "vector",
  "media",
  "hybrid",
  "offset",
  "limit",
  "page",
  "hitsPerPage",
  "attributesToRetrieve",
  "retrieveVectors",
  "attributesToCrop",
  "cropLength",
  "attributesToHighlight",
  "showMatchesPosition",
  "showRankingScore",
  "showRankingScoreDetails",
  "filter",
  "sort",
  "distinct",
  "facets",
  "highlightPreTag",
  "highlightPostTag",
  "cropMarker",
  "matchingStrategy",
  "attributesToSearchOn",
  "rankingScoreThreshold",
  "locales",
] as const;

interface SearchQuery {
  q: string;
  offset?: number;
  limit?: number;
  page?: number;
  hitsPerPage?: number;
  attributesToRetrieve?: string[];
  filter?: unknown;
  sort?: string[];
  facets?: string[];
  matchingStrategy: MatchingStrategy;
}

function matchingStrategy(value: unknown, where: "param" | "field"): MatchingStrategy {
  if (value === undefined || value === null) return "last";
  if (value === "last" || value === "all" || value === "frequency") return value;
  const text =
    where === "param"
      ? `Invalid value in parameter \`matchingStrategy\`: Unknown value \`${String(value)}\`, expected one of \`last\`, \`all\`, \`frequency\``
      : `Unknown value \`${String(value)}\` at \`.matchingStrategy\`: expected one of \`last\`, \`all\`, \`frequency\``;
  throw new MeiliError("invalid_search_matching_strategy", text);
}

function searchQueryFromParams(params: URLSearchParams): SearchQuery {
  rejectUnknownParams(params, SEARCH_FIELDS);
  return {
    q: params.get("q") ?? "",
    offset: uintParam(params, "offset", "invalid_search_offset"),
    limit: uintParam(params, "limit", "invalid_search_limit"),
    page: uintParam(params, "page", "invalid_search_page"),
    hitsPerPage: uintParam(params, "hitsPerPage", "invalid_search_hits_per_page"),
    attributesToRetrieve: listParam(params, "attributesToRetrieve"),
    filter: params.get("filter") ?? undefined,
    sort: listParam(params, "sort"),
    facets: listParam(params, "facets"),
    matchingStrategy: matchingStrategy(params.get("matchingStrategy") ?? undefined, "param"),
  };
}

function searchQueryFromBody(raw: unknown): SearchQuery {
  const body = expectObject(raw);
  rejectUnknownFields(body, SEARCH_FIELDS);
  const q = body.q;
  if (q !== undefined && q !== null && typeof q !== "string") throw typeError("invalid_search_q", "q", "a string", q);
  return {
    q: typeof q === "string" ? q : "",
    offset: uintField(body, "offset", "invalid_search_offset"),
    limit: uintField(body, "limit", "invalid_search_limit"),
    page: uintField(body, "page", "invalid_search_page"),
    hitsPerPage: uintField(body, "hitsPerPage", "invalid_search_hits_per_page"),
    attributesToRetrieve: stringListField(body, "attributesToRetrieve", "invalid_search_attributes_to_retrieve"),
    filter: body.filter,
    sort: stringListField(body, "sort", "invalid_search_sort"),
    facets: stringListField(body, "facets", "invalid_search_facets"),
    matchingStrategy: matchingStrategy(body.matchingStrategy, "field"),
  };
}

const hasContent = (v: unknown) =>
  v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0);

function runSearch(store: Store, uid: string, query: SearchQuery): Reply {
  const started = Date.now();
  const index = store.getIndex(uid);
  // The stand-in has no settings API, so no attribute can be filterable or
  // sortable; upstream answers such queries with these same error codes.
  if (hasContent(query.filter)) {
    throw new MeiliError(
      "invalid_search_filter",
      "Attribute filtering is unavailable: this index does not have configured filterable attributes (Meilisearch stand-in: no settings API).",
    );
  }
  if (hasContent(query.sort)) {
    throw new MeiliError(
      "invalid_search_sort",
      "Sorting is unavailable: this index does not have configured sortable attributes (Meilisearch stand-in: no settings API).",
    );
  }
  if (hasContent(query.facets)) {
    throw new MeiliError(
      "invalid_search_facets",
      "Invalid facet distribution: this index does not have configured filterable attributes (Meilisearch stand-in: no settings API).",
    );
  }
  const matches = searchDocuments(index.docs.values(), query.q, query.matchingStrategy);
  const project = (docs: Doc[]) => docs.map((d) => pickFields(d, query.attributesToRetrieve));

  if (query.page !== undefined || query.hitsPerPage !== undefined) {
    // Finite pagination: the response shape changes, as upstream's does.
    const hitsPerPage = query.hitsPerPage ?? DEFAULT_LIMIT;
    const page = query.page ?? 1;
    const hits = hitsPerPage === 0 || page === 0 ? [] : paginate(matches, (page - 1) * hitsPerPage, hitsPerPage);
    return ok({
      hits: project(hits),
      query: query.q,
      processingTimeMs: Date.now() - started,
      hitsPerPage,
      page,
      totalPages: hitsPerPage === 0 ? 0 : Math.ceil(matches.length / hitsPerPage),
      totalHits: matches.length,
    });
  }
  const offset = query.offset ?? 0;
  const limit = query.limit ?? DEFAULT_LIMIT;
  return ok({
    hits: project(paginate(matches, offset, limit)),
    query: query.q,
    processingTimeMs: Date.now() - started,
    limit,
    offset,
    estimatedTotalHits: matches.length,
  });
}

function buildRoutes(store: Store): Route[] {
  const addDocuments =
    (method: "replace" | "update"): Handler =>
    (req) => {
      const uid = checkIndexUid(req.params.indexUid as string);
      rejectUnknownParams(req.query, ["primaryKey", "csvDelimiter", "customMetadata"]);
      const primaryKeyParam = req.query.get("primaryKey");
      const delimiter = req.query.get("csvDelimiter");
      if (delimiter !== null && delimiter.length !== 1) {
        throw new MeiliError(
          "bad_request",
          `Invalid value in parameter \`csvDelimiter\`: expected a string of one character, but found the following string of ${delimiter.length} characters: \`${delimiter}\``,
        );
      }
      // Payload problems are rejected synchronously (before any task), as upstream does.
      const docs = parseDocuments(req.headers["content-type"], req.body, delimiter);
      const received = docs.length;
      return accepted(
        store.enqueue(
          uid,
          "documentAdditionOrUpdate",
          { receivedDocuments: received, indexedDocuments: null },
          { receivedDocuments: received, indexedDocuments: 0 },
          () => {
            const existing = store.indexes.get(uid);
            let primaryKey = existing?.primaryKey ?? null;
            if (primaryKey !== null && primaryKeyParam !== null && primaryKeyParam !== primaryKey) {
              throw new MeiliError("index_primary_key_already_exists", `Index already has a primary key: \`${primaryKey}\`.`);
            }
            primaryKey = primaryKey ?? primaryKeyParam ?? inferPrimaryKey(docs[0]);
            const pk = primaryKey;
            // Validate every document before touching the index: a failed task changes nothing.
            const entries = docs.map((doc) => [documentId(doc, pk), doc] as const);
            const now = new Date();
            // Adding documents creates the index implicitly, as upstream does.
            const index: IndexState = existing ?? {
              uid,
              primaryKey: pk,
              createdAt: now,
              updatedAt: now,
              docs: new Map(),
            };
            store.indexes.set(uid, index);
            index.primaryKey = pk;
            for (const [id, doc] of entries) {
              const previous = index.docs.get(id);
              // PUT merges top-level fields into the stored document; POST replaces it.
              index.docs.set(id, method === "update" && previous ? { ...previous, ...doc } : doc);
            }
            index.updatedAt = now;
            return { receivedDocuments: received, indexedDocuments: received };
          },
        ),
      );
    };

  const deleteDocumentsByIds = (uid: string, ids: string[]): Reply =>
    accepted(
      store.enqueue(
        uid,
        "documentDeletion",
        { providedIds: ids.length, deletedDocuments: null, originalFilter: null },
        { providedIds: ids.length, deletedDocuments: 0, originalFilter: null },
        () => {
          const index = store.getIndex(uid);
          let deleted = 0;
          for (const id of ids) if (index.docs.delete(id)) deleted += 1;
          if (deleted > 0) index.updatedAt = new Date();
          return { providedIds: ids.length, deletedDocuments: deleted, originalFilter: null };
        },
      ),
    );

  const TASK_DATE_FILTERS = [
    ["afterEnqueuedAt", "enqueuedAt", "after", "invalid_task_after_enqueued_at"],
    ["beforeEnqueuedAt", "enqueuedAt", "before", "invalid_task_before_enqueued_at"],
    ["afterStartedAt", "startedAt", "after", "invalid_task_after_started_at"],
    ["beforeStartedAt", "startedAt", "before", "invalid_task_before_started_at"],
    ["afterFinishedAt", "finishedAt", "after", "invalid_task_after_finished_at"],
    ["beforeFinishedAt", "finishedAt", "before", "invalid_task_before_finished_at"],
  ] as const;

  return [
    {
      pattern: ["health"],
      public: true,
      methods: { GET: () => ok({ status: "available" }) },
    },
    {
      pattern: ["version"],
      // Built without git metadata, real Meilisearch reports "unknown" too.
      methods: { GET: () => ok({ commitSha: "unknown", commitDate: "unknown", pkgVersion: STANDIN_PKG_VERSION }) },
    },
    {
      pattern: ["stats"],
      methods: {
        GET: () => {
          const indexes: Record<string, Json> = {};
          let size = 0;
          let lastUpdate: Date | null = null;
          for (const uid of Array.from(store.indexes.keys()).sort()) {
            const index = store.indexes.get(uid) as IndexState;
            const stats = store.indexStats(index);
            size += stats.rawDocumentDbSize as number;
            if (lastUpdate === null || index.updatedAt > lastUpdate) lastUpdate = index.updatedAt;
            indexes[uid] = stats;
          }
          return ok({
            databaseSize: size,
            usedDatabaseSize: size,
            lastUpdate: lastUpdate ? lastUpdate.toISOString() : null,
            indexes,
          });
        },
      },
    },
    {
      pattern: ["tasks"],
      methods: {
        GET: (req) => {
          const q = req.query;
          rejectUnknownParams(q, [
            "limit",
            "from",
            "reverse",
            "batchUids",
            "uids",
            "canceledBy",
            "types",
            "statuses",
            "indexUids",
            ...TASK_DATE_FILTERS.map(([name]) => name),
          ]);
          const limit = uintParam(q, "limit", "invalid_task_limit") ?? DEFAULT_LIMIT;
          const from = uintParam(q, "from", "invalid_task_from");
          const reverseRaw = q.get("reverse");
          if (reverseRaw !== null && reverseRaw !== "true" && reverseRaw !== "false") {
            throw new MeiliError(
              "invalid_task_reverse",
              `Invalid value in parameter \`reverse\`: could not parse \`${reverseRaw}\` as a boolean, expected either \`true\` or \`false\``,
            );
          }
          const reverse = reverseRaw === "true";
          // A list filter: undefined = absent or `*` (match everything).
          const list = (name: string): string[] | undefined => {
            const items = listParam(q, name);
            return items === undefined || items.includes("*") ? undefined : items;
          };
          const numbers = (name: string, code: ErrorCode): number[] | undefined =>
            list(name)?.map((item) => {
              if (!/^\d+$/.test(item)) {
                throw new MeiliError(code, `Invalid value in parameter \`${name}\`: could not parse \`${item}\` as a positive integer`);
              }
              return Number(item);
            });
          const uids = numbers("uids", "invalid_task_uids");
          const batchUids = numbers("batchUids", "invalid_batch_uids");
          const canceledBy = numbers("canceledBy", "invalid_task_canceled_by");
          const statuses = list("statuses");
          for (const s of statuses ?? []) {
            if (!(TASK_STATUSES as readonly string[]).includes(s)) {
              throw new MeiliError(
                "invalid_task_statuses",
                `Invalid value in parameter \`statuses\`: \`${s}\` is not a valid task status. Available statuses are ${backticked(TASK_STATUSES)}.`,
              );
            }
          }
          const types = list("types");
          for (const t of types ?? []) {
            if (!(TASK_TYPES as readonly string[]).includes(t)) {
              throw new MeiliError(
                "invalid_task_types",
                `Invalid value in parameter \`types\`: \`${t}\` is not a valid task type. Available types are ${backticked(TASK_TYPES)}.`,
              );
            }
          }
          const indexUids = list("indexUids");
          for (const uid of indexUids ?? []) {
            const problem = indexUidProblem(uid);
            if (problem) throw new MeiliError("invalid_index_uid", `Invalid value in parameter \`indexUids\`: ${problem}`);
          }
          const dates = TASK_DATE_FILTERS.flatMap(([name, field, direction, code]) => {
            const raw = q.get(name);
            if (raw === null) return [];
            const at = Date.parse(raw);
            if (Number.isNaN(at)) {
              throw new MeiliError(
                code,
                `Invalid value in parameter \`${name}\`: \`${raw}\` is an invalid date-time. It should follow the YYYY-MM-DD or RFC 3339 date-time format.`,
              );
            }
            return [{ field, direction, at }];
          });

          const matching = store.tasks.filter((t) => {
            if (uids && !uids.includes(t.uid)) return false;
            if (batchUids && (t.batchUid === null || !batchUids.includes(t.batchUid))) return false;
            if (canceledBy) return false; // the stand-in never cancels tasks
            if (statuses && !statuses.includes(t.status)) return false;
            if (types && !types.includes(t.type)) return false;
            if (indexUids && (t.indexUid === null || !indexUids.includes(t.indexUid))) return false;
            return dates.every(({ field, direction, at }) => {
              const value = t[field];
              if (value === null) return false;
              return direction === "after" ? value.getTime() > at : value.getTime() < at;
            });
          });
          const ordered = reverse ? matching : matching.slice().reverse();
          const start =
            from === undefined ? ordered : ordered.filter((t) => (reverse ? t.uid >= from : t.uid <= from));
          const page = start.slice(0, limit);
          const next = start[limit];
          return ok({
            results: page.map(taskView),
            total: matching.length,
            limit,
            from: page[0]?.uid ?? null,
            next: next?.uid ?? null,
          });
        },
      },
    },
    {
      pattern: ["tasks", ":taskUid"],
      methods: {
        GET: (req) => {
          const raw = req.params.taskUid as string;
          if (!/^\d+$/.test(raw)) {
            throw new MeiliError("invalid_task_uids", `Task uid \`${raw}\` is invalid. It should only contain numeric characters.`);
          }
          const task = store.tasks[Number(raw)];
          if (task === undefined) throw new MeiliError("task_not_found", `Task \`${raw}\` not found.`);
          return ok(taskView(task));
        },
      },
    },
    {
      pattern: ["indexes"],
      methods: {
        GET: (req) => {
          rejectUnknownParams(req.query, ["offset", "limit"]);
          const offset = uintParam(req.query, "offset", "invalid_index_offset") ?? 0;
          const limit = uintParam(req.query, "limit", "invalid_index_limit") ?? DEFAULT_LIMIT;
          const all = Array.from(store.indexes.keys())
            .sort()
            .map((uid) => store.indexes.get(uid) as IndexState);
          return ok({ results: paginate(all, offset, limit).map(indexView), offset, limit, total: all.length });
        },
        POST: (req) => {
          const body = expectObject(parseJsonBody(req.headers["content-type"], req.body));
          rejectUnknownFields(body, ["uid", "primaryKey"]);
          if (!("uid" in body)) throw new MeiliError("missing_index_uid", "Missing field `uid`");
          const { uid, primaryKey } = body;
          if (typeof uid !== "string") throw typeError("invalid_index_uid", "uid", "a string", uid);
          const problem = indexUidProblem(uid);
          if (problem) throw new MeiliError("invalid_index_uid", `Invalid value at \`.uid\`: ${problem}`);
          if (primaryKey !== undefined && primaryKey !== null && typeof primaryKey !== "string") {
            throw typeError("invalid_index_primary_key", "primaryKey", "a string", primaryKey);
          }
          const pk = typeof primaryKey === "string" ? primaryKey : null;
          return accepted(
            store.enqueue(uid, "indexCreation", { primaryKey: pk }, { primaryKey: pk }, () => {
              if (store.indexes.has(uid)) {
                throw new MeiliError("index_already_exists", `Index \`${uid}\` already exists.`);
              }
              const now = new Date();
              store.indexes.set(uid, { uid, primaryKey: pk, createdAt: now, updatedAt: now, docs: new Map() });
              return { primaryKey: pk };
            }),
          );
        },
      },
    },
    {
      pattern: ["indexes", ":indexUid"],
      methods: {
        GET: (req) => ok(indexView(store.getIndex(checkIndexUid(req.params.indexUid as string)))),
        PATCH: (req) => {
          const uid = checkIndexUid(req.params.indexUid as string);
          const body = expectObject(parseJsonBody(req.headers["content-type"], req.body));
          rejectUnknownFields(body, ["primaryKey"]);
          const { primaryKey } = body;
          if (primaryKey !== undefined && primaryKey !== null && typeof primaryKey !== "string") {
            throw typeError("invalid_index_primary_key", "primaryKey", "a string", primaryKey);
          }
          const pk = typeof primaryKey === "string" ? primaryKey : null;
          return accepted(
            store.enqueue(uid, "indexUpdate", { primaryKey: pk }, { primaryKey: pk }, () => {
              const index = store.getIndex(uid);
              if (pk !== null && pk !== index.primaryKey) {
                if (index.docs.size > 0 && index.primaryKey !== null) {
                  throw new MeiliError(
                    "index_primary_key_already_exists",
                    `Index already has a primary key: \`${index.primaryKey}\`.`,
                  );
                }
                index.primaryKey = pk;
                index.updatedAt = new Date();
              }
              return { primaryKey: pk };
            }),
          );
        },
        DELETE: (req) => {
          const uid = checkIndexUid(req.params.indexUid as string);
          return accepted(
            store.enqueue(uid, "indexDeletion", { deletedDocuments: null }, { deletedDocuments: 0 }, () => {
              const index = store.getIndex(uid);
              store.indexes.delete(uid);
              return { deletedDocuments: index.docs.size };
            }),
          );
        },
      },
    },
    {
      pattern: ["indexes", ":indexUid", "stats"],
      methods: {
        GET: (req) => ok(store.indexStats(store.getIndex(checkIndexUid(req.params.indexUid as string)))),
      },
    },
    {
      pattern: ["indexes", ":indexUid", "documents"],
      methods: {
        GET: (req) => {
          const uid = checkIndexUid(req.params.indexUid as string);
          const q = req.query;
          rejectUnknownParams(q, ["offset", "limit", "fields", "retrieveVectors", "ids", "filter", "sort"]);
          const offset = uintParam(q, "offset", "invalid_document_offset") ?? 0;
          const limit = uintParam(q, "limit", "invalid_document_limit") ?? DEFAULT_LIMIT;
          const fields = listParam(q, "fields");
          const ids = listParam(q, "ids");
          if (hasContent(q.get("filter"))) {
            throw new MeiliError(
              "invalid_document_filter",
              "Attribute filtering is unavailable: this index does not have configured filterable attributes (Meilisearch stand-in: no settings API).",
            );
          }
          if (hasContent(q.get("sort"))) {
            throw new MeiliError(
              "invalid_document_sort",
              "Sorting is unavailable: this index does not have configured sortable attributes (Meilisearch stand-in: no settings API).",
            );
          }
          const index = store.getIndex(uid);
          const all = ids
            ? ids.flatMap((id) => {
                const doc = index.docs.get(id);
                return doc ? [doc] : [];
              })
            : Array.from(index.docs.values());
          return ok({
            results: paginate(all, offset, limit).map((d) => pickFields(d, fields)),
            offset,
            limit,
            total: all.length,
          });
        },
        POST: addDocuments("replace"),
        PUT: addDocuments("update"),
        DELETE: (req) => {
          const uid = checkIndexUid(req.params.indexUid as string);
          return accepted(
            store.enqueue(uid, "documentDeletion", { deletedDocuments: null }, { deletedDocuments: 0 }, () => {
              const index = store.getIndex(uid);
              const deleted = index.docs.size;
              index.docs.clear();
              index.updatedAt = new Date();
              return { deletedDocuments: deleted };
            }),
          );
        },
      },
    },
    {
      // Listed before ":documentId" so the literal segment wins, as upstream's router does.
      pattern: ["indexes", ":indexUid", "documents", "delete-batch"],
      methods: {
        POST: (req) => {
          const uid = checkIndexUid(req.params.indexUid as string);
          const body = parseJsonBody(req.headers["content-type"], req.body);
          if (!Array.isArray(body)) {
            throw new MeiliError("bad_request", `Json deserialize error: invalid type: ${kindOf(body)}, expected a sequence`);
          }
          // Upstream keeps string ids as-is and stringifies anything else.
          return deleteDocumentsByIds(
            uid,
            body.map((v) => (typeof v === "string" ? v : JSON.stringify(v))),
          );
        },
      },
    },
    {
      pattern: ["indexes", ":indexUid", "documents", ":documentId"],
      methods: {
        GET: (req) => {
          const uid = checkIndexUid(req.params.indexUid as string);
          rejectUnknownParams(req.query, ["fields", "retrieveVectors"]);
          const fields = listParam(req.query, "fields");
          const index = store.getIndex(uid);
          const id = req.params.documentId as string;
          const doc = index.docs.get(id);
          if (doc === undefined) throw new MeiliError("document_not_found", `Document \`${id}\` not found.`);
          return ok(pickFields(doc, fields));
        },
        DELETE: (req) => deleteDocumentsByIds(checkIndexUid(req.params.indexUid as string), [req.params.documentId as string]),
      },
    },
    {
      pattern: ["indexes", ":indexUid", "search"],
      methods: {
        GET: (req) => {
          const query = searchQueryFromParams(req.query);
          return runSearch(store, checkIndexUid(req.params.indexUid as string), query);
        },
        POST: (req) => {
          const query = searchQueryFromBody(parseJsonBody(req.headers["content-type"], req.body));
          return runSearch(store, checkIndexUid(req.params.indexUid as string), query);
        },
      },
    },
  ];
}

function matchRoute(routes: Route[], segments: string[]): { route: Route; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = route.pattern.every((part, i) => {
      const segment = segments[i] as string;
      if (part.startsWith(":")) {
        params[part.slice(1)] = segment;
        return true;
      }
      return part === segment;
    });
    if (matches) return { route, params };
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// HTTP plumbing.
// ---------------------------------------------------------------------------

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Constant-time key comparison (hashing first equalizes the lengths). */
function keyMatches(candidate: string, masterKey: string): boolean {
  return timingSafeEqual(sha256(candidate), sha256(masterKey));
}

/** Upstream's Authorization handling: no header or a non-Bearer scheme is 401, a wrong key 403. */
function authenticate(header: string | undefined, masterKey: string): void {
  if (header === undefined) {
    throw new MeiliError(
      "missing_authorization_header",
      "The Authorization header is missing. It must use the bearer authorization method.",
    );
  }
  const space = header.indexOf(" ");
  const scheme = space === -1 ? header : header.slice(0, space);
  if (scheme !== "Bearer") {
    throw new MeiliError(
      "missing_authorization_header",
      "The Authorization header is missing. It must use the bearer authorization method.",
    );
  }
  const token = space === -1 ? undefined : header.slice(space + 1);
  if (token === undefined || !keyMatches(token, masterKey)) {
    throw new MeiliError("invalid_api_key", "The provided API key is invalid.");
  }
}

class PayloadTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true; // keep draining so the reply can be written cleanly
      else chunks.push(chunk);
    });
    req.on("end", () => (tooLarge ? reject(new PayloadTooLarge()) : resolve(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  res.setHeader(STANDIN_HEADER, STANDIN_PKG_VERSION);
  if (body === undefined) {
    res.writeHead(status, { "content-length": "0" });
    res.end();
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(payload)),
  });
  res.end(payload);
}

export async function startMeilisearchStandIn(opts: MeilisearchStandInOptions): Promise<MeilisearchStandIn> {
  const host = opts.host ?? "127.0.0.1";
  const masterKey = opts.masterKey !== undefined && opts.masterKey !== "" ? opts.masterKey : undefined;
  const maxPayload = opts.maxPayloadBytes ?? 100_000_000;
  const store = new Store(Math.max(0, opts.taskDelayMs ?? 5), opts.dbPath);
  const routes = buildRoutes(store);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://stand-in.invalid");
    let segments: string[];
    try {
      // Upstream trims trailing slashes, so "/indexes/" is "/indexes".
      segments = url.pathname.split("/").filter((s) => s.length > 0).map(decodeURIComponent);
    } catch {
      send(res, 404);
      return;
    }
    const match = matchRoute(routes, segments);
    // Unknown paths and methods get actix-web's bare 404/405, before any auth.
    if (match === undefined) {
      send(res, 404);
      return;
    }
    const handler = match.route.methods[method];
    if (handler === undefined) {
      send(res, 405);
      return;
    }
    try {
      if (masterKey !== undefined && !match.route.public) authenticate(req.headers.authorization, masterKey);
      const needsBody = method === "POST" || method === "PUT" || method === "PATCH";
      const body = needsBody ? await readBody(req, maxPayload) : Buffer.alloc(0);
      const reply = handler({ method, params: match.params, query: url.searchParams, headers: req.headers, body });
      send(res, reply.status, reply.body);
    } catch (err) {
      if (err instanceof MeiliError) {
        send(res, err.status, err.body());
      } else if (err instanceof PayloadTooLarge) {
        const mib = (maxPayload / 1024 / 1024).toFixed(2);
        const e = new MeiliError(
          "payload_too_large",
          `The provided payload reached the size limit. The maximum accepted payload size is ${mib} MiB.`,
        );
        send(res, e.status, e.body());
      } else {
        const e = new MeiliError("internal", `Stand-in internal error: ${String(err)}`);
        send(res, e.status, e.body());
      }
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500);
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://${urlHost}:${port}`,
    close() {
      // Idempotent: drills and test teardown may both close.
      closing ??= new Promise<void>((resolve, reject) => {
        store.stop();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
        // In-flight requests get a short grace period, then are cut.
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      });
      return closing;
    },
  };
}
