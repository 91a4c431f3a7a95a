// Meilisearch stand-in: routes.
import type { IncomingMessage } from "node:http";
import { type ErrorCode, MeiliError } from "./errors.js";
import { checkIndexUid, documentId, indexUidProblem, inferPrimaryKey } from "./ids.js";
import { parseDocuments, parseJsonBody } from "./payload.js";
import { type MatchingStrategy, pickFields, searchDocuments } from "./search.js";
import { STANDIN_PKG_VERSION } from "./identity.js";
import { type IndexState, Store, TASK_STATUSES, TASK_TYPES, type Task, indexView, summarizedTask, taskView } from "./store.js";
import { type Doc, type Json, backticked, expectObject, kindOf, listParam, rejectUnknownFields, rejectUnknownParams, stringListField, typeError, uintField, uintParam } from "./validation.js";

/** Default page size of every paginated route, as upstream. */
export const DEFAULT_LIMIT = 20;

export interface Request {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

export interface Reply {
  status: number;
  body?: unknown;
}

export type Handler = (req: Request) => Reply;

export interface Route {
  pattern: string[];
  /** /health is the only route Meilisearch serves without a key. */
  public?: boolean;
  methods: Partial<Record<string, Handler>>;
}

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const accepted = (task: Task): Reply => ({ status: 202, body: summarizedTask(task) });

export function paginate<T>(items: T[], offset: number, limit: number): T[] {
  return items.slice(offset, offset + limit);
}

export const SEARCH_FIELDS = [
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

export interface SearchQuery {
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

export function matchingStrategy(value: unknown, where: "param" | "field"): MatchingStrategy {
  if (value === undefined || value === null) return "last";
  if (value === "last" || value === "all" || value === "frequency") return value;
  const text =
    where === "param"
      ? `Invalid value in parameter \`matchingStrategy\`: Unknown value \`${String(value)}\`, expected one of \`last\`, \`all\`, \`frequency\``
      : `Unknown value \`${String(value)}\` at \`.matchingStrategy\`: expected one of \`last\`, \`all\`, \`frequency\``;
  throw new MeiliError("invalid_search_matching_strategy", text);
}

export function searchQueryFromParams(params: URLSearchParams): SearchQuery {
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

export function searchQueryFromBody(raw: unknown): SearchQuery {
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

export const hasContent = (v: unknown) =>
  v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0);

export function runSearch(store: Store, uid: string, query: SearchQuery): Reply {
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

export function buildRoutes(store: Store): Route[] {
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

export function matchRoute(routes: Route[], segments: string[]): { route: Route; params: Record<string, string> } | undefined {
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
