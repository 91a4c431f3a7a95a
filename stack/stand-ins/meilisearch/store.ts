// Meilisearch stand-in: state: indexes, documents and the task queue.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ErrorBody, MeiliError, indexNotFound } from "./errors.js";
import { type Doc, type Json } from "./validation.js";

export interface IndexState {
  uid: string;
  primaryKey: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** External id -> document, in insertion order (Meilisearch's internal docid order). */
  docs: Map<string, Doc>;
}

export type TaskStatus = "enqueued" | "processing" | "succeeded" | "failed" | "canceled";
export const TASK_STATUSES: readonly TaskStatus[] = ["enqueued", "processing", "succeeded", "failed", "canceled"];
// Every kind upstream knows, so filters on kinds the stand-in never creates are valid, not errors.
export const TASK_TYPES = [
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
export type TaskType = (typeof TASK_TYPES)[number];

export type Details = { [key: string]: Json };

export interface Task {
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

export function isoDuration(ms: number): string {
  return `PT${ms / 1000}S`;
}

export function taskView(task: Task): Record<string, Json> {
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

export function summarizedTask(task: Task): Record<string, Json> {
  return {
    taskUid: task.uid,
    indexUid: task.indexUid,
    status: task.status,
    type: task.type,
    enqueuedAt: task.enqueuedAt.toISOString(),
  };
}

export function indexView(index: IndexState): Record<string, Json> {
  return {
    uid: index.uid,
    createdAt: index.createdAt.toISOString(),
    updatedAt: index.updatedAt.toISOString(),
    primaryKey: index.primaryKey,
  };
}

/** What `dbPath` holds: the indexes and their documents (not the task history). */
export interface Snapshot {
  format: "meilisearch-stand-in/indexes/1";
  indexes: { uid: string; primaryKey: string | null; createdAt: string; updatedAt: string; docs: [string, Doc][] }[];
}

export const SNAPSHOT_FILE = "stand-in-indexes.json";

export function loadSnapshot(dbPath: string): Map<string, IndexState> {
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

export function saveSnapshot(dbPath: string, indexes: Map<string, IndexState>): void {
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

export class Store {
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
