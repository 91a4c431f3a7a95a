// The search-wipe fault against the Meilisearch stand-in in-process: both targets leave
// the state the drill claims, and bad parameters are refused before any request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMeilisearchStandIn, type MeilisearchStandIn } from "../../stack/stand-ins/meilisearch/server.js";
import { wipeSearchIndex } from "./search.js";

const key = "unit-test-master-key-0123456789";
let meili: MeilisearchStandIn;
const auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };

async function seed(n: number): Promise<void> {
  const docs = Array.from({ length: n }, (_, i) => ({ id: `d${i}`, title: `doc ${i}` }));
  const res = await fetch(`${meili.url}/indexes/documents/documents?primaryKey=id`, { method: "POST", headers: auth, body: JSON.stringify(docs) });
  const { taskUid } = (await res.json()) as { taskUid: number };
  for (let i = 0; i < 100; i++) {
    const t = (await (await fetch(`${meili.url}/tasks/${taskUid}`, { headers: auth })).json()) as { status: string };
    if (t.status === "succeeded") return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("seed task did not finish");
}

describe("search-wipe fault", () => {
  beforeAll(async () => {
    meili = await startMeilisearchStandIn({ port: 0, masterKey: key });
  });
  afterAll(async () => meili.close());

  it("documents: empties the index and keeps it", async () => {
    await seed(3);
    const r = await wipeSearchIndex(meili.url, key, "documents", "documents");
    expect(r.task.status).toBe("succeeded");
    expect(r.documentsAfter).toBe(0);
    expect((await fetch(`${meili.url}/indexes/documents`, { headers: auth })).status).toBe(200);
  });

  it("index: deletes the index itself", async () => {
    await seed(2);
    const r = await wipeSearchIndex(meili.url, key, "documents", "index");
    expect(r.task.type).toBe("indexDeletion");
    expect(r.documentsAfter).toBeUndefined();
    expect((await fetch(`${meili.url}/indexes/documents`, { headers: auth })).status).toBe(404);
  });

  it("fails when the deletion is refused (wrong key) or its task fails (no such index)", async () => {
    await expect(wipeSearchIndex(meili.url, "wrong-key", "documents", "documents")).rejects.toThrow(/answered 403/);
    await expect(wipeSearchIndex(meili.url, key, "no-such-index", "index")).rejects.toThrow(/failed/);
  });

  it("refuses bad parameters before sending anything", async () => {
    await expect(wipeSearchIndex(meili.url, key, "documents", "everything" as never)).rejects.toThrow(/must be one of documents, index/);
    await expect(wipeSearchIndex(meili.url, key, "../keys", "documents")).rejects.toThrow(/index uid/);
  });
});
