/**
 * Contract suite for the MinIO subset the stack, the runbook (section 5) and
 * the drills rely on: the S3 API through the official `minio` client,
 * credential checks, MinIO's health and v2 metrics endpoints, and the mc
 * stand-in (a bundle run as a child process) against the target.
 *
 * It is written against a URL + root credentials only, so the same
 * assertions run against the in-process S3 stand-in and, when one is
 * reachable, a real minio/minio started with MINIO_PROMETHEUS_AUTH_TYPE=public
 * (as the compose file does). Keep every assertion true of upstream MinIO:
 * stand-in-only behaviour belongs in contract.test.ts. Every bucket a test
 * creates has a run-unique name and is removed afterwards.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as Minio from "minio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

export interface S3Target {
  /** Base URL of the S3 API, e.g. http://127.0.0.1:9000. */
  url: string;
  accessKey: string;
  secretKey: string;
  /** argv prefix that runs the mc stand-in bundle, e.g. [node, "/tmp/mc.mjs"]. */
  mc: string[];
}

// ---------------------------------------------------------------------------
// Prometheus text exposition format 0.0.4, parsed strictly.
// ---------------------------------------------------------------------------

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: string | undefined;
  help: string | undefined;
  samples: PromSample[];
}

const METRIC_NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const SAMPLE_RE = new RegExp(`^(${METRIC_NAME})(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+(-?\\d+))?$`);

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new Error(`malformed labels in: ${line}`);
    labels[m[1] ?? ""] = (m[2] ?? "").replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    pos = re.lastIndex;
  }
  return labels;
}

function parseValue(text: string, line: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return Number.NaN;
  const n = Number(text);
  if (Number.isNaN(n)) throw new Error(`malformed value in: ${line}`);
  return n;
}

/** Throws on any line that is not valid exposition format; returns families by name. */
export function parseExposition(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const family = (name: string): PromFamily => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: undefined, help: undefined, samples: [] }));
    return f;
  };
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const meta = new RegExp(`^# (HELP|TYPE) (${METRIC_NAME}) ?(.*)$`).exec(line);
    if (meta) {
      const f = family(meta[2] ?? "");
      if (meta[1] === "TYPE") {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(meta[3] ?? "")) throw new Error(`bad TYPE: ${line}`);
        if (f.samples.length > 0) throw new Error(`TYPE after samples: ${line}`);
        f.type = meta[3];
      } else {
        f.help = meta[3];
      }
      continue;
    }
    if (line.startsWith("#")) continue;
    const m = SAMPLE_RE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const name = m[1] ?? "";
    const base = families.has(name) ? name : name.replace(/_(bucket|sum|count)$/, "");
    family(base).samples.push({ name, labels: parseLabels(m[2] ?? "", line), value: parseValue(m[3] ?? "", line) });
  }
  return families;
}

// ---------------------------------------------------------------------------

interface McResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function errCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null ? ((err as { code?: unknown }).code as string | undefined) : undefined;
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 * 64 }, (_, i) => i % 256));

export function s3Contract(getTarget: () => S3Target): void {
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  let counter = 0;
  const created = new Set<string>();
  let workDir = "";

  const base = () => getTarget().url.replace(/\/+$/, "");
  const client = (accessKey = getTarget().accessKey, secretKey = getTarget().secretKey): Minio.Client => {
    const url = new URL(base());
    return new Minio.Client({
      endPoint: url.hostname,
      port: Number(url.port || 80),
      useSSL: url.protocol === "https:",
      accessKey,
      secretKey,
      region: "us-east-1",
      retryOptions: { disableRetry: true },
    });
  };
  const freshBucket = (label: string): string => {
    counter += 1;
    const name = `contract-${runId}-${label}-${counter}`.toLowerCase().slice(0, 63);
    created.add(name);
    return name;
  };

  async function removeBucketForce(name: string): Promise<void> {
    const c = client();
    if (!(await c.bucketExists(name).catch(() => false))) return;
    const objects = await collect(c.listObjectsV2(name, "", true) as AsyncIterable<Minio.BucketItem>);
    const names = objects.map((o) => o.name).filter((n): n is string => typeof n === "string");
    if (names.length > 0) await c.removeObjects(name, names);
    await c.removeBucket(name);
  }

  function runMc(args: string[], env: Record<string, string> = {}): Promise<McResult> {
    const [cmd, ...prefix] = getTarget().mc;
    return new Promise((resolve, reject) => {
      const child = spawn(cmd ?? "node", [...prefix, ...args], {
        env: { PATH: process.env.PATH ?? "", HOME: workDir, MC_CONFIG_DIR: join(workDir, ".mc"), TZ: "UTC", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "s3-contract-"));
  });

  afterAll(async () => {
    for (const name of created) await removeBucketForce(name).catch(() => undefined);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  describe("health endpoints", () => {
    it("answers /minio/health/live and /minio/health/ready with 200 without credentials (GET and HEAD)", async () => {
      for (const path of ["/minio/health/live", "/minio/health/ready"]) {
        for (const method of ["GET", "HEAD"]) {
          const res = await fetch(`${base()}${path}`, { method });
          expect(res.status, `${method} ${path}`).toBe(200);
        }
      }
    });
  });

  describe("credentials", () => {
    it("refuses an anonymous request with 403 AccessDenied", async () => {
      const res = await fetch(`${base()}/`);
      expect(res.status).toBe(403);
      const body = await res.text();
      expect(body).toContain("<Code>AccessDenied</Code>");
    });

    it("refuses a wrong secret key with SignatureDoesNotMatch", async () => {
      const err = await client(getTarget().accessKey, "definitely-not-the-secret").listBuckets().catch((e: unknown) => e);
      expect(errCode(err)).toBe("SignatureDoesNotMatch");
    });

    it("refuses an unknown access key with InvalidAccessKeyId", async () => {
      const err = await client("NOSUCHACCESSKEY0001", "definitely-not-the-secret").listBuckets().catch((e: unknown) => e);
      expect(errCode(err)).toBe("InvalidAccessKeyId");
    });

    it("accepts the root credentials", async () => {
      await expect(client().listBuckets()).resolves.toBeInstanceOf(Array);
    });
  });

  describe("buckets and objects through the minio client", () => {
    it("makes a bucket, refuses to make it twice with BucketAlreadyOwnedByYou, lists it", async () => {
      const c = client();
      const bucket = freshBucket("mb");
      await c.makeBucket(bucket);
      expect(await c.bucketExists(bucket)).toBe(true);
      const again = await c.makeBucket(bucket).catch((e: unknown) => e);
      expect(errCode(again)).toBe("BucketAlreadyOwnedByYou");
      const names = (await c.listBuckets()).map((b) => b.name);
      expect(names).toContain(bucket);
      expect(await c.bucketExists(`${bucket}-absent`)).toBe(false);
    });

    it("stores and returns the same bytes, under keys with spaces, plus signs and non-ASCII", async () => {
      const c = client();
      const bucket = freshBucket("obj");
      await c.makeBucket(bucket);
      const key = "docs/a b+c ü.bin";
      await c.putObject(bucket, key, ALL_BYTES, ALL_BYTES.length, { "Content-Type": "application/octet-stream" });
      const chunks = await collect((await c.getObject(bucket, key)) as AsyncIterable<Buffer>);
      expect(Buffer.concat(chunks).equals(ALL_BYTES)).toBe(true);
      const st = await c.statObject(bucket, key);
      expect(st.size).toBe(ALL_BYTES.length);
      expect(st.etag).toMatch(/^[0-9a-f]{32}$/);

      await c.putObject(bucket, "top.txt", Buffer.from("top"));
      const recursive = await collect(c.listObjectsV2(bucket, "", true) as AsyncIterable<Minio.BucketItem>);
      expect(recursive.map((o) => o.name).sort()).toEqual([key, "top.txt"]);
      expect(recursive.find((o) => o.name === key)?.size).toBe(ALL_BYTES.length);
      const shallow = await collect(c.listObjectsV2(bucket, "", false) as AsyncIterable<Minio.BucketItem>);
      expect(shallow.map((o) => o.name ?? o.prefix).sort()).toEqual(["docs/", "top.txt"]);
      const v1 = await collect(c.listObjects(bucket, "docs/", true) as AsyncIterable<Minio.BucketItem>);
      expect(v1.map((o) => o.name)).toEqual([key]);
    });

    it("answers NoSuchKey and NoSuchBucket for missing objects and buckets", async () => {
      const c = client();
      const bucket = freshBucket("missing");
      await c.makeBucket(bucket);
      expect(errCode(await c.getObject(bucket, "nope.txt").catch((e: unknown) => e))).toBe("NoSuchKey");
      expect(errCode(await c.statObject(bucket, "nope.txt").catch((e: unknown) => e))).toBe("NotFound");
      const absent = `${bucket}-absent`;
      expect(errCode(await collect(c.listObjectsV2(absent, "", true) as AsyncIterable<Minio.BucketItem>).catch((e: unknown) => e))).toBe("NoSuchBucket");
    });

    it("refuses to remove a bucket with objects (BucketNotEmpty), removes it once empty", async () => {
      const c = client();
      const bucket = freshBucket("rb");
      await c.makeBucket(bucket);
      await c.putObject(bucket, "keep.txt", Buffer.from("still here"));
      expect(errCode(await c.removeBucket(bucket).catch((e: unknown) => e))).toBe("BucketNotEmpty");
      // The refused removal lost nothing.
      const chunks = await collect((await c.getObject(bucket, "keep.txt")) as AsyncIterable<Buffer>);
      expect(Buffer.concat(chunks).toString()).toBe("still here");
      await c.removeObject(bucket, "keep.txt");
      await c.removeBucket(bucket);
      expect(await c.bucketExists(bucket)).toBe(false);
    });

    it("serves presigned GET URLs and refuses expired ones with AccessDenied", async () => {
      const c = client();
      const bucket = freshBucket("presign");
      await c.makeBucket(bucket);
      await c.putObject(bucket, "p.txt", Buffer.from("presigned body"));
      const ok = await fetch(await c.presignedGetObject(bucket, "p.txt", 60));
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe("presigned body");
      const expiredUrl = await c.presignedGetObject(bucket, "p.txt", 60, {}, new Date(Date.now() - 3600_000));
      const expired = await fetch(expiredUrl);
      expect(expired.status).toBe(403);
      expect(await expired.text()).toContain("<Code>AccessDenied</Code>");
    });
  });

  describe("Prometheus metrics (MINIO_PROMETHEUS_AUTH_TYPE=public)", () => {
    const scrape = async (path: string) => {
      const res = await fetch(`${base()}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type") ?? "").toMatch(/^text\/plain/);
      return parseExposition(await res.text());
    };
    const single = (families: Map<string, PromFamily>, name: string): PromSample => {
      const f = families.get(name);
      expect(f, `${name} present`).toBeDefined();
      expect(f?.type, `${name} TYPE`).toBe("gauge");
      expect(f?.samples.length, `${name} samples`).toBeGreaterThanOrEqual(1);
      return f?.samples[0] as PromSample;
    };

    it("/minio/v2/metrics/cluster has the capacity, node and drive gauges with plausible values", async () => {
      const bucket = freshBucket("metrics");
      await client().makeBucket(bucket);
      const m = await scrape("/minio/v2/metrics/cluster");
      const rawTotal = single(m, "minio_cluster_capacity_raw_total_bytes").value;
      const rawFree = single(m, "minio_cluster_capacity_raw_free_bytes").value;
      const usableTotal = single(m, "minio_cluster_capacity_usable_total_bytes").value;
      const usableFree = single(m, "minio_cluster_capacity_usable_free_bytes").value;
      expect(rawTotal).toBeGreaterThan(0);
      expect(rawFree).toBeGreaterThanOrEqual(0);
      expect(rawFree).toBeLessThanOrEqual(rawTotal);
      expect(usableTotal).toBeGreaterThan(0);
      expect(usableTotal).toBeLessThanOrEqual(rawTotal);
      expect(usableFree).toBeLessThanOrEqual(usableTotal);
      expect(single(m, "minio_cluster_nodes_online_total").value).toBeGreaterThanOrEqual(1);
      expect(single(m, "minio_cluster_nodes_offline_total").value).toBe(0);
      expect(single(m, "minio_cluster_drive_online_total").value).toBeGreaterThanOrEqual(1);
      expect(single(m, "minio_cluster_bucket_total").value).toBeGreaterThanOrEqual(0);
      for (const s of m.get("minio_cluster_capacity_raw_total_bytes")?.samples ?? []) expect(s.labels.server).toBeTruthy();
    });

    it("/minio/v2/metrics/node has per-drive bytes with drive and server labels", async () => {
      const m = await scrape("/minio/v2/metrics/node");
      const total = single(m, "minio_node_drive_total_bytes");
      const free = single(m, "minio_node_drive_free_bytes");
      const used = single(m, "minio_node_drive_used_bytes");
      expect(total.labels.drive).toBeTruthy();
      expect(total.labels.server).toBeTruthy();
      expect(total.value).toBeGreaterThan(0);
      expect(free.value).toBeLessThanOrEqual(total.value);
      expect(used.value).toBeLessThanOrEqual(total.value);
    });

    it("emits no minio_disk_storage_available / minio_disk_storage_total (the runbook's Detection query names metrics MinIO does not have)", async () => {
      for (const path of ["/minio/v2/metrics/cluster", "/minio/v2/metrics/node", "/minio/v2/metrics/bucket"]) {
        const m = await scrape(path);
        expect([...m.keys()].filter((n) => n.startsWith("minio_disk_storage")), path).toEqual([]);
      }
    });
  });

  describe("mc stand-in against the target", () => {
    const alias = "ctest";
    const setAlias = () => runMc(["alias", "set", alias, base(), getTarget().accessKey, getTarget().secretKey]);

    it("alias set probes the server: wrong credentials and a closed port fail with exit 1", async () => {
      const wrong = await runMc(["alias", "set", "wrong", base(), getTarget().accessKey, "definitely-not-the-secret"]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/^mc: <ERROR> Unable to initialize new alias from the provided credentials\. The request signature we calculated does not match/);
      const closed = await runMc(["alias", "set", "closed", "http://127.0.0.1:1", "a".repeat(5), "b".repeat(10)]);
      expect(closed.code).toBe(1);
      expect(closed.stderr).toMatch(/^mc: <ERROR> Unable to initialize new alias from the provided credentials\. Get "http:\/\/127\.0\.0\.1:1\/probe-bsign-[0-9a-z]+\/\?location=": dial tcp 127\.0\.0\.1:1: connect: connection refused\.\n$/);
    });

    it("alias set writes ~/.mc/config.json (version 10, mode 0600) and says Added", async () => {
      const res = await setAlias();
      expect(res).toMatchObject({ code: 0, stdout: `Added \`${alias}\` successfully.\n`, stderr: "" });
      const path = join(workDir, ".mc", "config.json");
      const config = JSON.parse(await readFile(path, "utf8")) as { version: string; aliases: Record<string, { url: string; accessKey: string; api: string }> };
      expect(config.version).toBe("10");
      expect(config.aliases[alias]).toMatchObject({ url: base(), accessKey: getTarget().accessKey, api: "s3v4" });
      expect((await stat(path)).mode & 0o777).toBe(0o600);
    });

    it("mb creates, refuses an existing bucket, and --ignore-existing succeeds twice", async () => {
      await setAlias();
      const bucket = freshBucket("mcmb");
      const target = `${alias}/${bucket}`;
      expect(await runMc(["mb", target])).toMatchObject({ code: 0, stdout: `Bucket created successfully \`${target}\`.\n` });
      const again = await runMc(["mb", target]);
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(`mc: <ERROR> Unable to make bucket \`${target}\`. Your previous request to create the named bucket succeeded and you already own it.\n`);
      for (let i = 0; i < 2; i++) {
        expect(await runMc(["mb", target, "--ignore-existing"])).toMatchObject({ code: 0, stdout: `Bucket created successfully \`${target}\`.\n`, stderr: "" });
      }
      expect(await client().bucketExists(bucket)).toBe(true);
    });

    it("ls prints mc's lines: [date UTC], size right-aligned to 7, STANDARD for objects", async () => {
      await setAlias();
      const bucket = freshBucket("mcls");
      await client().makeBucket(bucket);
      await client().putObject(bucket, "hello.txt", Buffer.from("hello world"));
      await client().putObject(bucket, "dir/inner.txt", Buffer.from("x".repeat(2048)));
      const date = "\\[\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} UTC\\]";
      const buckets = await runMc(["ls", `${alias}/`]);
      expect(buckets.code).toBe(0);
      expect(buckets.stdout).toMatch(new RegExp(`^${date}     0B ${bucket}/$`, "m"));
      const top = await runMc(["ls", `${alias}/${bucket}`]);
      expect(top.code).toBe(0);
      expect(top.stdout.trimEnd().split("\n")).toEqual([
        expect.stringMatching(new RegExp(`^${date}     0B dir/$`)),
        expect.stringMatching(new RegExp(`^${date}    11B STANDARD hello\\.txt$`)),
      ]);
      const recursive = await runMc(["ls", "--recursive", `${alias}/${bucket}`]);
      expect(recursive.stdout).toMatch(new RegExp(`^${date} 2\\.0KiB STANDARD dir/inner\\.txt$`, "m"));
      const missing = await runMc(["ls", `${alias}/${bucket}-absent`]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe(`mc: <ERROR> Unable to list folder. Bucket \`${bucket}-absent\` does not exist.\n`);
    });

    it("cp and cat move one object in and out", async () => {
      await setAlias();
      const bucket = freshBucket("mccp");
      await client().makeBucket(bucket);
      const src = join(workDir, "local.txt");
      await writeFile(src, "copied by mc\n");
      const cp = await runMc(["cp", src, `${alias}/${bucket}/in/`]);
      expect(cp).toMatchObject({ code: 0, stdout: `\`${src}\` -> \`${alias}/${bucket}/in/local.txt\`\n` });
      expect(await runMc(["cat", `${alias}/${bucket}/in/local.txt`])).toMatchObject({ code: 0, stdout: "copied by mc\n" });
    });

    it("rb refuses a non-empty bucket, --force removes it with its objects, a missing one fails", async () => {
      await setAlias();
      const bucket = freshBucket("mcrb");
      const target = `${alias}/${bucket}`;
      await client().makeBucket(bucket);
      await client().putObject(bucket, "a/b.txt", Buffer.from("b"));
      const refused = await runMc(["rb", target]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(
        `mc: <ERROR> \`${target}\` is not empty. Retry this command with ‘--force’ flag if you want to remove \`${target}\` and all its contents\n`,
      );
      expect(await client().bucketExists(bucket)).toBe(true);
      expect(await runMc(["rb", "--force", target])).toMatchObject({ code: 0, stdout: `Removed \`${target}\` successfully.\n` });
      expect(await client().bucketExists(bucket)).toBe(false);
      const missing = await runMc(["rb", target]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe(`mc: <ERROR> Unable to validate target \`${target}\`. Bucket \`${bucket}\` does not exist.\n`);
      expect(await runMc(["rb", "--force", target])).toMatchObject({ code: 0, stdout: "" });
    });

    it("honours MC_HOST_<alias> without any configuration file", async () => {
      const url = new URL(base());
      const envAlias = `http://${encodeURIComponent(getTarget().accessKey)}:${encodeURIComponent(getTarget().secretKey)}@${url.host}`;
      const bucket = freshBucket("mchost");
      const res = await runMc(["mb", `envonly/${bucket}`], { MC_HOST_envonly: envAlias, MC_CONFIG_DIR: join(workDir, "empty-config") });
      expect(res).toMatchObject({ code: 0, stdout: `Bucket created successfully \`envonly/${bucket}\`.\n` });
    });
  });
}
