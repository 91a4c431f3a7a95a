// Meilisearch stand-in: index uids and document ids follow upstream's validation rules.
import { MeiliError } from "./errors.js";
import { type Doc } from "./validation.js";

export function indexUidProblem(uid: string): string | undefined {
  if (uid.length === 0 || uid.length > 400 || !/^[A-Za-z0-9_-]+$/.test(uid)) {
    return (
      `\`${uid}\` is not a valid index uid. Index uid can be an integer or a string containing only ` +
      `alphanumeric characters, hyphens (-) and underscores (_), and can not be more than 512 bytes.`
    );
  }
  return undefined;
}

export function checkIndexUid(uid: string): string {
  const problem = indexUidProblem(uid);
  if (problem !== undefined) throw new MeiliError("invalid_index_uid", problem);
  return uid;
}

/** The external id Meilisearch derives from a primary-key value. */
export function documentId(doc: Doc, primaryKey: string): string {
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
export function inferPrimaryKey(first: Doc | undefined): string {
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
