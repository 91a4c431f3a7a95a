// Meilisearch stand-in: how it names itself, so no log, answer or report mistakes it for Meilisearch.

/**
 * Reported as `pkgVersion` by GET /version. A semver pre-release so tools that
 * parse the version still can, while "standin" makes it impossible to mistake
 * for a real Meilisearch release in logs and reports.
 */
export const STANDIN_PKG_VERSION = "1.0.0-standin";

/** Header added to every response so captured traffic names the stand-in. */
export const STANDIN_HEADER = "x-meilisearch-stand-in";
