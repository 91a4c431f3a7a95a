// Empty the search index (every document deleted, the index kept), as a bad deploy
// or a wiped volume would leave it.
import { param, type Fault } from "./fault.js";

export const searchWipe: Fault = async ({ stack }, params) => {
  const index = param<string>(params, "index", "string", "documents");
  const res = await fetch(stack.url("meilisearch", 7700, `/indexes/${index}/documents`), {
    method: "DELETE",
    headers: { authorization: `Bearer ${stack.secrets.env.MEILI_MASTER_KEY}` },
  });
  if (res.status !== 202) throw new Error(`search-wipe: DELETE /indexes/${index}/documents answered ${res.status}`);
  // Nothing to revert: the runbook's reindex is the recovery.
  return { detail: `deleted every document of index ${index} (task ${(await res.json() as { taskUid?: number }).taskUid})`, revert: async () => {} };
};
