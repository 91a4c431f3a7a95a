// Meilisearch stand-in: errors: same {message, code, type, link} body and status as Meilisearch.

export type ErrorType = "invalid_request" | "internal" | "auth" | "system";

export interface ErrorBody {
  message: string;
  code: string;
  type: ErrorType;
  link: string;
}

// Status and type per code, copied from upstream's make_error_codes! table.
export const ERROR_CODES = {
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

export type ErrorCode = keyof typeof ERROR_CODES;

export class MeiliError extends Error {
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

export const indexNotFound = (uid: string) => new MeiliError("index_not_found", `Index \`${uid}\` not found.`);
