/**
 * Contract suite for the Meilisearch HTTP API subset the stack relies on.
 *
 * It is written against a base URL + master key only, so the same
 * assertions run against the in-process stand-in and, when one is reachable,
 * the real getmeili/meilisearch image. Keep every assertion true of upstream:
 * stand-in-only behaviour belongs in contract.test.ts, not here.
 *
 * Assertions that depend on timing (a task may already be done when first
 * polled on a fast engine) accept every legal state, and every index a test
 * creates gets a run-unique uid and is deleted afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Meilisearch, MeilisearchApiError } from "meilisearch";

export interface MeilisearchTarget {
  /** Base URL, e.g. http://127.0.0.1:7700 (no trailing slash needed). */
  url: string;
  /** Master key the target was started with; the contract needs auth enabled. */
  key: string;
}

interface RawResponse {
  status: number;
  headers: Headers;
  body: any; // parsed JSON, or undefined for an empty body
}

interface RawOptions {
  /** Serialized as JSON with `Content-Type: application/json`. */
  json?: unknown;
  /** Sent verbatim; `Uint8Array` lets fetch omit Content-Type entirely. */
  raw?: string | Uint8Array<ArrayBuffer>;
  contentType?: string;
  /** `undefined`: the target's master key; `null`: no Authorization header; else the literal header value. */
  authorization?: string | null;
}

type TaskView = {
  uid: number;
  indexUid: string | null;
  status: string;
  type: string;
  details?: Record<string, unknown>;
  error: { message: string; code: string; type: string; link: string } | null;
  duration: string | null;
  enqueuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
};

const errorBody = (code: string, type: string, message: string) => ({
  message,
  code,
  type,
  link: `https://docs.meilisearch.com/errors#${code}`,
});

/** RFC 3339 to ms; upstream prints nanoseconds, so keep only what Date can hold. */
function toMs(rfc3339: string): number {
  const ms = Date.parse(rfc3339.replace(/(\.\d{3})\d+/, "$1"));
  expect(ms, `not an RFC 3339 date: ${rfc3339}`).not.toBeNaN();
  return ms;
}

const BOOKS = [
  { id: 1, title: "The Quick Brown Fox", author: "Aesop", tags: ["fable", "animals"], year: 1912 },
  { id: 2, title: "Slow Green Turtle", author: "Anonymous", tags: ["animals"] },
  { id: 3, title: "Runbooks for Humans", author: "Ops Team", tags: ["operations"] },
];

export function meilisearchContract(getTarget: () => MeilisearchTarget): void {
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  let counter = 0;
  const created = new Set<string>();

  const base = () => getTarget().url.replace(/\/+$/, "");
  /** Official client; `null` means "no API key at all". */
  const client = (apiKey: string | null = getTarget().key) =>
    new Meilisearch({ host: base(), apiKey: apiKey ?? undefined });

  /** A fresh index uid, deleted in afterAll (even if the test never created it). */
  const freshUid = (label: string): string => {
    counter += 1;
    const uid = `contract_${runId}_${label}_${counter}`;
    created.add(uid);
    return uid;
  };

  async function api(method: string, path: string, opts: RawOptions = {}): Promise<RawResponse> {
    const headers: Record<string, string> = {};
    const auth = opts.authorization === undefined ? `Bearer ${getTarget().key}` : opts.authorization;
    if (auth !== null) headers.Authorization = auth;
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers["Content-Type"] = "application/json";
    } else if (opts.raw !== undefined) {
      body = opts.raw;
    }
    if (opts.contentType !== undefined) headers["Content-Type"] = opts.contentType;
    const res = await fetch(`${base()}${path}`, { method, headers, body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text === "" ? undefined : JSON.parse(text) };
  }

  /** Polls GET /tasks/{uid} until the task leaves enqueued/processing. */
  async function waitTask(taskUid: number, timeoutMs = 20_000): Promise<TaskView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await api("GET", `/tasks/${taskUid}`);
      expect(res.status).toBe(200);
      const task = res.body as TaskView;
      if (task.status !== "enqueued" && task.status !== "processing") return task;
      if (Date.now() > deadline) throw new Error(`task ${taskUid} still ${task.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async function seedBooks(uid: string): Promise<void> {
    const task = await client().index(uid).addDocuments(BOOKS, { primaryKey: "id" }).waitTask({ timeout: 20_000 });
    expect(task.status).toBe("succeeded");
  }

  async function searchIds(uid: string, q: string): Promise<number[]> {
    const res = await client().index(uid).search(q);
    return res.hits.map((h) => h.id as number);
  }

  beforeAll(() => {
    expect(getTarget().key, "the contract needs a target started with a master key").not.toBe("");
  });

  afterAll(async () => {
    for (const uid of created) {
      const res = await api("DELETE", `/indexes/${uid}`).catch(() => undefined);
      if (res?.status === 202) await waitTask(res.body.taskUid).catch(() => undefined);
    }
  });

  describe("health and version", () => {
    it("GET /health answers without a key", async () => {
      const res = await api("GET", "/health", { authorization: null });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: "available" });
      expect(await client(null).isHealthy()).toBe(true);
      expect(await client("not-the-key").health()).toEqual({ status: "available" });
    });

    it("GET /version reports pkgVersion, commitSha and commitDate", async () => {
      const res = await api("GET", "/version");
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(["commitDate", "commitSha", "pkgVersion"]);
      expect(res.body.pkgVersion).toMatch(/^1\.\d+\.\d+/);
      const version = await client().getVersion();
      expect(version.pkgVersion).toBe(res.body.pkgVersion);
      expect(typeof version.commitSha).toBe("string");
      expect(typeof version.commitDate).toBe("string");
    });
  });

  describe("master-key authentication", () => {
    const missing = errorBody(
      "missing_authorization_header",
      "auth",
      "The Authorization header is missing. It must use the bearer authorization method.",
    );
    const invalid = errorBody("invalid_api_key", "auth", "The provided API key is invalid.");

    it("rejects a request without Authorization with 401 missing_authorization_header", async () => {
      for (const path of ["/indexes", "/version", "/stats", "/tasks"]) {
        const res = await api("GET", path, { authorization: null });
        expect(res.status, path).toBe(401);
        expect(res.body, path).toEqual(missing);
      }
    });

    it("treats a non-Bearer scheme as a missing header (401)", async () => {
      const res = await api("GET", "/indexes", { authorization: `Basic ${getTarget().key}` });
      expect(res.status).toBe(401);
      expect(res.body).toEqual(missing);
    });

    it("rejects a wrong key with 403 invalid_api_key, on reads and writes", async () => {
      const read = await api("GET", "/indexes", { authorization: "Bearer definitely-not-the-key" });
      expect(read.status).toBe(403);
      expect(read.body).toEqual(invalid);
      const uid = freshUid("auth");
      const write = await api("POST", "/indexes", { json: { uid }, authorization: "Bearer definitely-not-the-key" });
      expect(write.status).toBe(403);
      expect(write.body).toEqual(invalid);
      // The rejected write must not have created anything.
      expect((await api("GET", `/indexes/${uid}`)).status).toBe(404);
    });

    it("surfaces the same errors through the official client", async () => {
      const wrong = await client("definitely-not-the-key").getIndexes().catch((e: unknown) => e);
      expect(wrong).toBeInstanceOf(MeilisearchApiError);
      expect((wrong as MeilisearchApiError).response.status).toBe(403);
      expect((wrong as MeilisearchApiError).cause).toEqual(invalid);

      const none = await client(null).getStats().catch((e: unknown) => e);
      expect(none).toBeInstanceOf(MeilisearchApiError);
      expect((none as MeilisearchApiError).response.status).toBe(401);
      expect((none as MeilisearchApiError).cause).toEqual(missing);
    });
  });

  describe("indexes", () => {
    it("creates, gets, lists and deletes an index over raw HTTP", async () => {
      const uid = freshUid("raw_index");
      const create = await api("POST", "/indexes", { json: { uid, primaryKey: "id" } });
      expect(create.status).toBe(202);
      expect(create.body).toMatchObject({ taskUid: expect.any(Number), indexUid: uid, status: "enqueued", type: "indexCreation" });
      const done = await waitTask(create.body.taskUid);
      expect(done).toMatchObject({ status: "succeeded", type: "indexCreation", indexUid: uid, error: null });
      expect(done.details).toEqual({ primaryKey: "id" });

      const got = await api("GET", `/indexes/${uid}`);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ uid, primaryKey: "id" });
      expect(toMs(got.body.updatedAt)).toBeGreaterThanOrEqual(toMs(got.body.createdAt));

      const list = await api("GET", "/indexes?limit=1000");
      expect(list.status).toBe(200);
      expect(Object.keys(list.body).sort()).toEqual(["limit", "offset", "results", "total"]);
      expect(list.body).toMatchObject({ offset: 0, limit: 1000 });
      expect(list.body.total).toBeGreaterThanOrEqual(1);
      expect(list.body.results).toContainEqual(got.body);

      const paged = await api("GET", "/indexes?limit=1&offset=0");
      expect(paged.body.results).toHaveLength(1);
      expect(paged.body).toMatchObject({ limit: 1, offset: 0, total: list.body.total });

      const del = await api("DELETE", `/indexes/${uid}`);
      expect(del.status).toBe(202);
      expect(del.body).toMatchObject({ indexUid: uid, status: "enqueued", type: "indexDeletion" });
      expect(await waitTask(del.body.taskUid)).toMatchObject({ status: "succeeded", details: { deletedDocuments: 0 } });

      const gone = await api("GET", `/indexes/${uid}`);
      expect(gone.status).toBe(404);
      expect(gone.body).toEqual(errorBody("index_not_found", "invalid_request", `Index \`${uid}\` not found.`));
    });

    it("creates, lists and deletes an index through the official client", async () => {
      const ms = client();
      const uid = freshUid("client_index");
      const task = await ms.createIndex(uid, { primaryKey: "sku" }).waitTask({ timeout: 20_000 });
      expect(task).toMatchObject({ status: "succeeded", type: "indexCreation", indexUid: uid });

      const index = await ms.getIndex(uid);
      expect(index.uid).toBe(uid);
      expect(index.primaryKey).toBe("sku");
      const { results } = await ms.getIndexes({ limit: 1000 });
      expect(results.map((i) => i.uid)).toContain(uid);

      const deletion = await ms.deleteIndex(uid).waitTask({ timeout: 20_000 });
      expect(deletion).toMatchObject({ status: "succeeded", type: "indexDeletion" });
      const gone = await ms.getIndex(uid).catch((e: unknown) => e);
      expect(gone).toBeInstanceOf(MeilisearchApiError);
      expect((gone as MeilisearchApiError).cause?.code).toBe("index_not_found");
    });

    it("fails the task, not the request, when the index already exists", async () => {
      const uid = freshUid("dup");
      const first = await api("POST", "/indexes", { json: { uid } });
      await waitTask(first.body.taskUid);
      const second = await api("POST", "/indexes", { json: { uid } });
      expect(second.status).toBe(202);
      const failed = await waitTask(second.body.taskUid);
      expect(failed.status).toBe("failed");
      expect(failed.error).toEqual(errorBody("index_already_exists", "invalid_request", `Index \`${uid}\` already exists.`));
    });

    it("rejects an invalid index uid with 400 invalid_index_uid", async () => {
      const res = await api("POST", "/indexes", { json: { uid: "not a valid uid!" } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "invalid_index_uid", type: "invalid_request" });
      expect(res.body.message).toContain("is not a valid index uid");
      const missingUid = await api("POST", "/indexes", { json: { primaryKey: "id" } });
      expect(missingUid.status).toBe(400);
      expect(missingUid.body.code).toBe("missing_index_uid");
    });
  });

  describe("documents, search and stats", () => {
    it("finds added documents once the task succeeded (official client)", async () => {
      const uid = freshUid("search");
      const index = client().index(uid);
      const enqueued = await index.addDocuments(BOOKS);
      expect(enqueued).toMatchObject({ indexUid: uid, status: "enqueued", type: "documentAdditionOrUpdate" });
      const task = await client().tasks.waitForTask(enqueued.taskUid, { timeout: 20_000 });
      expect(task.status).toBe("succeeded");
      expect(task.details).toMatchObject({ receivedDocuments: 3, indexedDocuments: 3 });
      // Adding documents created the index and inferred the primary key.
      expect(await index.fetchPrimaryKey()).toBe("id");

      expect(await searchIds(uid, "quick")).toEqual([1]);
      expect(await searchIds(uid, "QuIcK bRoWn")).toEqual([1]);
      expect(await searchIds(uid, "runb")).toEqual([3]); // prefix of the last word
      expect((await searchIds(uid, "animals")).sort()).toEqual([1, 2]);
      expect(await searchIds(uid, "zzzzqqqq")).toEqual([]);

      const all = await index.search("");
      expect(all.hits).toHaveLength(3);
      expect(all).toMatchObject({ query: "", limit: 20, offset: 0, estimatedTotalHits: 3 });
      expect(typeof all.processingTimeMs).toBe("number");
      expect(all.hits).toContainEqual(BOOKS[2]);

      const page = await index.search(null, { limit: 1, offset: 1 });
      expect(page.hits).toHaveLength(1);
      expect(page).toMatchObject({ limit: 1, offset: 1, estimatedTotalHits: 3 });
    });

    it("serves GET and POST /search over raw HTTP with the same result shape", async () => {
      const uid = freshUid("raw_search");
      await seedBooks(uid);
      const get = await api("GET", `/indexes/${uid}/search?q=turtle&limit=5`);
      expect(get.status).toBe(200);
      expect(get.body).toMatchObject({ query: "turtle", limit: 5, offset: 0, estimatedTotalHits: 1 });
      expect(get.body.hits).toEqual([BOOKS[1]]);
      for (const key of ["hits", "query", "processingTimeMs", "limit", "offset", "estimatedTotalHits"]) {
        expect(get.body, key).toHaveProperty(key);
      }

      const post = await api("POST", `/indexes/${uid}/search`, { json: { q: "turtle", limit: 5 } });
      expect(post.status).toBe(200);
      expect(post.body.hits).toEqual(get.body.hits);
      expect(post.body).toMatchObject({ query: "turtle", limit: 5, offset: 0, estimatedTotalHits: 1 });

      const retrieve = await api("POST", `/indexes/${uid}/search`, { json: { q: "fox", attributesToRetrieve: ["title"] } });
      expect(retrieve.body.hits).toEqual([{ title: "The Quick Brown Fox" }]);
    });

    it("reports numberOfDocuments and fieldDistribution in index and global stats", async () => {
      const uid = freshUid("stats");
      await seedBooks(uid);
      const stats = await client().index(uid).getStats();
      expect(stats.numberOfDocuments).toBe(3);
      expect(stats.isIndexing).toBe(false);
      expect(stats.fieldDistribution).toEqual({ author: 3, id: 3, tags: 3, title: 3, year: 1 });

      const raw = await api("GET", `/indexes/${uid}/stats`);
      expect(raw.status).toBe(200);
      expect(raw.body).toMatchObject({ numberOfDocuments: 3, isIndexing: false });

      const global = await client().getStats();
      expect(global.indexes[uid]).toMatchObject({ numberOfDocuments: 3 });
      expect(typeof global.databaseSize).toBe("number");
    });

    it("empties the index on DELETE /documents: stats 0, search finds nothing", async () => {
      const uid = freshUid("empty");
      await seedBooks(uid);
      const del = await api("DELETE", `/indexes/${uid}/documents`);
      expect(del.status).toBe(202);
      expect(del.body).toMatchObject({ indexUid: uid, status: "enqueued", type: "documentDeletion" });
      const task = await waitTask(del.body.taskUid);
      expect(task).toMatchObject({ status: "succeeded", details: { deletedDocuments: 3 } });

      expect((await client().index(uid).getStats()).numberOfDocuments).toBe(0);
      const search = await client().index(uid).search("");
      expect(search.hits).toEqual([]);
      expect(search.estimatedTotalHits).toBe(0);
      // The index itself survives; only its documents are gone.
      expect((await api("GET", `/indexes/${uid}`)).status).toBe(200);

      // The client path for the same operation.
      await seedBooks(uid);
      const viaClient = await client().index(uid).deleteAllDocuments().waitTask({ timeout: 20_000 });
      expect(viaClient.status).toBe("succeeded");
      expect((await client().index(uid).getStats()).numberOfDocuments).toBe(0);
    });

    it("lists, gets, replaces, merges and deletes single documents", async () => {
      const uid = freshUid("docs");
      await seedBooks(uid);

      const list = await api("GET", `/indexes/${uid}/documents?limit=2&offset=1`);
      expect(list.status).toBe(200);
      expect(list.body).toMatchObject({ offset: 1, limit: 2, total: 3 });
      expect(list.body.results.map((d: { id: number }) => d.id)).toEqual([2, 3]);

      const one = await api("GET", `/indexes/${uid}/documents/1`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(BOOKS[0]);
      const fields = await api("GET", `/indexes/${uid}/documents/1?fields=title,year`);
      expect(fields.body).toEqual({ title: "The Quick Brown Fox", year: 1912 });

      const missing = await api("GET", `/indexes/${uid}/documents/999`);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual(errorBody("document_not_found", "invalid_request", "Document `999` not found."));

      // PUT = add or update: fields are merged into the stored document.
      const put = await api("PUT", `/indexes/${uid}/documents`, { json: [{ id: 1, title: "Renamed" }] });
      expect(put.status).toBe(202);
      expect(await waitTask(put.body.taskUid)).toMatchObject({ status: "succeeded" });
      expect((await api("GET", `/indexes/${uid}/documents/1`)).body).toEqual({ ...BOOKS[0], title: "Renamed" });

      // POST = add or replace: the stored document is replaced as a whole.
      const post = await api("POST", `/indexes/${uid}/documents`, { json: { id: 1, title: "Replaced" } });
      expect(await waitTask(post.body.taskUid)).toMatchObject({ status: "succeeded" });
      expect((await api("GET", `/indexes/${uid}/documents/1`)).body).toEqual({ id: 1, title: "Replaced" });

      const del = await api("DELETE", `/indexes/${uid}/documents/2`);
      expect(del.status).toBe(202);
      expect(del.body.type).toBe("documentDeletion");
      expect(await waitTask(del.body.taskUid)).toMatchObject({
        status: "succeeded",
        details: { providedIds: 1, deletedDocuments: 1 },
      });
      expect((await api("GET", `/indexes/${uid}/documents/2`)).status).toBe(404);
      expect((await client().index(uid).getDocuments()).total).toBe(2);
      expect(await client().index(uid).getDocument(3)).toEqual(BOOKS[2]);
    });

    it("fails document tasks whose primary key cannot be inferred", async () => {
      const none = freshUid("pk_none");
      const noCandidate = await api("POST", `/indexes/${none}/documents`, { json: [{ title: "no key here" }] });
      expect(noCandidate.status).toBe(202);
      const failed = await waitTask(noCandidate.body.taskUid);
      expect(failed.status).toBe("failed");
      expect(failed.error).toMatchObject({ code: "index_primary_key_no_candidate_found", type: "invalid_request" });
      expect(failed.details).toMatchObject({ receivedDocuments: 1, indexedDocuments: 0 });

      const many = freshUid("pk_many");
      const twoCandidates = await api("POST", `/indexes/${many}/documents`, { json: [{ id: 1, userId: 2 }] });
      const failedToo = await waitTask(twoCandidates.body.taskUid);
      expect(failedToo.error?.code).toBe("index_primary_key_multiple_candidates_found");

      const explicit = await api("POST", `/indexes/${many}/documents?primaryKey=id`, { json: [{ id: 1, userId: 2 }] });
      expect(await waitTask(explicit.body.taskUid)).toMatchObject({ status: "succeeded" });
      expect((await api("GET", `/indexes/${many}`)).body.primaryKey).toBe("id");
    });
  });

  describe("tasks", () => {
    it("goes from an enqueued summarized task to a succeeded task view", async () => {
      const uid = freshUid("lifecycle");
      const res = await api("POST", `/indexes/${uid}/documents`, { json: BOOKS.slice(0, 2) });
      expect(res.status).toBe(202);
      expect(Object.keys(res.body).sort()).toEqual(["enqueuedAt", "indexUid", "status", "taskUid", "type"]);
      expect(res.body).toMatchObject({ indexUid: uid, status: "enqueued", type: "documentAdditionOrUpdate" });
      const enqueuedAt = toMs(res.body.enqueuedAt);

      // A fast engine may already be done: every state on the way is legal here.
      const first = await api("GET", `/tasks/${res.body.taskUid}`);
      expect(first.status).toBe(200);
      expect(["enqueued", "processing", "succeeded"]).toContain(first.body.status);
      expect(first.body).toMatchObject({ uid: res.body.taskUid, indexUid: uid, type: "documentAdditionOrUpdate" });
      if (first.body.status === "enqueued") {
        expect(first.body).toMatchObject({ startedAt: null, finishedAt: null, duration: null, error: null });
        expect(first.body.details).toEqual({ receivedDocuments: 2, indexedDocuments: null });
      }

      const done = await waitTask(res.body.taskUid);
      expect(done).toMatchObject({
        uid: res.body.taskUid,
        indexUid: uid,
        status: "succeeded",
        type: "documentAdditionOrUpdate",
        error: null,
        details: { receivedDocuments: 2, indexedDocuments: 2 },
      });
      expect(toMs(done.enqueuedAt)).toBe(enqueuedAt);
      expect(toMs(done.startedAt as string)).toBeGreaterThanOrEqual(enqueuedAt);
      expect(toMs(done.finishedAt as string)).toBeGreaterThanOrEqual(toMs(done.startedAt as string));
      expect(done.duration).toMatch(/^PT\d+(\.\d+)?S$/);

      const viaClient = await client().tasks.getTask(res.body.taskUid);
      expect(viaClient.status).toBe("succeeded");
    });

    it("lists tasks newest first with filters and pagination fields", async () => {
      const uid = freshUid("tasklist");
      const a = await api("POST", "/indexes", { json: { uid } });
      const b = await api("POST", `/indexes/${uid}/documents`, { json: BOOKS });
      await waitTask(b.body.taskUid);

      const list = await api("GET", `/tasks?indexUids=${uid}`);
      expect(list.status).toBe(200);
      expect(Object.keys(list.body).sort()).toEqual(["from", "limit", "next", "results", "total"]);
      expect(list.body.results.map((t: TaskView) => t.uid)).toEqual([b.body.taskUid, a.body.taskUid]);
      expect(list.body).toMatchObject({ total: 2, limit: 20, from: b.body.taskUid, next: null });

      const paged = await api("GET", `/tasks?indexUids=${uid}&limit=1`);
      expect(paged.body.results).toHaveLength(1);
      expect(paged.body).toMatchObject({ limit: 1, from: b.body.taskUid, next: a.body.taskUid });

      const filtered = await client().tasks.getTasks({
        indexUids: [uid],
        types: ["indexCreation"],
        statuses: ["succeeded"],
      });
      expect(filtered.results.map((t) => t.uid)).toEqual([a.body.taskUid]);
    });

    it("answers unknown task uids with 404 task_not_found", async () => {
      const res = await api("GET", "/tasks/987654321");
      expect(res.status).toBe(404);
      expect(res.body).toEqual(errorBody("task_not_found", "invalid_request", "Task `987654321` not found."));
    });
  });

  describe("errors", () => {
    it("answers a missing index with 404 index_not_found on every read route", async () => {
      const uid = freshUid("missing");
      const expected = errorBody("index_not_found", "invalid_request", `Index \`${uid}\` not found.`);
      for (const [method, path, json] of [
        ["GET", `/indexes/${uid}`],
        ["GET", `/indexes/${uid}/stats`],
        ["GET", `/indexes/${uid}/documents`],
        ["GET", `/indexes/${uid}/documents/1`],
        ["GET", `/indexes/${uid}/search?q=a`],
        ["POST", `/indexes/${uid}/search`, { q: "a" }],
      ] as const) {
        const res = await api(method, path, json === undefined ? {} : { json });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body, `${method} ${path}`).toEqual(expected);
      }

      const viaClient = await client().index(uid).search("a").catch((e: unknown) => e);
      expect(viaClient).toBeInstanceOf(MeilisearchApiError);
      expect((viaClient as MeilisearchApiError).cause).toEqual(expected);
      expect((viaClient as MeilisearchApiError).response.status).toBe(404);
    });

    it("fails write tasks on a missing index with index_not_found", async () => {
      const uid = freshUid("missing_write");
      const expected = errorBody("index_not_found", "invalid_request", `Index \`${uid}\` not found.`);
      for (const path of [`/indexes/${uid}`, `/indexes/${uid}/documents`, `/indexes/${uid}/documents/1`]) {
        const res = await api("DELETE", path);
        expect(res.status, path).toBe(202);
        const task = await waitTask(res.body.taskUid);
        expect(task.status, path).toBe("failed");
        expect(task.error, path).toEqual(expected);
      }
    });

    it("rejects malformed JSON with 400 malformed_payload", async () => {
      const uid = freshUid("malformed");
      const search = await api("POST", `/indexes/${uid}/search`, { raw: '{"q": ', contentType: "application/json" });
      expect(search.status).toBe(400);
      expect(search.body).toMatchObject({ code: "malformed_payload", type: "invalid_request" });
      expect(search.body.message).toMatch(/^The json payload provided is malformed\. /);
      expect(search.body.link).toBe("https://docs.meilisearch.com/errors#malformed_payload");

      const docs = await api("POST", `/indexes/${uid}/documents`, { raw: "[{bad", contentType: "application/json" });
      expect(docs.status).toBe(400);
      expect(docs.body).toMatchObject({ code: "malformed_payload", type: "invalid_request" });
      expect(docs.body.message).toMatch(/^The `json` payload provided is malformed\. /);
      // Rejected up front: nothing was enqueued, so the index never appeared.
      expect((await api("GET", `/indexes/${uid}`)).status).toBe(404);
    });

    it("rejects a missing or wrong Content-Type with 415", async () => {
      const payload = new TextEncoder().encode(JSON.stringify({ uid: freshUid("ctype") }));
      const none = await api("POST", "/indexes", { raw: payload });
      expect(none.status).toBe(415);
      expect(none.body).toEqual(
        errorBody(
          "missing_content_type",
          "invalid_request",
          "A Content-Type header is missing. Accepted values for the Content-Type header are: `application/json`",
        ),
      );
      const wrong = await api("POST", "/indexes", { raw: payload, contentType: "text/plain" });
      expect(wrong.status).toBe(415);
      expect(wrong.body).toEqual(
        errorBody(
          "invalid_content_type",
          "invalid_request",
          "The Content-Type `text/plain` is invalid. Accepted values for the Content-Type header are: `application/json`",
        ),
      );
      const docs = await api("POST", `/indexes/${freshUid("ctype_docs")}/documents`, {
        raw: "[]",
        contentType: "text/plain",
      });
      expect(docs.status).toBe(415);
      expect(docs.body).toMatchObject({ code: "invalid_content_type", type: "invalid_request" });
    });
  });
}
