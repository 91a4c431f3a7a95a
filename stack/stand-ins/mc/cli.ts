/**
 * mc stand-in (the command logic; main.ts is the entry point): a CLI compatible with the subset of MinIO's `mc` that the
 * stack (the minio-init job) and the runbook (section 5) use, built on the
 * `minio` npm client. It is NOT MinIO's mc; every report must say which one ran.
 *
 *   mc alias set ALIAS URL ACCESS_KEY SECRET_KEY [--api S3v4] [--path auto]
 *   mc alias list|ls [ALIAS]        mc alias remove|rm ALIAS
 *   mc ls [-r] ALIAS[/BUCKET[/PREFIX]]...
 *   mc mb [-p|--ignore-existing] ALIAS/BUCKET...
 *   mc rb [--force] ALIAS/BUCKET...
 *   mc cp SOURCE TARGET   (one file or object; local <-> ALIAS/BUCKET/KEY, or object -> object)
 *   mc cat ALIAS/BUCKET/KEY...
 *   mc rm [-r --force] ALIAS/BUCKET/KEY...
 *   global: --json, --config-dir|-C DIR, --quiet|-q, --no-color, --insecure, --debug, --version, --help
 *
 * Output, messages and exit codes follow mc (cmd/*.go upstream): results on
 * stdout, `mc: <ERROR> <message>` on stderr, exit 1 on any failure. Aliases
 * live in ~/.mc/config.json (config.ts), MC_HOST_<alias> wins over the file.
 * `mc admin ...` and every other command are refused with exit 1.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { pipeline } from "node:stream/promises";
import * as Minio from "minio";
import { aliasFromEnv, isValidAliasName, loadMcConfig, mcConfigDir, removeAlias, setAlias, type AliasConfig } from "./config.js";

export const MC_STANDIN_VERSION = "RELEASE.standin";

/** Exit codes of mc (cmd/globals.go). */
const EXIT_ERROR = 1;

interface Globals {
  json: boolean;
  configDir: string | undefined;
}

/** A failure mc would report with errorIf/fatalIf: `msg` plus the cause, joined with mc's punctuation rules. */
export class McError extends Error {
  constructor(
    readonly msg: string,
    readonly causeText: string = "",
  ) {
    super(joinMessage(msg, causeText));
  }
}

/** mc's cmd/error.go: "msg. Cause." with "." or ":" added as mc does. */
export function joinMessage(msg: string, cause: string): string {
  let m = msg.trim();
  let c = cause.trim();
  if (m !== "" && c !== "") {
    if (!m.endsWith(":") && !m.endsWith(".")) m += /^[A-Z]/.test(c) ? "." : ":";
    if (!c.endsWith(".")) c += ".";
  }
  return [m, c].filter((s) => s !== "").join(" ");
}

/** go-humanize's IBytes with the inner space removed, as `mc ls` prints sizes. */
export function humanizeIBytes(size: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  if (size < 10) return `${size}B`;
  const e = Math.floor(Math.log(size) / Math.log(1024));
  const val = Math.floor((size / 1024 ** e) * 10 + 0.5) / 10;
  return `${val < 10 ? val.toFixed(1) : val.toFixed(0)}${units[e] ?? "B"}`;
}

/** Go's "2006-01-02 15:04:05 MST" in the local time zone (containers: UTC). */
export function formatMcDate(date: Date, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}:${get("second")} ${get("timeZoneName")}`;
}

/** One `mc ls` line: `[date]` + size right-aligned to 7 + optional storage class + key. */
export function lsLine(date: Date, size: number, key: string, storageClass?: string, timeZone?: string): string {
  const sc = storageClass ? ` ${storageClass}` : "";
  return `[${formatMcDate(date, timeZone)}]${humanizeIBytes(size).padStart(7)}${sc} ${key}`;
}

// ---------------------------------------------------------------------------
// Targets and clients
// ---------------------------------------------------------------------------

interface Target {
  alias: string;
  bucket: string;
  /** Object key or prefix ("" when none). */
  key: string;
  /** The target as typed, for messages. */
  text: string;
}

/** `ALIAS[/BUCKET[/KEY...]]`; undefined when the first segment is not an alias name (a local path for mc). */
function parseTarget(text: string): Target | undefined {
  const slash = text.indexOf("/");
  const alias = slash === -1 ? text : text.slice(0, slash);
  if (!isValidAliasName(alias)) return undefined;
  const rest = slash === -1 ? "" : text.slice(slash + 1);
  const bslash = rest.indexOf("/");
  const bucket = bslash === -1 ? rest : rest.slice(0, bslash);
  const key = bslash === -1 ? "" : rest.slice(bslash + 1);
  return { alias, bucket, key, text };
}

async function resolveAlias(globals: Globals, name: string): Promise<AliasConfig | undefined> {
  const fromEnv = aliasFromEnv(process.env, name);
  if (fromEnv) return fromEnv;
  const config = await loadMcConfig(mcConfigDir(process.env, globals.configDir));
  return config.aliases[name];
}

function clientFor(alias: AliasConfig): Minio.Client {
  const url = new URL(alias.url);
  const useSSL = url.protocol === "https:";
  return new Minio.Client({
    endPoint: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port !== "" ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: alias.accessKey,
    secretKey: alias.secretKey,
    // MinIO's region; saves a GetBucketLocation round trip per bucket.
    region: "us-east-1",
    pathStyle: alias.path !== "off",
    retryOptions: { disableRetry: true },
  });
}

async function targetClient(globals: Globals, target: Target, verb: string): Promise<Minio.Client> {
  const alias = await resolveAlias(globals, target.alias);
  if (!alias) {
    // mc would treat an unknown alias as a local path; the stand-in has no local-filesystem targets.
    throw new McError(verb, `\`${target.alias}\` is not a configured alias (the mc stand-in does not support local filesystem targets)`);
  }
  return clientFor(alias);
}

interface S3LikeError {
  code?: string;
  message?: string;
  errno?: number;
  address?: string;
  port?: number;
  hostname?: string;
  syscall?: string;
}

/** The error text mc prints for a failure: S3 codes mc types specially, Go-like network errors, else the S3 message. */
export function describeError(err: unknown, bucket?: string): string {
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as S3LikeError;
  switch (e.code) {
    case "NoSuchBucket":
      return bucket !== undefined && bucket !== "" ? `Bucket \`${bucket}\` does not exist.` : "The specified bucket does not exist.";
    case "NoSuchKey":
    case "NotFound":
      return "Object does not exist.";
    case "ECONNREFUSED":
      return `dial tcp ${e.address ?? ""}${e.port !== undefined ? `:${e.port}` : ""}: connect: connection refused`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `dial tcp: lookup ${e.hostname ?? ""}: no such host`;
    case "ETIMEDOUT":
    case "ESOCKETTIMEDOUT":
      return `dial tcp ${e.address ?? e.hostname ?? ""}: i/o timeout`;
    case "ECONNRESET":
      return "connection reset by peer";
    case "EHOSTUNREACH":
      return `dial tcp ${e.address ?? ""}: connect: no route to host`;
    default:
      return e.message ?? String(err);
  }
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function outJson(obj: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function reportError(globals: Globals, err: McError): void {
  if (globals.json) {
    outJson({ status: "error", error: { message: err.msg, cause: { message: err.causeText, error: {} }, type: "error" } });
  } else {
    process.stderr.write(`mc: <ERROR> ${err.message}\n`);
  }
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

interface Parsed {
  positional: string[];
  flags: Set<string>;
  values: Map<string, string>;
}

/** Splits args into positionals, boolean flags and flags with values (`--x v` or `--x=v`). */
function parseArgs(args: readonly string[], valueFlags: readonly string[], boolFlags: readonly string[]): Parsed {
  const positional: string[] = [];
  const flags = new Set<string>();
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (valueFlags.includes(name)) {
      const value = eq !== -1 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) throw new McError(`Invalid command usage, flag needs an argument: ${name}`);
      values.set(name, value);
    } else if (boolFlags.includes(name)) {
      flags.add(name);
    } else {
      throw new McError(`Invalid command usage, flag provided but not defined: ${name}`);
    }
  }
  return { positional, flags, values };
}

async function aliasSet(globals: Globals, args: string[]): Promise<number> {
  const p = parseArgs(args, ["--api", "--path", "--lookup"], []);
  const [name, urlText, accessKey, secretKey] = p.positional;
  if (name === undefined || urlText === undefined || accessKey === undefined || secretKey === undefined || p.positional.length > 4) {
    throw new McError("Invalid command usage, expected: mc alias set ALIAS URL ACCESSKEY SECRETKEY");
  }
  const alias = name.replace(/\/+$/, "");
  if (!isValidAliasName(alias)) throw new McError(`Alias \`${alias}\` should have alphanumeric characters such as [helloWorld0, hello_World0, ...] and begin with a letter.`);
  const url = urlText.replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]+$/.test(url)) throw new McError(`Invalid URL \`${url}\`.`, "URL scheme must be http or https, and a host with no path");
  const api = (p.values.get("--api") ?? "S3v4").toLowerCase();
  if (api !== "s3v4") throw new McError(`Unrecognized API signature \`${api}\`.`, "The mc stand-in speaks S3v4 only");
  const path = p.values.get("--path") ?? "auto";
  const config: AliasConfig = { url, accessKey, secretKey, api: "s3v4", path };

  // mc's BuildS3Config probes the server: GetBucketLocation of a random bucket.
  // NoSuchBucket (or AccessDenied) proves the endpoint and the credentials; anything else fails.
  const probe = `probe-bsign-${randomBytes(8).toString("hex").slice(0, 15)}`;
  const probeUrl = `${url}/${probe}/?location=`;
  try {
    const client = clientFor(config);
    const res = await withTimeout(client.makeRequestAsync({ method: "GET", bucketName: probe, query: "location" }, "", [200], "us-east-1"), 15_000, probeUrl);
    res.resume();
  } catch (err) {
    const code = (err as S3LikeError).code;
    if (code !== "NoSuchBucket" && code !== "AccessDenied") {
      const network = code !== undefined && /^E[A-Z]+$/.test(code);
      const cause = network ? `Get "${probeUrl}": ${describeError(err)}` : describeError(err);
      throw new McError("Unable to initialize new alias from the provided credentials.", cause);
    }
  }
  await setAlias(mcConfigDir(process.env, globals.configDir), alias, config);
  if (globals.json) outJson({ status: "success", alias, url, api: config.api, path: config.path });
  else out(`Added \`${alias}\` successfully.`);
  return 0;
}

function withTimeout<T>(promise: Promise<T>, ms: number, url: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error(`Get "${url}": i/o timeout`), { code: "ETIMEDOUT" })), ms);
    timer.unref();
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

async function aliasList(globals: Globals, args: string[]): Promise<number> {
  const p = parseArgs(args, [], []);
  const config = await loadMcConfig(mcConfigDir(process.env, globals.configDir));
  const names = p.positional.length > 0 ? p.positional.map((n) => n.replace(/\/+$/, "")) : Object.keys(config.aliases).sort();
  for (const name of names) {
    const a = aliasFromEnv(process.env, name) ?? config.aliases[name];
    if (!a) throw new McError(`Unable to list aliases.`, `Alias \`${name}\` not found`);
    if (globals.json) {
      outJson({ status: "success", alias: name, URL: a.url, accessKey: a.accessKey, api: a.api, path: a.path });
    } else {
      // The secret is never printed, unlike mc: logs of drills are evidence and must not hold credentials.
      out(`${name}\n  URL       : ${a.url}\n  AccessKey : ${a.accessKey}\n  SecretKey : [hidden by the mc stand-in]\n  API       : ${a.api}\n  Path      : ${a.path}\n`);
    }
  }
  return 0;
}

async function aliasRemove(globals: Globals, args: string[]): Promise<number> {
  const p = parseArgs(args, [], []);
  const [name] = p.positional;
  if (name === undefined) throw new McError("Invalid command usage, expected: mc alias remove ALIAS");
  const alias = name.replace(/\/+$/, "");
  const removed = await removeAlias(mcConfigDir(process.env, globals.configDir), alias);
  if (!removed) throw new McError(`No such alias \`${alias}\` found.`);
  if (globals.json) outJson({ status: "success", alias });
  else out(`Removed \`${alias}\` successfully.`);
  return 0;
}

interface Entry {
  key: string;
  size: number;
  date: Date;
  dir: boolean;
  storageClass?: string;
  etag?: string;
}

async function listEntries(client: Minio.Client, bucket: string, prefix: string, recursive: boolean): Promise<Entry[]> {
  const entries: Entry[] = [];
  const stream = client.listObjectsV2(bucket, prefix, recursive);
  for await (const item of stream as AsyncIterable<Minio.BucketItem>) {
    if ("prefix" in item && typeof item.prefix === "string" && item.prefix !== "") {
      entries.push({ key: item.prefix, size: 0, date: new Date(), dir: true });
    } else if (typeof item.name === "string") {
      entries.push({
        key: item.name,
        size: item.size ?? 0,
        date: item.lastModified ?? new Date(0),
        dir: false,
        storageClass: "STANDARD",
        etag: item.etag,
      });
    }
  }
  return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function ls(globals: Globals, args: string[]): Promise<number> {
  const p = parseArgs(args, [], ["--recursive", "-r", "--versions", "--incomplete", "-I", "--summarize"]);
  const recursive = p.flags.has("--recursive") || p.flags.has("-r");
  const targets = p.positional.length > 0 ? p.positional : [];
  if (targets.length === 0) throw new McError("Unable to list folder.", "The mc stand-in needs an ALIAS[/BUCKET[/PREFIX]] target");
  let status = 0;
  for (const text of targets) {
    try {
      const target = parseTarget(text);
      if (!target) throw new McError("Unable to list folder.", `Requested path \`${text}\` is not an ALIAS/BUCKET target`);
      const client = await targetClient(globals, target, "Unable to list folder.");
      let entries: Entry[];
      let base = "";
      if (target.bucket === "") {
        const buckets = await client.listBuckets();
        entries = buckets
          .map((b) => ({ key: `${b.name}/`, size: 0, date: b.creationDate, dir: true }))
          .sort((a, b) => (a.key < b.key ? -1 : 1));
        if (recursive) {
          const all: Entry[] = [];
          for (const b of buckets) {
            for (const e of await listEntries(client, b.name, "", true)) all.push({ ...e, key: `${b.name}/${e.key}` });
          }
          entries = all;
        }
      } else {
        if (!(await client.bucketExists(target.bucket))) {
          throw Object.assign(new Error("The specified bucket does not exist"), { code: "NoSuchBucket" });
        }
        let prefix = target.key;
        if (prefix !== "" && !prefix.endsWith("/")) {
          // mc stats a target without a trailing slash: a "directory" is listed as its contents.
          const probe = await listEntries(client, target.bucket, `${prefix}/`, false);
          if (probe.length > 0) prefix = `${prefix}/`;
        }
        base = prefix.slice(0, prefix.lastIndexOf("/") + 1);
        entries = (await listEntries(client, target.bucket, prefix, recursive)).filter((e) => !(e.dir && e.key === prefix));
        if (prefix !== "" && !prefix.endsWith("/") && !entries.some((e) => e.key === prefix || e.key.startsWith(prefix))) {
          throw new McError("Unable to list folder.", `Object \`${text}\` does not exist`);
        }
      }
      for (const e of entries) {
        const key = e.key.slice(base.length);
        if (globals.json) {
          outJson({
            status: "success",
            type: e.dir ? "folder" : "file",
            lastModified: e.date.toISOString(),
            size: e.size,
            key,
            etag: e.etag ?? "",
            url: `${target.alias}/${target.bucket ? `${target.bucket}/` : ""}`,
            ...(e.storageClass ? { storageClass: e.storageClass } : {}),
          });
        } else {
          out(lsLine(e.date, e.size, key, e.storageClass));
        }
      }
    } catch (err) {
      const target = parseTarget(text);
      reportError(globals, err instanceof McError ? err : new McError("Unable to list folder.", describeError(err, target?.bucket)));
      status = EXIT_ERROR;
    }
  }
  return status;
}

async function mb(globals: Globals, args: string[]): Promise<number> {
  const p = parseArgs(args, ["--region"], ["--ignore-existing", "-p", "--with-lock", "-l", "--with-versioning"]);
  const ignoreExisting = p.flags.has("--ignore-existing") || p.flags.has("-p");
  if (p.flags.has("--with-lock") || p.flags.has("-l") || p.flags.has("--with-versioning")) {
    throw new McError("Unable to make bucket.", "Object locking and versioning are not supported by the S3 stand-in");
  }
  if (p.positional.length === 0) throw new McError("Invalid command usage, expected: mc mb ALIAS/BUCKET");
  let status = 0;
  for (const text of p.positional) {
    const targetText = text.replace(/\/+$/, "");
    try {
      const target = parseTarget(targetText);
      if (!target) throw new McError(`Unable to make bucket \`${targetText}\`.`, "The mc stand-in does not support local filesystem targets");
      if (target.bucket === "") throw new McError(`Unable to make bucket, please use \`mc mb ${target.alias}/<your-bucket-name>\`.`);
      if (target.key !== "") throw new McError(`Unable to make bucket \`${targetText}\`.`, "The mc stand-in cannot make prefixes inside a bucket");
      const client = await targetClient(globals, target, `Unable to make bucket \`${targetText}\`.`);
      try {
        await client.makeBucket(target.bucket, p.values.get("--region") ?? "us-east-1");
      } catch (err) {
        const code = (err as S3LikeError).code;
        if (!(ignoreExisting && (code === "BucketAlreadyOwnedByYou" || code === "BucketAlreadyExists"))) throw err;
      }
      if (globals.json) outJson({ status: "success", bucket: targetText, region: "" });
      else out(`Bucket created successfully \`${targetText}\`.`);
    } catch (err) {
      reportError(globals, err instanceof McError ? err : new McError(`Unable to make bucket \`${targetText}\`.`, describeError(err)));
      status = EXIT_ERROR;
    }
  }
  return status;
}

async function removeAll(client: Minio.Client, bucket: string, prefix: string): Promise<string[]> {
  const keys = (await listEntries(client, bucket, prefix, true)).filter((e) => !e.dir).map((e) => e.key);
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    const results = await client.removeObjects(bucket, batch);
    const failed = results.find((r) => r?.Error !== undefined);
    if (failed?.Error) throw Object.assign(new Error(failed.Error.Message ?? "Failed to remove objects"), { code: failed.Error.Code ?? "InternalError" });
  }
  return keys;
}

async function rb(globals: Globals, args: string[]): Promise<number> {
  const p = parseArgs(args, [], ["--force", "--dangerous"]);
  const force = p.flags.has("--force");
  if (p.positional.length === 0) throw new McError("Invalid command usage, expected: mc rb ALIAS/BUCKET");
  let status = 0;
  for (const text of p.positional) {
    const targetText = text.replace(/\/+$/, "");
    const target = parseTarget(targetText);
    try {
      if (!target) throw new McError(`Invalid target \`${targetText}\`.`, "The mc stand-in does not support local filesystem targets");
      if (target.bucket === "") throw new McError(`Invalid target \`${targetText}\`.`, "Removing every bucket of an alias is not supported by the mc stand-in");
      if (target.key !== "") throw new McError(`Invalid target \`${targetText}\`.`, "`mc rb` removes buckets; use `mc rm` for objects");
      const client = await targetClient(globals, target, `Unable to validate target \`${targetText}\`.`);
      if (!(await client.bucketExists(target.bucket))) {
        if (force) continue; // mc: `rb --force` on a missing bucket is silent
        throw new McError(`Unable to validate target \`${targetText}\`.`, `Bucket \`${target.bucket}\` does not exist`);
      }
      const nonEmpty = (await listEntries(client, target.bucket, "", true)).some((e) => !e.dir);
      if (nonEmpty && !force) {
        // mc: fatalIf(errDummy(), ...): the message alone, exit 1 at once.
        reportError(globals, new McError(`\`${targetText}\` is not empty. Retry this command with ‘--force’ flag if you want to remove \`${targetText}\` and all its contents`));
        return EXIT_ERROR;
      }
      try {
        if (nonEmpty) await removeAll(client, target.bucket, "");
        await client.removeBucket(target.bucket);
      } catch (err) {
        reportError(globals, new McError(`Failed to remove \`${targetText}\`.`, describeError(err, target.bucket)));
        return EXIT_ERROR;
      }
      if (globals.json) outJson({ status: "success", bucket: targetText });
      else out(`Removed \`${targetText}\` successfully.`);
    } catch (err) {
      reportError(globals, err instanceof McError ? err : new McError(`Unable to validate target \`${targetText}\`.`, describeError(err, target?.bucket)));
      status = EXIT_ERROR;
    }
  }
  return status;
}

async function cp(globals: Globals, args: string[]): Promise<number> {
  const p = parseArgs(args, ["--attr", "--storage-class"], ["--recursive", "-r", "--quiet", "-q", "--preserve", "-a", "--disable-multipart"]);
  if (p.flags.has("--recursive") || p.flags.has("-r")) throw new McError("Unable to copy.", "Recursive copy is not supported by the mc stand-in");
  const [src, dst] = p.positional;
  if (src === undefined || dst === undefined || p.positional.length !== 2) throw new McError("Invalid command usage, expected: mc cp SOURCE TARGET");
  const srcRemote = await resolveRemote(globals, src);
  const dstRemote = await resolveRemote(globals, dst);
  try {
    let size: number;
    let targetText = dst;
    if (!srcRemote && dstRemote) {
      const st = await stat(src);
      if (!st.isFile()) throw new McError(`Unable to copy \`${src}\`.`, "Only single files can be copied by the mc stand-in");
      const key = dstRemote.target.key === "" || dstRemote.target.key.endsWith("/") ? `${dstRemote.target.key}${basename(src)}` : dstRemote.target.key;
      targetText = `${dstRemote.target.alias}/${dstRemote.target.bucket}/${key}`;
      await dstRemote.client.putObject(dstRemote.target.bucket, key, createReadStream(src), st.size);
      size = st.size;
    } else if (srcRemote && !dstRemote) {
      const info = await srcRemote.client.statObject(srcRemote.target.bucket, srcRemote.target.key);
      const dest = dst.endsWith("/") ? `${dst}${basename(srcRemote.target.key)}` : dst;
      targetText = dest;
      await pipeline(await srcRemote.client.getObject(srcRemote.target.bucket, srcRemote.target.key), createWriteStream(dest));
      size = info.size;
    } else if (srcRemote && dstRemote) {
      const info = await srcRemote.client.statObject(srcRemote.target.bucket, srcRemote.target.key);
      const key = dstRemote.target.key === "" || dstRemote.target.key.endsWith("/") ? `${dstRemote.target.key}${basename(srcRemote.target.key)}` : dstRemote.target.key;
      targetText = `${dstRemote.target.alias}/${dstRemote.target.bucket}/${key}`;
      await dstRemote.client.putObject(dstRemote.target.bucket, key, await srcRemote.client.getObject(srcRemote.target.bucket, srcRemote.target.key), info.size);
      size = info.size;
    } else {
      throw new McError("Unable to copy.", "Local-to-local copies are not supported by the mc stand-in");
    }
    if (globals.json) outJson({ status: "success", source: src, target: targetText, size, totalCount: 1, totalSize: size });
    else out(`\`${src}\` -> \`${targetText}\``);
    return 0;
  } catch (err) {
    if (err instanceof McError) throw err;
    throw new McError(`Unable to copy \`${src}\`.`, describeError(err, srcRemote?.target.bucket ?? dstRemote?.target.bucket));
  }
}

async function resolveRemote(globals: Globals, text: string): Promise<{ target: Target; client: Minio.Client } | undefined> {
  const target = parseTarget(text);
  if (!target || target.bucket === "") return undefined;
  const alias = await resolveAlias(globals, target.alias);
  if (!alias) return undefined;
  return { target, client: clientFor(alias) };
}

async function cat(globals: Globals, args: string[]): Promise<number> {
  const p = parseArgs(args, [], []);
  if (p.positional.length === 0) throw new McError("Invalid command usage, expected: mc cat ALIAS/BUCKET/KEY");
  for (const text of p.positional) {
    const remote = await resolveRemote(globals, text);
    if (!remote || remote.target.key === "") throw new McError(`Unable to read from \`${text}\`.`, "Not an ALIAS/BUCKET/KEY object");
    try {
      const stream = await remote.client.getObject(remote.target.bucket, remote.target.key);
      for await (const chunk of stream as AsyncIterable<Buffer>) process.stdout.write(chunk);
    } catch (err) {
      throw new McError(`Unable to read from \`${text}\`.`, describeError(err, remote.target.bucket));
    }
  }
  return 0;
}

async function rm(globals: Globals, args: string[]): Promise<number> {
  const p = parseArgs(args, [], ["--recursive", "-r", "--force", "--dangerous", "--quiet", "-q"]);
  const recursive = p.flags.has("--recursive") || p.flags.has("-r");
  if (recursive && !p.flags.has("--force")) {
    throw new McError("Removal requires --force flag. This operation is *IRREVERSIBLE*. Please review carefully before performing this *DANGEROUS* operation.");
  }
  if (p.positional.length === 0) throw new McError("Invalid command usage, expected: mc rm ALIAS/BUCKET/KEY");
  let status = 0;
  for (const text of p.positional) {
    const remote = await resolveRemote(globals, text);
    try {
      if (!remote) throw new McError(`Failed to remove \`${text}\`.`, "Not an ALIAS/BUCKET/KEY target");
      const { client, target } = remote;
      const removed: string[] = [];
      if (recursive) {
        for (const key of await removeAll(client, target.bucket, target.key)) removed.push(key);
      } else {
        if (target.key === "") throw new McError(`Failed to remove \`${text}\`.`, "Use `mc rb` to remove a bucket");
        await client.statObject(target.bucket, target.key);
        await client.removeObject(target.bucket, target.key);
        removed.push(target.key);
      }
      for (const key of removed) {
        const name = `${target.alias}/${target.bucket}/${key}`;
        if (globals.json) outJson({ status: "success", key: name, deleteMarker: false, versionID: "", modTime: null, dryRun: false });
        else out(`Removed \`${name}\`.`);
      }
    } catch (err) {
      reportError(globals, err instanceof McError ? err : new McError(`Failed to remove \`${text}\`.`, describeError(err, remote?.target.bucket)));
      status = EXIT_ERROR;
    }
  }
  return status;
}

const HELP = `NAME:
  mc - MinIO Client stand-in (subset of MinIO's mc, built on the minio npm client; NOT MinIO's mc)

USAGE:
  mc [FLAGS] COMMAND [COMMAND FLAGS | -h] [ARGUMENTS...]

COMMANDS:
  alias   set|list|remove aliases in the configuration file
  ls      list buckets and objects
  mb      make a bucket
  rb      remove a bucket
  cp      copy one object or file
  cat     display object contents
  rm      remove objects

GLOBAL FLAGS:
  --config-dir value, -C value  path to configuration folder (default: "~/.mc") [$MC_CONFIG_DIR]
  --json                        enable JSON lines formatted output
  --quiet, -q                   accepted; the stand-in never shows progress bars
  --no-color, --insecure, --debug  accepted and ignored
  --help, -h                    show help
  --version, -v                 print the version
`;

export async function run(argv: readonly string[]): Promise<number> {
  const globals: Globals = { json: false, configDir: undefined };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--json") globals.json = true;
    else if (arg === "--config-dir" || arg === "-C") globals.configDir = argv[++i];
    else if (arg.startsWith("--config-dir=")) globals.configDir = arg.slice("--config-dir=".length);
    else if (["--quiet", "-q", "--no-color", "--insecure", "--debug", "--disable-pager", "--dp"].includes(arg) && rest.length === 0) continue;
    else rest.push(arg);
  }
  const [command, ...args] = rest;
  try {
    switch (command) {
      case undefined:
      case "--help":
      case "-h":
      case "help":
        process.stdout.write(HELP);
        return command === undefined ? EXIT_ERROR : 0;
      case "--version":
      case "-v":
      case "version":
        out(`mc version ${MC_STANDIN_VERSION} (mc stand-in on the minio npm client; not MinIO's mc)`);
        return 0;
      case "alias": {
        const [sub, ...subArgs] = args;
        switch (sub) {
          case "set":
          case "s":
          case "add":
          case "a":
            return await aliasSet(globals, subArgs);
          case "list":
          case "ls":
            return await aliasList(globals, subArgs);
          case "remove":
          case "rm":
            return await aliasRemove(globals, subArgs);
          default:
            throw new McError(`\`mc alias ${sub ?? ""}\` is not supported by the mc stand-in (supported: set, list, remove).`);
        }
      }
      case "ls":
      case "list":
        return await ls(globals, args);
      case "mb":
      case "makebucket":
        return await mb(globals, args);
      case "rb":
      case "removebucket":
        return await rb(globals, args);
      case "cp":
        return await cp(globals, args);
      case "cat":
        return await cat(globals, args);
      case "rm":
        return await rm(globals, args);
      case "admin":
        throw new McError("`mc admin` is not supported by the mc stand-in (the S3 stand-in has no MinIO admin API).");
      default:
        throw new McError(`\`${command}\` is not a recognized command or is not supported by the mc stand-in. Get help using \`--help\` flag.`);
    }
  } catch (err) {
    reportError(globals, err instanceof McError ? err : new McError("", describeError(err)));
    return EXIT_ERROR;
  }
}
