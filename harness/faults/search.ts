// Empty the search index as a bad deploy or a wiped volume would leave it: every
// document deleted with the index kept (`what: documents`, the default), or the index
// itself deleted (`what: index`). PostgreSQL keeps every row; the runbook's reindex is
// the recovery, so nothing is reverted.
import { pollUntil } from "../util/poll.js";
import { param, type Fault, type FaultModule } from "./fault.js";

export type SearchWipeTarget = "documents" | "index";
export const searchWipeTargets: readonly SearchWipeTarget[] = ["documents", "index"];

export interface SearchWipeResult {
  taskUid: number;
  /** The finished task as Meilisearch reports it (status, type, details). */
  task: { status: string; type?: string; details?: Record<string, unknown>; error?: { message?: string } };
  /** numberOfDocuments after the wipe; undefined when the index no longer exists. */
  documentsAfter: number | undefined;
}

/** Wipe `index` on the Meilisearch at `baseUrl` and wait until the task has finished. */
export async function wipeSearchIndex(baseUrl: string, key: string, index: string, what: SearchWipeTarget, timeoutMs = 30_000): Promise<SearchWipeResult> {
  if (!searchWipeTargets.includes(what)) throw new Error(`search-wipe: "what" must be one of ${searchWipeTargets.join(", ")}, got ${JSON.stringify(what)}`);
  if (!/^[A-Za-z0-9_-]+$/.test(index)) throw new Error(`search-wipe: index must be a Meilisearch index uid, got ${JSON.stringify(index)}`);
  const headers = { authorization: `Bearer ${key}` };
  const path = what === "index" ? `/indexes/${index}` : `/indexes/${index}/documents`;
  const res = await fetch(`${baseUrl}${path}`, { method: "DELETE", headers, signal: AbortSignal.timeout(10_000) });
  const body = (await res.json().catch(() => ({}))) as { taskUid?: number; message?: string };
  if (res.status !== 202 || typeof body.taskUid !== "number") {
    throw new Error(`search-wipe: DELETE ${path} answered ${res.status}: ${body.message ?? JSON.stringify(body)}`);
  }
  const taskUid = body.taskUid;
  // The fault is applied only when Meilisearch has processed the deletion.
  const task = await pollUntil(`Meilisearch task ${taskUid}`, timeoutMs, 200, async () => {
    const t = (await (await fetch(`${baseUrl}/tasks/${taskUid}`, { headers })).json()) as SearchWipeResult["task"];
    return t.status === "succeeded" || t.status === "failed" || t.status === "canceled" ? { value: t, reason: "" } : { reason: `task ${t.status}` };
  });
  if (task.status !== "succeeded") throw new Error(`search-wipe: task ${taskUid} ${task.status}: ${task.error?.message ?? ""}`);
  const stats = await fetch(`${baseUrl}/indexes/${index}/stats`, { headers });
  const documentsAfter = stats.status === 404 ? undefined : ((await stats.json()) as { numberOfDocuments?: number }).numberOfDocuments;
  return { taskUid, task, documentsAfter };
}

export const searchWipe: Fault = async ({ stack }, params) => {
  const index = param<string>(params, "index", "string", "documents");
  const what = param<string>(params, "what", "string", "documents") as SearchWipeTarget;
  const r = await wipeSearchIndex(stack.url("meilisearch", 7700, "").replace(/\/$/, ""), stack.secrets.env.MEILI_MASTER_KEY ?? "", index, what);
  const done = what === "index"
    ? `deleted index ${index} (task ${r.taskUid} ${r.task.status}; GET /indexes/${index}/stats now answers 404)`
    : `deleted every document of index ${index} (task ${r.taskUid} ${r.task.status}, ${String(r.task.details?.deletedDocuments ?? "?")} deleted; ${r.documentsAfter ?? "?"} left)`;
  // Nothing to revert: the runbook's reindex is the recovery.
  return { detail: `${done}; PostgreSQL keeps every row`, revert: async () => {} };
};

/** `kind: search-wipe` in a scenario. */
export const searchWipeFault: FaultModule = {
  kind: "search-wipe",
  parameters: {
    index: { type: "string", about: "the Meilisearch index (default documents)" },
    what: { type: "string", about: "documents or index (default documents)" },
  },
  apply: searchWipe,
};
