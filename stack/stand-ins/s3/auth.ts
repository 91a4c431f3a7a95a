/**
 * Request authentication for the S3 stand-in, in front of s3rver.
 *
 * s3rver 3.7 only checks that a Signature V4 request names an access key it
 * knows; it never verifies the V4 signature itself, and it lets anonymous
 * requests through. MinIO does both. So the stand-in verifies AWS Signature
 * Version 4 here (Authorization header and presigned query), with MinIO's
 * error codes and messages (cmd/api-errors.go), before s3rver sees the request:
 *
 *   - no credentials at all                 -> 403 AccessDenied "Access Denied."
 *   - an access key id other than the root  -> 403 InvalidAccessKeyId
 *   - a wrong signature (wrong secret)      -> 403 SignatureDoesNotMatch
 *   - x-amz-date more than 15 min off       -> 403 RequestTimeTooSkewed
 *   - an expired presigned URL              -> 403 AccessDenied "Request has expired"
 *
 * Signature V2 requests are checked for the access key id only; s3rver then
 * verifies the V2 signature itself (it implements V2).
 *
 * Not verified (MinIO does): that the body matches x-amz-content-sha256.
 * Node built-ins only.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

export interface S3Credentials {
  accessKey: string;
  secretKey: string;
}

export interface AuthRequest {
  method: string;
  /** Raw request target as received (`/bucket/key?query`), not normalized. */
  url: string;
  headers: IncomingHttpHeaders;
}

export type AuthOutcome =
  | { ok: true; scheme: "v4-header" | "v4-query"; accessKeyId: string; payloadHash: string }
  | { ok: true; scheme: "v2-header" | "v2-query"; accessKeyId: string }
  | { ok: false; error: S3ErrorSpec };

export interface S3ErrorSpec {
  code: string;
  message: string;
  status: number;
}

/** MinIO's codes, messages and statuses (cmd/api-errors.go). */
export const S3_ERRORS = {
  AccessDenied: { code: "AccessDenied", message: "Access Denied.", status: 403 },
  ExpiredPresignRequest: { code: "AccessDenied", message: "Request has expired", status: 403 },
  InvalidAccessKeyId: {
    code: "InvalidAccessKeyId",
    message: "The Access Key Id you provided does not exist in our records.",
    status: 403,
  },
  SignatureDoesNotMatch: {
    code: "SignatureDoesNotMatch",
    message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    status: 403,
  },
  RequestTimeTooSkewed: {
    code: "RequestTimeTooSkewed",
    message: "The difference between the request time and the server's time is too large.",
    status: 403,
  },
  AuthorizationHeaderMalformed: {
    code: "AuthorizationHeaderMalformed",
    message: "The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.",
    status: 400,
  },
  AuthorizationQueryParametersError: {
    code: "AuthorizationQueryParametersError",
    message: "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
    status: 400,
  },
  MalformedDate: { code: "MalformedDate", message: "Invalid date format header, expected to be in ISO8601, RFC1123 or RFC1123Z time format.", status: 400 },
  NotImplemented: { code: "NotImplemented", message: "A header you provided implies functionality that is not implemented", status: 501 },
  BucketAlreadyOwnedByYou: {
    code: "BucketAlreadyOwnedByYou",
    message: "Your previous request to create the named bucket succeeded and you already own it.",
    status: 409,
  },
  BucketNotEmpty: { code: "BucketNotEmpty", message: "The bucket you tried to delete is not empty", status: 409 },
  StorageFull: {
    code: "XMinioStorageFull",
    message: "Storage backend has reached its minimum free drive threshold. Please delete a few objects to proceed.",
    status: 507,
  },
  InternalError: { code: "InternalError", message: "We encountered an internal error, please try again.", status: 500 },
} as const satisfies Record<string, S3ErrorSpec>;

const ALGORITHM = "AWS4-HMAC-SHA256";
const MAX_SKEW_MS = 15 * 60 * 1000;
/** sha256 of the empty string: MinIO's default when x-amz-content-sha256 is absent. */
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** RFC 3986 unreserved characters stay; everything else is %XX (uppercase), as SigV4 requires. */
export function awsUriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Splits a raw query string into decoded pairs (`+` is a space, as Go's url.ParseQuery, which MinIO uses). */
export function parseRawQuery(raw: string): Array<[string, string]> {
  if (raw === "") return [];
  return raw
    .split("&")
    .filter((part) => part !== "")
    .map((part) => {
      const eq = part.indexOf("=");
      const k = eq === -1 ? part : part.slice(0, eq);
      const v = eq === -1 ? "" : part.slice(eq + 1);
      return [safeDecode(k.replace(/\+/g, " ")), safeDecode(v.replace(/\+/g, " "))];
    });
}

function splitTarget(url: string): { path: string; query: string } {
  const q = url.indexOf("?");
  return q === -1 ? { path: url, query: "" } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

/** S3 canonical URI: every path segment decoded once, then encoded once (S3 does not double-encode). */
function canonicalUri(rawPath: string): string {
  const path = rawPath === "" ? "/" : rawPath;
  return path
    .split("/")
    .map((segment) => awsUriEncode(safeDecode(segment)))
    .join("/");
}

function canonicalQuery(pairs: Array<[string, string]>, omit?: string): string {
  return pairs
    .filter(([k]) => k !== omit)
    .map(([k, v]) => [awsUriEncode(k), awsUriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(",") : String(value);
}

function canonicalHeaders(headers: IncomingHttpHeaders, signed: string[]): string {
  return signed
    .map((name) => `${name}:${(headerValue(headers, name) ?? "").trim().replace(/\s+/g, " ")}\n`)
    .join("");
}

const sha256Hex = (data: string): string => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: Buffer | string, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();

export function signingKey(secretKey: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretKey}`, date), region), service), "aws4_request");
}

function sameHex(a: string, b: string): boolean {
  const ab = Buffer.from(a, "utf8");
  const bb = Buffer.from(b, "utf8");
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** `20240101T000000Z` -> epoch ms, NaN when malformed. */
export function parseAmzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  scope: string;
}

function parseCredential(value: string): Credential | undefined {
  const parts = value.split("/");
  if (parts.length < 5 || parts[parts.length - 1] !== "aws4_request") return undefined;
  // The access key id itself may contain "/" in theory; the last four parts are the scope.
  const scopeParts = parts.slice(-4);
  const accessKeyId = parts.slice(0, -4).join("/");
  const [date, region, service] = scopeParts as [string, string, string, string];
  if (accessKeyId === "" || !/^\d{8}$/.test(date)) return undefined;
  return { accessKeyId, date, region, service, scope: scopeParts.join("/") };
}

/**
 * Verifies one request against the single root credential pair.
 * Returns the outcome; `null` means the request carries no credentials at all.
 */
export function authenticate(req: AuthRequest, creds: S3Credentials, now: number = Date.now()): AuthOutcome | null {
  const { path, query } = splitTarget(req.url);
  const pairs = parseRawQuery(query);
  const queryMap = new Map(pairs);
  const authorization = headerValue(req.headers, "authorization");

  if (authorization !== undefined) {
    const trimmed = authorization.trim();
    if (trimmed.startsWith(`${ALGORITHM} `)) return verifyV4Header(req, trimmed, path, pairs, creds, now);
    if (trimmed.startsWith("AWS ")) {
      const keyId = trimmed.slice(4).split(":")[0] ?? "";
      if (keyId !== creds.accessKey) return { ok: false, error: S3_ERRORS.InvalidAccessKeyId };
      return { ok: true, scheme: "v2-header", accessKeyId: keyId };
    }
    return { ok: false, error: { code: "InvalidArgument", message: "Unsupported Authorization Type", status: 400 } };
  }
  if (queryMap.has("X-Amz-Algorithm")) return verifyV4Query(req, path, pairs, queryMap, creds, now);
  if (queryMap.has("Signature") && queryMap.has("AWSAccessKeyId")) {
    const keyId = queryMap.get("AWSAccessKeyId") ?? "";
    if (keyId !== creds.accessKey) return { ok: false, error: S3_ERRORS.InvalidAccessKeyId };
    return { ok: true, scheme: "v2-query", accessKeyId: keyId };
  }
  return null;
}

function verifyV4Header(
  req: AuthRequest,
  authorization: string,
  path: string,
  pairs: Array<[string, string]>,
  creds: S3Credentials,
  now: number,
): AuthOutcome {
  const fields = new Map<string, string>();
  for (const part of authorization.slice(ALGORITHM.length + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credentialText = fields.get("Credential");
  const signedText = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (credentialText === undefined || signedText === undefined || signature === undefined) {
    return { ok: false, error: S3_ERRORS.AuthorizationHeaderMalformed };
  }
  const credential = parseCredential(credentialText);
  if (!credential) return { ok: false, error: S3_ERRORS.AuthorizationHeaderMalformed };
  if (credential.accessKeyId !== creds.accessKey) return { ok: false, error: S3_ERRORS.InvalidAccessKeyId };

  const amzDate = headerValue(req.headers, "x-amz-date");
  const dateHeader = headerValue(req.headers, "date");
  let requestTime: number;
  let amzDateText: string;
  if (amzDate !== undefined) {
    requestTime = parseAmzDate(amzDate);
    amzDateText = amzDate;
  } else if (dateHeader !== undefined) {
    requestTime = Date.parse(dateHeader);
    amzDateText = Number.isNaN(requestTime) ? "" : new Date(requestTime).toISOString().replace(/[-:]|\.\d{3}/g, "");
  } else {
    return { ok: false, error: { code: "AccessDenied", message: "AWS authentication requires a valid Date or x-amz-date header", status: 403 } };
  }
  if (Number.isNaN(requestTime)) return { ok: false, error: S3_ERRORS.MalformedDate };
  if (Math.abs(now - requestTime) > MAX_SKEW_MS) return { ok: false, error: S3_ERRORS.RequestTimeTooSkewed };

  const signedHeaders = signedText.split(";").map((h) => h.trim().toLowerCase());
  const payloadHash = headerValue(req.headers, "x-amz-content-sha256") ?? EMPTY_SHA256;
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalUri(path),
    canonicalQuery(pairs),
    canonicalHeaders(req.headers, signedHeaders),
    signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
  const stringToSign = [ALGORITHM, amzDateText, credential.scope, sha256Hex(canonicalRequest)].join("\n");
  const expected = createHmac("sha256", signingKey(creds.secretKey, credential.date, credential.region, credential.service))
    .update(stringToSign, "utf8")
    .digest("hex");
  if (!sameHex(expected, signature.toLowerCase())) return { ok: false, error: S3_ERRORS.SignatureDoesNotMatch };
  return { ok: true, scheme: "v4-header", accessKeyId: credential.accessKeyId, payloadHash };
}

function verifyV4Query(
  req: AuthRequest,
  path: string,
  pairs: Array<[string, string]>,
  query: Map<string, string>,
  creds: S3Credentials,
  now: number,
): AuthOutcome {
  if (query.get("X-Amz-Algorithm") !== ALGORITHM) {
    return {
      ok: false,
      error: { code: "AuthorizationQueryParametersError", message: "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"", status: 400 },
    };
  }
  const credential = parseCredential(query.get("X-Amz-Credential") ?? "");
  const signedText = query.get("X-Amz-SignedHeaders");
  const signature = query.get("X-Amz-Signature");
  const amzDate = query.get("X-Amz-Date") ?? "";
  const expiresText = query.get("X-Amz-Expires") ?? "";
  if (!credential || signedText === undefined || signature === undefined) {
    return { ok: false, error: S3_ERRORS.AuthorizationQueryParametersError };
  }
  if (credential.accessKeyId !== creds.accessKey) return { ok: false, error: S3_ERRORS.InvalidAccessKeyId };
  const requestTime = parseAmzDate(amzDate);
  if (Number.isNaN(requestTime)) return { ok: false, error: S3_ERRORS.MalformedDate };
  const expires = Number(expiresText);
  if (!/^\d+$/.test(expiresText) || expires > 604800) {
    return {
      ok: false,
      error: { code: "AuthorizationQueryParametersError", message: "X-Amz-Expires must be less than a week (in seconds) that is 604800 seconds", status: 400 },
    };
  }
  if (now > requestTime + expires * 1000) return { ok: false, error: S3_ERRORS.ExpiredPresignRequest };
  if (requestTime - now > MAX_SKEW_MS) return { ok: false, error: S3_ERRORS.RequestTimeTooSkewed };

  const signedHeaders = signedText.split(";").map((h) => h.trim().toLowerCase());
  const payloadHash = query.get("X-Amz-Content-Sha256") ?? "UNSIGNED-PAYLOAD";
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalUri(path),
    canonicalQuery(pairs, "X-Amz-Signature"),
    canonicalHeaders(req.headers, signedHeaders),
    signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
  const stringToSign = [ALGORITHM, amzDate, credential.scope, sha256Hex(canonicalRequest)].join("\n");
  const expected = createHmac("sha256", signingKey(creds.secretKey, credential.date, credential.region, credential.service))
    .update(stringToSign, "utf8")
    .digest("hex");
  if (!sameHex(expected, signature.toLowerCase())) return { ok: false, error: S3_ERRORS.SignatureDoesNotMatch };
  return { ok: true, scheme: "v4-query", accessKeyId: credential.accessKeyId, payloadHash };
}
