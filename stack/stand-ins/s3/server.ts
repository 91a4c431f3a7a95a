/**
 * S3 stand-in for MinIO: s3rver (an S3 server on the filesystem) behind a
 * small front that adds what MinIO has and s3rver lacks, on one port:
 *
 *   - real credential checks: AWS Signature V4 verified against the root
 *     user/password (auth.ts), anonymous requests refused, MinIO's error codes;
 *   - MinIO's error codes where s3rver differs (BucketAlreadyOwnedByYou,
 *     BucketNotEmpty wording, XMinioStorageFull on ENOSPC);
 *   - GET|HEAD /minio/health/{live,ready,cluster,cluster/read};
 *   - GET /minio/v2/metrics/{cluster,node,bucket} (metrics.ts), public or
 *     behind MinIO's Prometheus bearer JWT like MINIO_PROMETHEUS_AUTH_TYPE;
 *   - optionally, on the console port, a placeholder that answers 501 and
 *     says that the stand-in has no console.
 *
 * It exists for machines that cannot pull minio/minio. It is NOT MinIO: no
 * erasure coding, versioning, IAM users or policies, admin API, console,
 * replication or ILM. Anything a drill proves against it must be reported as
 * proven against the S3 stand-in (see README.md).
 *
 * Data lives under `dataDir` in s3rver's layout and survives restarts.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createWriteStream } from "node:fs";
import { access, mkdir, rename, rm, rmdir, stat, writeFile, constants as fsConstants } from "node:fs/promises";
import http from "node:http";
import { dirname, join } from "node:path";
import { Transform, type Readable } from "node:stream";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import S3rver, { type S3rverStore } from "s3rver";
import AWSAccount from "s3rver/lib/models/account.js";
import { S3_ERRORS, authenticate, parseRawQuery, type S3ErrorSpec } from "./auth.js";
import {
  EXPOSITION_CONTENT_TYPE,
  RequestStats,
  bucketMetrics,
  clusterMetrics,
  driveStats,
  nodeMetrics,
  renderExposition,
  s3ApiName,
  type BucketUsage,
  type MetricsInput,
} from "./metrics.js";

/** Reported wherever a version shows (metrics, response header, start log): never a MinIO release. */
export const STANDIN_VERSION = "s3rver-3.7.1-standin";
/** Header added to every response so captured traffic names the stand-in. */
export const STANDIN_HEADER = "x-minio-stand-in";

export type PrometheusAuthType = "jwt" | "public";

export type LogFn = (entry: Record<string, unknown>) => void;

export interface S3StandInOptions {
  /** TCP port of the S3 API; 0 picks an ephemeral one. */
  port: number;
  /** Bind address; defaults to 127.0.0.1 so tests never listen publicly. */
  host?: string;
  /** Where buckets and objects live (MinIO's `/data`). Created if missing. */
  dataDir: string;
  /** MINIO_ROOT_USER. */
  accessKey: string;
  /** MINIO_ROOT_PASSWORD. */
  secretKey: string;
  /** MINIO_PROMETHEUS_AUTH_TYPE; MinIO's default is "jwt". */
  prometheusAuthType?: PrometheusAuthType;
  /**
   * Console port (MinIO's --console-address). When set, a placeholder listens
   * there and answers 501 with a page saying the stand-in has no console.
   */
  consolePort?: number;
  /** Bind address of the console placeholder; defaults to `host`. */
  consoleHost?: string;
  /** `server` label of every metric; MinIO's single-node default is "127.0.0.1:<port>". */
  serverLabel?: string;
  /** Receives one object per noteworthy event (errors); never credentials. */
  log?: LogFn;
}

export interface S3StandIn {
  port: number;
  url: string;
  consolePort: number | undefined;
  dataDir: string;
  close(): Promise<void>;
}

// s3rver keeps access keys in a module-global registry: count users per key
// so that closing one of two instances with the same key keeps the other working.
const registeredKeys = new Map<string, number>();
const STANDIN_ACCOUNT = new AWSAccount(123456789000, "minio-stand-in");

function registerKey(accessKey: string, secretKey: string): () => void {
  STANDIN_ACCOUNT.createKeyPair(accessKey, secretKey);
  registeredKeys.set(accessKey, (registeredKeys.get(accessKey) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (registeredKeys.get(accessKey) ?? 1) - 1;
    if (left <= 0) {
      registeredKeys.delete(accessKey);
      STANDIN_ACCOUNT.revokeAccessKey(accessKey);
    } else {
      registeredKeys.set(accessKey, left);
    }
  };
}

/** S3 bucket naming rules as MinIO applies them (3-63 chars, lower case, digits, dots, hyphens). */
export function isValidBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes("..") &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name)
  );
}

/** XML text escaping as Go's encoding/xml (MinIO's encoder) does it. */
function xmlEscape(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/'/g, "&#39;").replace(/"/g, "&#34;");
}

/** MinIO-style request id: 16 upper-case hex digits. */
function requestId(): string {
  return randomBytes(8).toString("hex").toUpperCase();
}

function splitTarget(url: string): { path: string; rawQuery: string } {
  const q = url.indexOf("?");
  return q === -1 ? { path: url, rawQuery: "" } : { path: url.slice(0, q), rawQuery: url.slice(q + 1) };
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** MinIO's error body: Code, Message, BucketName/Key when known, Resource, RequestId, HostId. */
export function s3ErrorXml(spec: S3ErrorSpec, resource: string, reqId: string, extra: Record<string, string> = {}): string {
  const fields = Object.entries(extra)
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join("");
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${xmlEscape(spec.code)}</Code><Message>${xmlEscape(spec.message)}</Message>${fields}` +
    `<Resource>${xmlEscape(resource)}</Resource><RequestId>${reqId}</RequestId>` +
    `<HostId>${createHmac("sha256", "host").update(reqId).digest("hex")}</HostId></Error>`
  );
}

function base64UrlDecode(part: string): Buffer {
  return Buffer.from(part.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

/**
 * MinIO's Prometheus bearer token (what `mc admin prometheus generate` prints):
 * an HS512 JWT signed with the root secret key, `sub` = access key, with `exp`.
 */
export function verifyPrometheusJwt(token: string, accessKey: string, secretKey: string, nowMs = Date.now()): boolean {
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  const [head, payload, sig] = parts as [string, string, string];
  try {
    const header = JSON.parse(base64UrlDecode(head).toString("utf8")) as { alg?: unknown };
    if (header.alg !== "HS512") return false;
    const expected = createHmac("sha512", secretKey).update(`${head}.${payload}`).digest();
    const given = base64UrlDecode(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    const claims = JSON.parse(base64UrlDecode(payload).toString("utf8")) as { sub?: unknown; exp?: unknown };
    if (claims.sub !== accessKey) return false;
    if (typeof claims.exp === "number" && claims.exp * 1000 < nowMs) return false;
    return true;
  } catch {
    return false;
  }
}

/** Signs a token verifyPrometheusJwt accepts (tests, and documentation of the format). */
export function signPrometheusJwt(accessKey: string, secretKey: string, expiresInSeconds = 3600, nowMs = Date.now()): string {
  const enc = (obj: unknown) => Buffer.from(JSON.stringify(obj)).toString("base64url");
  const head = enc({ alg: "HS512", typ: "JWT" });
  const payload = enc({ exp: Math.floor(nowMs / 1000) + expiresInSeconds, sub: accessKey, iss: "prometheus" });
  const sig = createHmac("sha512", secretKey).update(`${head}.${payload}`).digest("base64url");
  return `${head}.${payload}.${sig}`;
}

/**
 * S3's `encoding-type=url` as MinIO implements it (s3URLEncode): like Go's
 * url.QueryEscape (space -> "+"), but "/" and "*" stay, "~" is encoded.
 */
export function s3UrlEncode(value: string): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.\/*]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function xmlUnescape(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (_m, ent: string) => {
    switch (ent) {
      case "amp":
        return "&";
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "quot":
        return '"';
      case "apos":
        return "'";
      default:
        return String.fromCodePoint(ent.startsWith("#x") ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10));
    }
  });
}

/** Sub-resources that make a GET on a bucket something other than a listing. */
const BUCKET_SUBRESOURCES = ["acl", "cors", "lifecycle", "location", "logging", "notification", "policy", "replication", "tagging", "uploads", "versioning", "versions", "website", "encryption", "object-lock"];

function isListing(query: URLSearchParams): boolean {
  return !BUCKET_SUBRESOURCES.some((name) => query.has(name));
}

/**
 * s3rver ignores `encoding-type=url` and returns raw keys, which clients that
 * asked for encoding then decode (minio-js turns "a+b" into "a b"). Encode the
 * listing's key fields and add <EncodingType>url</EncodingType>, as S3 and MinIO do.
 */
export function urlEncodeListingXml(xml: string): string {
  const encoded = xml.replace(
    /<(Key|Prefix|Delimiter|StartAfter|Marker|NextMarker)>([^<]*)<\/\1>/g,
    (_m, tag: string, text: string) => `<${tag}>${s3UrlEncode(xmlUnescape(text))}</${tag}>`,
  );
  return encoded.includes("<EncodingType>")
    ? encoded
    : encoded.replace(/(<ListBucketResult\b[^>]*>)/, "$1<EncodingType>url</EncodingType>");
}

type AnyEnd = (this: ServerResponse, ...args: unknown[]) => ServerResponse;

function encodeListingResponse(res: ServerResponse): void {
  const end = res.end as unknown as AnyEnd;
  const patched: AnyEnd = function (this: ServerResponse, ...args: unknown[]) {
    const [chunk] = args;
    if (res.statusCode === 200 && !res.headersSent && (typeof chunk === "string" || Buffer.isBuffer(chunk))) {
      const body = urlEncodeListingXml(chunk.toString());
      res.setHeader("Content-Length", Buffer.byteLength(body));
      return end.call(this, body);
    }
    return end.apply(this, args);
  };
  res.end = patched as unknown as ServerResponse["end"];
}

/**
 * Streams `source` into `file` through an md5/size counter and resolves once
 * the file is flushed and closed. On a write error (ENOSPC on a full drive)
 * it rejects with that error and drains the source instead of destroying it,
 * so the client still gets an HTTP answer (507) rather than a reset.
 */
export function streamToFile(source: Readable, file: string): Promise<{ size: number; md5: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash("md5");
    let size = 0;
    let failed = false;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    const out = createWriteStream(file);
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      source.unpipe(counter);
      counter.unpipe(out);
      source.resume();
      out.destroy();
      reject(err);
    };
    out.on("error", fail);
    source.on("error", fail);
    counter.on("error", fail);
    out.on("close", () => {
      if (!failed) resolve({ size, md5: hash.digest("hex") });
    });
    source.pipe(counter).pipe(out);
  });
}

/** A temporary name beside `file` that s3rver's listings ignore (they only pick `*._S3rver_object`). */
function tempBeside(file: string): string {
  return join(dirname(file), `.standin-tmp-${randomBytes(6).toString("hex")}`);
}

/**
 * s3rver 3.7 pipes uploads into a WriteStream without an error handler: a
 * full drive (ENOSPC) crashes the whole process, and it answers before the
 * data is flushed. Replace its writers: write to a temporary file, wait for
 * the flush, then rename into place (so a failed overwrite leaves the old
 * object intact, as MinIO does), and turn write errors into a rejected
 * promise (mapped to 507 XMinioStorageFull above).
 */
function hardenStoreWrites(store: S3rverStore): void {
  // s3rver's multi-object delete removes keys in parallel, and each removal prunes its
  // now-empty parent directories: two keys under one prefix race, and the loser's
  // readdir/rmdir fails with ENOENT, answered as a 500 that MinIO never sends. Prune
  // tolerating what a concurrent removal already did.
  store.deleteObject = async (bucket, key) => {
    await Promise.all(
      ["object", "object.md5", "metadata.json"].map((resource) => rm(store.getResourcePath(bucket, key, resource), { force: true })),
    );
    const bucketPath = store.getBucketPath(bucket);
    const parts = key.split("/").slice(0, -1);
    for (; parts.length > 0; parts.pop()) {
      try {
        await rmdir(join(bucketPath, ...parts));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT") continue; // pruned by a concurrent removal
        if (code === "ENOTEMPTY" || code === "EEXIST") return; // still holds other objects
        throw err;
      }
    }
  };
  store.putMetadata = async (bucket, key, metadata, md5) => {
    const metadataPath = store.getResourcePath(bucket, key, "metadata.json");
    const md5Path = store.getResourcePath(bucket, key, "object.md5");
    // The same fields s3rver keeps (S3Object.ALLOWED_METADATA and x-amz-meta-*).
    const allowed = ["cache-control", "content-disposition", "content-encoding", "content-language", "content-type", "expires", "x-amz-storage-class", "x-amz-website-redirect-location"];
    const json = Object.fromEntries(Object.entries(metadata).filter(([k]) => allowed.includes(k) || k.startsWith("x-amz-meta-")));
    const writes: Array<[string, string]> = [[metadataPath, JSON.stringify(json, null, 2)]];
    if (md5 !== undefined) writes.unshift([md5Path, md5]);
    for (const [path, data] of writes) {
      const tmp = tempBeside(path);
      try {
        await writeFile(tmp, data);
        await rename(tmp, path);
      } catch (err) {
        await rm(tmp, { force: true }).catch(() => undefined);
        throw err;
      }
    }
  };
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, "object");
    await mkdir(dirname(objectPath), { recursive: true });
    const tmp = tempBeside(objectPath);
    let result: { size: number; md5: string };
    try {
      if (Buffer.isBuffer(object.content)) {
        await writeFile(tmp, object.content);
        result = { size: object.content.length, md5: createHash("md5").update(object.content).digest("hex") };
      } else {
        result = await streamToFile(object.content, tmp);
      }
      await store.putMetadata(object.bucket, object.key, object.metadata, result.md5);
      await rename(tmp, objectPath);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    return result;
  };
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const partPath = join(store.getResourcePath(bucket, undefined, "uploads"), uploadId, String(partNumber));
    await mkdir(dirname(partPath), { recursive: true });
    const tmp = tempBeside(partPath);
    try {
      const result = await streamToFile(content, tmp);
      await writeFile(`${partPath}.md5`, result.md5);
      await rename(tmp, partPath);
      return result;
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  };
}

const CONSOLE_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>No MinIO Console (S3 stand-in)</title></head>
<body>
<h1>501 - no MinIO Console here</h1>
<p>This port is served by the <strong>S3 stand-in for MinIO</strong> (s3rver behind a small front), used where the
minio/minio image cannot be pulled. The stand-in has <strong>no web console</strong>: this placeholder answers
501 to every request so that nothing mistakes it for a working console.</p>
<p>See stack/stand-ins/s3/README.md in the runbook-drills repository.</p>
</body></html>
`;

export async function startS3StandIn(options: S3StandInOptions): Promise<S3StandIn> {
  const host = options.host ?? "127.0.0.1";
  const authType = options.prometheusAuthType ?? "jwt";
  const log: LogFn = options.log ?? (() => undefined);
  const creds = { accessKey: options.accessKey, secretKey: options.secretKey };
  if (creds.accessKey === "" || creds.secretKey === "") throw new Error("accessKey and secretKey must be non-empty");
  await mkdir(options.dataDir, { recursive: true });

  const s3 = new S3rver({
    directory: options.dataDir,
    silent: true,
    vhostBuckets: false, // path-style only, as MinIO without MINIO_DOMAIN
    resetOnClose: false, // the data directory is the volume: it must survive restarts
  });
  const store = s3.store;

  // Buckets are directories of dataDir; anything that cannot be a bucket name
  // (lost+found on an ext4 volume, dot-directories) is not a bucket.
  const listBuckets = store.listBuckets.bind(store);
  store.listBuckets = async () => (await listBuckets()).filter((b) => isValidBucketName(b.name));
  // Filesystems without a birth time (tmpfs on older kernels) report the epoch: fall back to ctime.
  const getBucket = store.getBucket.bind(store);
  store.getBucket = async (name: string) => {
    const bucket = await getBucket(name);
    if (bucket && bucket.creationDate.getTime() === 0) {
      bucket.creationDate = (await stat(store.getBucketPath(name))).ctime;
    }
    return bucket;
  };

  hardenStoreWrites(store);

  // A full drive: MinIO answers 507 XMinioStorageFull, s3rver would say 500 InternalError.
  s3.middleware.unshift(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code !== "ENOSPC" && code !== "EDQUOT") throw err;
      log({ level: "error", msg: "storage full", error: code, method: ctx.method, path: ctx.path });
      const reqId = requestId();
      ctx.status = S3_ERRORS.StorageFull.status;
      ctx.type = "application/xml";
      ctx.body = s3ErrorXml(S3_ERRORS.StorageFull, ctx.path, reqId);
    }
  });
  s3.on("error", (err, ctx) => {
    // Koa emits every thrown error, S3 4xx answers (NoSuchKey, ...) included: log server faults only.
    const status = (err as { status?: unknown }).status;
    if (typeof status === "number" && status < 500) return;
    log({ level: "error", msg: "s3 request failed", error: err.message, code: err.code, method: ctx?.method, path: ctx?.path });
  });
  const s3Handler = s3.callback();
  const releaseKey = registerKey(creds.accessKey, creds.secretKey);

  const stats = new RequestStats();
  const startedAtMs = Date.now();
  let serverLabel = options.serverLabel;

  async function bucketUsage(): Promise<BucketUsage[]> {
    const buckets = await store.listBuckets();
    return Promise.all(
      buckets.map(async (b) => {
        const { objects } = await store.listObjects(b.name, {});
        return { bucket: b.name, objects: objects.length, bytes: objects.reduce((n, o) => n + (Number.isFinite(o.size) ? o.size : 0), 0) };
      }),
    );
  }

  async function metricsInput(): Promise<MetricsInput> {
    return {
      server: serverLabel ?? "",
      dataDir: options.dataDir,
      drive: await driveStats(options.dataDir),
      buckets: await bucketUsage(),
      requests: stats,
      startedAtMs,
      nowMs: Date.now(),
      version: STANDIN_VERSION,
    };
  }

  async function driveWritable(): Promise<boolean> {
    try {
      await access(options.dataDir, fsConstants.W_OK);
      return true;
    } catch {
      return false;
    }
  }

  function sendError(res: ServerResponse, req: IncomingMessage, spec: S3ErrorSpec, resource: string, extra: Record<string, string> = {}): void {
    const reqId = String(res.getHeader("x-amz-request-id") ?? requestId());
    const body = s3ErrorXml(spec, resource, reqId, extra);
    res.writeHead(spec.status, { "Content-Type": "application/xml", "Content-Length": Buffer.byteLength(body) });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  async function handleMinio(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? "GET";
    if (path.startsWith("/minio/health/")) {
      if (method !== "GET" && method !== "HEAD") return sendError(res, req, { code: "MethodNotAllowed", message: "The specified method is not allowed against this resource.", status: 405 }, path);
      const which = path.slice("/minio/health/".length).replace(/\/+$/, "");
      if (which === "live") {
        res.writeHead(200, { "Content-Length": 0 });
        return void res.end();
      }
      if (which === "ready" || which === "cluster" || which === "cluster/read") {
        const ok = await driveWritable();
        res.writeHead(ok ? 200 : 503, { "Content-Length": 0 });
        return void res.end();
      }
    }
    const metricsMatch = /^\/minio\/v2\/metrics\/(cluster|node|bucket)\/?$/.exec(path);
    if (metricsMatch && (method === "GET" || method === "HEAD")) {
      if (authType !== "public") {
        const auth = req.headers.authorization ?? "";
        const token = auth.startsWith("Bearer ") ? auth.slice(7).trim() : "";
        if (!verifyPrometheusJwt(token, creds.accessKey, creds.secretKey)) {
          stats.rejectedAuth += 1;
          return sendError(res, req, S3_ERRORS.AccessDenied, path);
        }
      }
      const input = await metricsInput();
      const kind = metricsMatch[1];
      const families = kind === "cluster" ? clusterMetrics(input) : kind === "node" ? nodeMetrics(input) : bucketMetrics(input);
      const body = renderExposition(families);
      res.writeHead(200, { "Content-Type": EXPOSITION_CONTENT_TYPE, "Content-Length": Buffer.byteLength(body) });
      return void res.end(method === "HEAD" ? undefined : body);
    }
    // Admin API, metrics v3, the other v2 metric groups, KMS, STS...: not in the stand-in.
    return sendError(res, req, S3_ERRORS.NotImplemented, path);
  }

  async function handleS3(req: IncomingMessage, res: ServerResponse, path: string, rawQuery: string): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const query = new URLSearchParams(parseRawQuery(rawQuery));
    const api = s3ApiName(method, path, query);
    const received = Number(req.headers["content-length"] ?? 0) || 0;
    res.on("finish", () => {
      const sent = Number(res.getHeader("content-length") ?? 0) || 0;
      stats.record(api, res.statusCode, received, sent);
    });

    const decodedPath = decodePath(path);
    const segments = decodedPath.split("/").filter((s) => s !== "");
    const bucket = segments[0];
    const bucketExtra: Record<string, string> = bucket !== undefined ? { BucketName: bucket } : {};

    const outcome = authenticate({ method, url: req.url ?? "/", headers: req.headers }, creds);
    if (outcome === null || !outcome.ok) {
      stats.rejectedAuth += 1;
      req.resume();
      return sendError(res, req, outcome === null ? S3_ERRORS.AccessDenied : outcome.error, decodedPath, bucketExtra);
    }
    const payload = "payloadHash" in outcome ? outcome.payloadHash : "";
    const contentEncoding = String(req.headers["content-encoding"] ?? "");
    if (payload.startsWith("STREAMING-") || /aws-chunked/i.test(contentEncoding)) {
      // s3rver would store the chunk framing as object bytes: refuse rather than corrupt data.
      req.resume();
      return sendError(res, req, S3_ERRORS.NotImplemented, decodedPath, bucketExtra);
    }

    // Bucket-level operations where s3rver's answer differs from MinIO's.
    const bucketOnly = segments.length === 1 && rawQuery === "";
    if (bucket !== undefined && bucketOnly && method === "PUT" && (await store.getBucket(bucket))) {
      req.resume();
      return sendError(res, req, S3_ERRORS.BucketAlreadyOwnedByYou, decodedPath, bucketExtra);
    }
    if (bucket !== undefined && bucketOnly && method === "DELETE" && (await store.getBucket(bucket))) {
      const { objects } = await store.listObjects(bucket, { maxKeys: 1 });
      if (objects.length > 0) return sendError(res, req, S3_ERRORS.BucketNotEmpty, decodedPath, bucketExtra);
    }
    if (method === "GET" && segments.length === 1 && query.get("encoding-type") === "url" && isListing(query)) {
      encodeListingResponse(res);
    }
    s3Handler(req, res);
  }

  const server = http.createServer((req, res) => {
    res.setHeader(STANDIN_HEADER, STANDIN_VERSION);
    res.setHeader("x-amz-request-id", requestId());
    const { path, rawQuery } = splitTarget(req.url ?? "/");
    const handled = path === "/minio" || path.startsWith("/minio/") ? handleMinio(req, res, path) : handleS3(req, res, path, rawQuery);
    handled.catch((err: unknown) => {
      log({ level: "error", msg: "request failed", error: String(err), method: req.method, path });
      if (!res.headersSent) sendError(res, req, S3_ERRORS.InternalError, path);
      else res.destroy();
    });
  });

  const listen = (srv: http.Server, port: number, bindHost: string): Promise<number> =>
    new Promise((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(port, bindHost, () => {
        srv.off("error", reject);
        resolve((srv.address() as AddressInfo).port);
      });
    });

  let port: number;
  try {
    port = await listen(server, options.port, host);
  } catch (err) {
    releaseKey();
    throw err;
  }
  serverLabel ??= `127.0.0.1:${port}`;

  let consoleServer: http.Server | undefined;
  let consolePort: number | undefined;
  if (options.consolePort !== undefined) {
    consoleServer = http.createServer((req, res) => {
      const body = req.method === "HEAD" ? undefined : CONSOLE_PAGE;
      res.writeHead(501, {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Length": Buffer.byteLength(CONSOLE_PAGE),
        [STANDIN_HEADER]: STANDIN_VERSION,
      });
      res.end(body);
    });
    try {
      consolePort = await listen(consoleServer, options.consolePort, options.consoleHost ?? host);
    } catch (err) {
      server.close();
      releaseKey();
      throw err;
    }
  }

  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://${urlHost}:${port}`,
    consolePort,
    dataDir: options.dataDir,
    close() {
      closing ??= (async () => {
        const stop = (srv: http.Server) =>
          new Promise<void>((resolve) => {
            srv.close(() => resolve());
            srv.closeIdleConnections();
            // Node 18.2+: in-flight keep-alive sockets would otherwise hold close() open.
            setTimeout(() => srv.closeAllConnections(), 1_000).unref();
          });
        await Promise.all([stop(server), consoleServer ? stop(consoleServer) : Promise.resolve()]);
        releaseKey();
      })();
      return closing;
    },
  };
}
