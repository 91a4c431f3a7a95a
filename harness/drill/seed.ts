// Steady-state data and the integrity checks that prove it survived: documents
// uploaded through the app (object in the bucket, row in PostgreSQL, entry in the
// search index) before the fault, checked at the source after recovery.
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { databaseConfig } from "../stack/database.js";
import type { RunningStack } from "../stack/drill-stack.js";
import type { IntegrityCheck } from "../scenario/types.js";

export interface SeedDocument {
  id: string;
  filename: string;
  sha256: string;
}

export interface Seed {
  documents: SeedDocument[];
  writtenAt: string;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

export async function seedDocuments(stack: RunningStack, count: number): Promise<Seed> {
  const documents: SeedDocument[] = [];
  for (let i = 0; i < count; i++) {
    const filename = `drill-seed-${i}.txt`;
    const body = `drill seed document ${i} for ${stack.project}\nmarker ${randomBytes(8).toString("hex")}\n`;
    const bytes = new TextEncoder().encode(body);
    const form = new FormData();
    form.append("file", new Blob([bytes], { type: "text/plain" }), filename);
    form.append("title", `Drill seed ${i}`);
    const res = await fetch(stack.url("caddy", 8080, "/api/documents"), { method: "POST", body: form, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`seeding document ${i}: POST /api/documents answered ${res.status}: ${text.slice(0, 300)}`);
    const { id } = JSON.parse(text) as { id: string | number };
    documents.push({ id: String(id), filename, sha256: sha256(bytes) });
  }
  return { documents, writtenAt: new Date().toISOString() };
}

export async function withDatabase<T>(stack: RunningStack, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(databaseConfig(stack));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function checkIntegrity(stack: RunningStack, seed: Seed, which: IntegrityCheck): Promise<{ passed: boolean; detail: string }> {
  const ids = seed.documents.map((d) => d.id);
  try {
    if (which === "documents-rows") {
      const present = await withDatabase(stack, async (c) => {
        const r = await c.query<{ id: string }>("SELECT id::text AS id FROM documents WHERE id::text = ANY($1)", [ids]);
        return new Set(r.rows.map((row) => row.id));
      });
      const missing = ids.filter((id) => !present.has(id));
      return { passed: missing.length === 0, detail: `${present.size}/${ids.length} seeded rows present${missing.length ? `; missing ${missing.join(", ")}` : ""}` };
    }
    if (which === "documents-objects") {
      const bad: string[] = [];
      for (const d of seed.documents) {
        const res = await fetch(stack.url("caddy", 8080, `/api/documents/${d.id}`), { signal: AbortSignal.timeout(15_000) });
        const bytes = new Uint8Array(await res.arrayBuffer());
        if (res.status !== 200) bad.push(`${d.id}: HTTP ${res.status}`);
        else if (sha256(bytes) !== d.sha256) bad.push(`${d.id}: bytes differ`);
      }
      return {
        passed: bad.length === 0,
        detail: `${seed.documents.length - bad.length}/${seed.documents.length} seeded objects download with the same bytes${bad.length ? `; ${bad.join("; ")}` : ""}`,
      };
    }
    if (which === "search-index-documents") return await searchIndexListsSeed(stack, seed);
    // search-index: the index lists exactly the seeded documents that are still in the
    // database, by id; compared with the seed, not only with the database (0 = 0 after
    // both are lost is no pass).
    const inDatabase = await withDatabase(stack, async (c) => {
      const r = await c.query<{ id: string }>("SELECT id::text AS id FROM documents WHERE id::text = ANY($1)", [ids]);
      return new Set(r.rows.map((row) => row.id));
    });
    const res = await fetch(stack.url("meilisearch", 7700, "/indexes/documents/documents?limit=10000&fields=id"), {
      headers: { authorization: `Bearer ${stack.secrets.env.MEILI_MASTER_KEY}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status === 404) return { passed: false, detail: `the search index "documents" does not exist; ${inDatabase.size}/${ids.length} seeded rows in the database` };
    if (!res.ok) return { passed: false, detail: `the search index answered ${res.status}: ${(await res.text()).slice(0, 200)}` };
    const listed = new Set(((await res.json()) as { results?: { id?: string | number }[] }).results?.map((d) => String(d.id)) ?? []);
    const notIndexed = ids.filter((id) => !listed.has(id));
    const stale = ids.filter((id) => listed.has(id) && !inDatabase.has(id));
    const passed = notIndexed.length === 0 && stale.length === 0 && inDatabase.size === ids.length;
    const parts = [`search index lists ${ids.length - notIndexed.length}/${ids.length} seeded documents; database holds ${inDatabase.size}/${ids.length} seeded rows`];
    if (notIndexed.length) parts.push(`not indexed: ${notIndexed.join(", ")}`);
    if (stale.length) parts.push(`indexed but gone from the database: ${stale.join(", ")}`);
    return { passed, detail: parts.join("; ") };
  } catch (err) {
    return { passed: false, detail: `could not check: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * The index lists exactly the seeded documents (no more, no fewer), and a user's search
 * through the app finds a known one by a term only it has (its sha256).
 */
async function searchIndexListsSeed(stack: RunningStack, seed: Seed): Promise<{ passed: boolean; detail: string }> {
  const res = await fetch(stack.url("meilisearch", 7700, "/indexes/documents/documents?limit=1000&fields=id"), {
    headers: { authorization: `Bearer ${stack.secrets.env.MEILI_MASTER_KEY}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200) return { passed: false, detail: `GET /indexes/documents/documents answered ${res.status}: ${(await res.text()).slice(0, 200)}` };
  const listed = new Set(((await res.json()) as { results?: { id: string }[] }).results?.map((d) => String(d.id)) ?? []);
  const seeded = seed.documents.map((d) => d.id);
  const missing = seeded.filter((id) => !listed.has(id));
  const extra = [...listed].filter((id) => !seeded.includes(id));
  const known = seed.documents[0];
  let found = "no seeded document to search for";
  let searchOk = known === undefined;
  if (known) {
    const r = await fetch(stack.url("caddy", 8080, `/api/search?q=${known.sha256}`), { signal: AbortSignal.timeout(10_000) });
    const body = (await r.json().catch(() => ({}))) as { hits?: { id?: string }[] };
    const ids = body.hits?.map((h) => String(h.id)) ?? [];
    searchOk = r.status === 200 && ids.includes(known.id);
    found = `GET /api/search?q=<sha256 of ${known.filename}> -> ${r.status}, ${ids.length} hit(s)${searchOk ? `, ${known.filename} among them` : `, ${known.filename} not among them`}`;
  }
  const passed = missing.length === 0 && extra.length === 0 && searchOk;
  return {
    passed,
    detail:
      `the index lists ${listed.size} documents, ${seeded.length - missing.length}/${seeded.length} of them seeded` +
      `${missing.length ? `; missing ${missing.join(", ")}` : ""}${extra.length ? `; not seeded: ${extra.join(", ")}` : ""}; ${found}`,
  };
}
