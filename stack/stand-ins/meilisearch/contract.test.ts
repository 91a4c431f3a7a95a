import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Meilisearch } from "meilisearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig, parseHttpAddr } from "./config.js";
import { meilisearchContract } from "./contract.js";
import { STANDIN_HEADER, STANDIN_PKG_VERSION, startMeilisearchStandIn, type MeilisearchStandIn } from "./server.js";

const MASTER_KEY = "contract-master-key-0123456789abcdef";
const here = dirname(fileURLToPath(import.meta.url));

describe("meilisearch stand-in, in-process on an ephemeral port", () => {
  let standIn: MeilisearchStandIn | undefined;
  beforeAll(async () => {
    standIn = await startMeilisearchStandIn({ port: 0, masterKey: MASTER_KEY });
  });
  afterAll(async () => {
    await standIn?.close();
  });

  meilisearchContract(() => {
    if (!standIn) throw new Error("stand-in not started");
    return { url: standIn.url, key: MASTER_KEY };
  });
});

// The same contract against the real image, once someone can run it.
const upstreamUrl = process.env.MEILISEARCH_UPSTREAM_URL;
describe.skipIf(!upstreamUrl)(
  upstreamUrl
    ? `upstream getmeili/meilisearch at ${upstreamUrl} (key from MEILISEARCH_UPSTREAM_KEY)`
    : "upstream getmeili/meilisearch: skipped, no registry reachable (set MEILISEARCH_UPSTREAM_URL)",
  () => {
    meilisearchContract(() => ({ url: upstreamUrl ?? "", key: process.env.MEILISEARCH_UPSTREAM_KEY ?? "" }));
  },
);

// Behaviour only the stand-in guarantees (or that would be timing-dependent upstream).
describe("meilisearch stand-in specifics", () => {
  it("marks itself as a stand-in in /version and in a response header", async () => {
    const s = await startMeilisearchStandIn({ port: 0, masterKey: MASTER_KEY });
    try {
      const res = await fetch(`${s.url}/version`, { headers: { Authorization: `Bearer ${MASTER_KEY}` } });
      expect(await res.json()).toEqual({ commitSha: "unknown", commitDate: "unknown", pkgVersion: STANDIN_PKG_VERSION });
      expect(STANDIN_PKG_VERSION).toContain("standin");
      expect(res.headers.get(STANDIN_HEADER)).toBe(STANDIN_PKG_VERSION);
    } finally {
      await s.close();
    }
  });

  it("shows enqueued -> processing -> succeeded, one task at a time, with a slow queue", async () => {
    // 400 ms per phase: each state is asserted mid-window, with 200 ms of margin for a busy CI box.
    const s = await startMeilisearchStandIn({ port: 0, masterKey: MASTER_KEY, taskDelayMs: 400 });
    const auth = { Authorization: `Bearer ${MASTER_KEY}`, "Content-Type": "application/json" };
    const getTask = async (uid: number) => (await fetch(`${s.url}/tasks/${uid}`, { headers: auth })).json();
    try {
      const post = (body: unknown) =>
        fetch(`${s.url}/indexes/slow/documents`, { method: "POST", headers: auth, body: JSON.stringify(body) }).then(
          (r) => r.json(),
        );
      const first = await post([{ id: 1, title: "first" }]);
      const second = await post([{ id: 2, title: "second" }]);
      expect((await getTask(first.taskUid)).status).toBe("enqueued");

      await new Promise((r) => setTimeout(r, 600)); // first is now processing, second waits
      const processing = await getTask(first.taskUid);
      expect(processing).toMatchObject({ status: "processing", finishedAt: null, duration: null });
      expect(processing.startedAt).not.toBeNull();
      expect((await getTask(second.taskUid)).status).toBe("enqueued");
      const stats = await (await fetch(`${s.url}/indexes/slow/stats`, { headers: auth })).status;
      expect(stats).toBe(404); // the index only exists once the first addition is applied

      const ms = new Meilisearch({ host: s.url, apiKey: MASTER_KEY });
      const [a, b] = await ms.tasks.waitForTasks([first.taskUid, second.taskUid], { timeout: 5_000 });
      expect(a?.status).toBe("succeeded");
      expect(b?.status).toBe("succeeded");
      expect(Date.parse(b?.startedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(a?.finishedAt ?? ""));
      expect((await ms.index("slow").getStats()).numberOfDocuments).toBe(2);
    } finally {
      await s.close();
    }
  });

  it("reports isIndexing while a task of the index is processing", async () => {
    const s = await startMeilisearchStandIn({ port: 0, taskDelayMs: 400 });
    try {
      const ms = new Meilisearch({ host: s.url });
      await ms.createIndex("busy").waitTask();
      await ms.index("busy").addDocuments([{ id: 1 }]);
      await new Promise((r) => setTimeout(r, 600)); // mid-way through processing (400-800 ms)
      expect((await ms.index("busy").getStats()).isIndexing).toBe(true);
      await new Promise((r) => setTimeout(r, 400));
      expect((await ms.index("busy").getStats()).isIndexing).toBe(false);
    } finally {
      await s.close();
    }
  });

  it("without a master key, every route is open", async () => {
    const s = await startMeilisearchStandIn({ port: 0 });
    try {
      const res = await fetch(`${s.url}/indexes`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ results: [], offset: 0, limit: 20, total: 0 });
    } finally {
      await s.close();
    }
  });

  it("implements matchingStrategy: last (default) drops trailing words, all requires every word", async () => {
    const s = await startMeilisearchStandIn({ port: 0, taskDelayMs: 0 });
    try {
      const index = new Meilisearch({ host: s.url }).index("words");
      await index.addDocuments([
        { id: 1, title: "disk full on the primary" },
        { id: 2, title: "disk latency" },
        { id: 3, title: "Éclair café" },
      ]).waitTask();
      expect((await index.search("disk full")).hits.map((h) => h.id)).toEqual([1, 2]);
      expect((await index.search("disk full", { matchingStrategy: "all" })).hits.map((h) => h.id)).toEqual([1]);
      expect((await index.search("eclair CAFE")).hits.map((h) => h.id)).toEqual([3]); // diacritics folded
      expect((await index.search("", { page: 2, hitsPerPage: 2 }))).toMatchObject({
        page: 2,
        hitsPerPage: 2,
        totalPages: 2,
        totalHits: 3,
      });
      const filtered = await fetch(`${s.url}/indexes/words/search`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ q: "disk", filter: "id = 1" }),
      });
      expect(filtered.status).toBe(400);
      expect((await filtered.json()).code).toBe("invalid_search_filter");
    } finally {
      await s.close();
    }
  });

  it("close() is idempotent and frees the port", async () => {
    const s = await startMeilisearchStandIn({ port: 0 });
    await Promise.all([s.close(), s.close()]);
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
    const again = await startMeilisearchStandIn({ port: s.port });
    await again.close();
  });

  it("keeps indexes and documents across a restart when it has a db path, as a volume-backed Meilisearch does", async () => {
    const dbPath = await mkdtemp(join(tmpdir(), "meili-db-"));
    try {
      const call = async (url: string, path: string, init?: RequestInit) => {
        const res = await fetch(`${url}${path}`, { ...init, headers: { "content-type": "application/json" } });
        return (await res.json()) as Record<string, unknown>;
      };
      const first = await startMeilisearchStandIn({ port: 0, dbPath, taskDelayMs: 0 });
      const { taskUid } = (await call(first.url, "/indexes/documents/documents", {
        method: "POST",
        body: JSON.stringify([{ id: 1, title: "backup policy" }, { id: 2, title: "disk alerts" }]),
      })) as { taskUid: number };
      for (let i = 0; i < 100 && (await call(first.url, `/tasks/${taskUid}`)).status !== "succeeded"; i++) await new Promise((r) => setTimeout(r, 10));
      await first.close();

      const second = await startMeilisearchStandIn({ port: 0, dbPath });
      try {
        expect(await call(second.url, "/indexes/documents/stats")).toMatchObject({ numberOfDocuments: 2 });
        const hits = (await call(second.url, "/indexes/documents/search?q=backup")).hits as { id: number }[];
        expect(hits.map((h) => h.id)).toEqual([1]);
      } finally {
        await second.close();
      }
      // Without a db path nothing is kept: the in-process contract runs stay isolated.
      const memory = await startMeilisearchStandIn({ port: 0 });
      try {
        expect(await call(memory.url, "/indexes")).toMatchObject({ total: 0 });
      } finally {
        await memory.close();
      }
    } finally {
      await rm(dbPath, { recursive: true, force: true });
    }
  });

  it("reads MEILI_HTTP_ADDR / MEILI_MASTER_KEY / MEILI_DB_PATH like Meilisearch", () => {
    expect(readConfig({})).toEqual({ host: "0.0.0.0", port: 7700, masterKey: undefined, taskDelayMs: undefined, dbPath: "/meili_data/data.ms" });
    expect(
      readConfig({ MEILI_HTTP_ADDR: "127.0.0.1:7701", MEILI_MASTER_KEY: "k", MEILI_STANDIN_TASK_DELAY_MS: "50", MEILI_DB_PATH: "/d" }),
    ).toEqual({
      host: "127.0.0.1",
      port: 7701,
      masterKey: "k",
      taskDelayMs: 50,
      dbPath: "/d",
    });
    expect(readConfig({ MEILI_MASTER_KEY: "" }).masterKey).toBeUndefined();
    expect(parseHttpAddr("[::]:7700")).toEqual({ host: "::", port: 7700 });
    expect(() => parseHttpAddr("7700")).toThrow(/host:port/);
    expect(() => parseHttpAddr("localhost:http")).toThrow(/host:port/);
    expect(() => readConfig({ MEILI_STANDIN_TASK_DELAY_MS: "soon" })).toThrow(/whole number/);
  });

  it("bundles with esbuild (node18, ESM), logs one JSON line without the key, stops on SIGTERM", async () => {
    const dir = await mkdtemp(join(tmpdir(), "meili-standin-"));
    try {
      const outfile = join(dir, "meili-standin.mjs");
      await build({
        entryPoints: [join(here, "main.ts")],
        bundle: true,
        platform: "node",
        target: "node18",
        format: "esm",
        outfile,
        logLevel: "silent",
      });

      const child = spawn(process.execPath, [outfile], {
        env: { ...process.env, MEILI_HTTP_ADDR: "127.0.0.1:0", MEILI_MASTER_KEY: MASTER_KEY, MEILI_DB_PATH: join(dir, "data.ms") },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      try {
        const deadline = Date.now() + 10_000;
        while (!stdout.includes("\n") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        const startLine = JSON.parse(stdout.split("\n")[0] ?? "");
        expect(startLine).toMatchObject({
          level: "info",
          standIn: true,
          pkgVersion: STANDIN_PKG_VERSION,
          auth: "master-key",
        });
        const url = `http://${startLine.httpAddr as string}`;
        expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: "available" });
        expect((await fetch(`${url}/indexes`)).status).toBe(401);
        expect((await fetch(`${url}/indexes`, { headers: { Authorization: `Bearer ${MASTER_KEY}` } })).status).toBe(200);
      } finally {
        child.kill("SIGTERM");
      }
      expect(await exited).toBe(0);
      const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as { msg: string });
      expect(lines.map((l) => l.msg)).toEqual(["meilisearch stand-in listening", "shutting down", "stopped"]);
      expect(stdout).not.toContain(MASTER_KEY);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
