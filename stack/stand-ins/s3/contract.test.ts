import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import * as Minio from "minio";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleStandIn, standInNode } from "./bundle.js";
import { readConfig } from "./config.js";
import { parseExposition, s3Contract } from "./contract.js";
import { STANDIN_HEADER, STANDIN_VERSION, signPrometheusJwt, startS3StandIn, streamToFile, type S3StandIn } from "./server.js";

const here = dirname(fileURLToPath(import.meta.url));
const ACCESS_KEY = "contract-root";
const SECRET_KEY = "contract-secret-0123456789";

let buildDir = "";
let mcBundle = "";
let s3Bundle = "";

// One build of both bundles for the whole file: the contract runs the mc bundle as a child process.
beforeAll(async () => {
  buildDir = await mkdtemp(join(tmpdir(), "s3-standin-build-"));
  mcBundle = join(buildDir, "mc.mjs");
  s3Bundle = join(buildDir, "s3-standin.mjs");
  await Promise.all([bundleStandIn(join(here, "..", "mc", "main.ts"), mcBundle), bundleStandIn(join(here, "main.ts"), s3Bundle)]);
});
afterAll(async () => {
  if (buildDir) await rm(buildDir, { recursive: true, force: true });
});

const client = (s: { port: number }, secretKey = SECRET_KEY) =>
  new Minio.Client({ endPoint: "127.0.0.1", port: s.port, useSSL: false, accessKey: ACCESS_KEY, secretKey, region: "us-east-1", retryOptions: { disableRetry: true } });

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

describe("S3 stand-in, in-process on an ephemeral port", () => {
  let standIn: S3StandIn | undefined;
  let dataDir = "";
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "s3-standin-data-"));
    standIn = await startS3StandIn({ port: 0, dataDir, accessKey: ACCESS_KEY, secretKey: SECRET_KEY, prometheusAuthType: "public" });
  });
  afterAll(async () => {
    await standIn?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  s3Contract(() => {
    if (!standIn) throw new Error("stand-in not started");
    return { url: standIn.url, accessKey: ACCESS_KEY, secretKey: SECRET_KEY, mc: [standInNode(), mcBundle] };
  });
});

// The same contract against a real MinIO, once someone can run one.
const upstreamUrl = process.env.MINIO_UPSTREAM_URL;
describe.skipIf(!upstreamUrl)(
  upstreamUrl
    ? `upstream minio/minio at ${upstreamUrl} (credentials from MINIO_UPSTREAM_ACCESS_KEY / MINIO_UPSTREAM_SECRET_KEY)`
    : "upstream minio/minio: skipped, no registry reachable to pull it (set MINIO_UPSTREAM_URL, MINIO_UPSTREAM_ACCESS_KEY, MINIO_UPSTREAM_SECRET_KEY)",
  () => {
    s3Contract(() => ({
      url: upstreamUrl ?? "",
      accessKey: process.env.MINIO_UPSTREAM_ACCESS_KEY ?? "",
      secretKey: process.env.MINIO_UPSTREAM_SECRET_KEY ?? "",
      mc: [standInNode(), mcBundle],
    }));
  },
);

// Behaviour only the stand-in guarantees (or that would be timing-dependent upstream).
describe("S3 stand-in specifics", () => {
  let dataDir = "";
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "s3-standin-spec-"));
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  const start = (extra: Partial<Parameters<typeof startS3StandIn>[0]> = {}) =>
    startS3StandIn({ port: 0, dataDir, accessKey: ACCESS_KEY, secretKey: SECRET_KEY, prometheusAuthType: "public", ...extra });

  it("names itself in a response header and in minio_software_version_info", async () => {
    const s = await start();
    try {
      const res = await fetch(`${s.url}/minio/health/live`);
      expect(res.headers.get(STANDIN_HEADER)).toBe(STANDIN_VERSION);
      const m = parseExposition(await (await fetch(`${s.url}/minio/v2/metrics/cluster`)).text());
      expect(m.get("minio_software_version_info")?.samples[0]?.labels.version).toBe(STANDIN_VERSION);
      expect(STANDIN_VERSION).toContain("standin");
    } finally {
      await s.close();
    }
  });

  it("reports live bucket usage and cluster totals computed from the stored objects", async () => {
    const s = await start();
    try {
      const c = client(s);
      await c.makeBucket("usage-a");
      await c.makeBucket("usage-b");
      await c.putObject("usage-a", "one", Buffer.alloc(1000));
      await c.putObject("usage-a", "dir/two", Buffer.alloc(24));
      const bucket = parseExposition(await (await fetch(`${s.url}/minio/v2/metrics/bucket`)).text());
      const value = (name: string, b: string) => bucket.get(name)?.samples.find((x) => x.labels.bucket === b)?.value;
      expect(bucket.get("minio_bucket_usage_object_total")?.type).toBe("gauge");
      expect(value("minio_bucket_usage_object_total", "usage-a")).toBe(2);
      expect(value("minio_bucket_usage_total_bytes", "usage-a")).toBe(1024);
      expect(value("minio_bucket_usage_object_total", "usage-b")).toBe(0);
      const cluster = parseExposition(await (await fetch(`${s.url}/minio/v2/metrics/cluster`)).text());
      expect(cluster.get("minio_cluster_bucket_total")?.samples[0]?.value).toBe(2);
      expect(cluster.get("minio_cluster_usage_object_total")?.samples[0]?.value).toBe(2);
      expect(cluster.get("minio_cluster_usage_total_bytes")?.samples[0]?.value).toBe(1024);
      // S3 request counters per API, as MinIO labels them.
      const puts = cluster.get("minio_s3_requests_total")?.samples.find((x) => x.labels.api === "putobject");
      expect(puts?.value).toBe(2);
      expect(cluster.get("minio_s3_requests_total")?.type).toBe("counter");
      for (const b of ["usage-a", "usage-b"]) {
        for (const o of ["one", "dir/two"]) await c.removeObject(b, o).catch(() => undefined);
        await c.removeBucket(b);
      }
    } finally {
      await s.close();
    }
  });

  it("keeps buckets and objects across a restart on the same data directory", async () => {
    const first = await start();
    await client(first).makeBucket("persist");
    await client(first).putObject("persist", "kept.bin", Buffer.from("survives restarts"));
    await first.close();
    const second = await start({ port: first.port });
    try {
      expect(await client(second).bucketExists("persist")).toBe(true);
      expect((await readAll((await client(second).getObject("persist", "kept.bin")) as AsyncIterable<Buffer>)).toString()).toBe("survives restarts");
      await client(second).removeObject("persist", "kept.bin");
      await client(second).removeBucket("persist");
    } finally {
      await second.close();
    }
  });

  it("deletes many objects under one prefix in one request without a 500 (s3rver raced on pruning their directories)", async () => {
    const failures: unknown[] = [];
    const s = await start({ log: (e) => void (e.level === "error" && failures.push(e)) });
    try {
      // The minio client retries a 500 once, silently: the stand-in's error log is the witness.
      for (let round = 0; round < 5; round++) {
        await client(s).makeBucket("multi-delete");
        const keys = [0, 1, 2, 3].map((i) => `documents/${round}-${i}/seed-${i}.txt`);
        for (const k of keys) await client(s).putObject("multi-delete", k, Buffer.from(k));
        await client(s).removeObjects("multi-delete", keys);
        await client(s).removeBucket("multi-delete");
      }
      expect(failures).toEqual([]);
      expect(await client(s).bucketExists("multi-delete")).toBe(false);
    } finally {
      await s.close();
    }
  });

  it("does not list directories of the data volume that cannot be buckets (lost+found)", async () => {
    const s = await start();
    try {
      await mkdir(join(dataDir, "lost+found"), { recursive: true });
      await mkdir(join(dataDir, ".hidden"), { recursive: true });
      expect((await client(s).listBuckets()).map((b) => b.name)).not.toContain("lost+found");
      expect((await client(s).listBuckets()).map((b) => b.name)).not.toContain(".hidden");
    } finally {
      await s.close();
    }
  });

  it("guards metrics with MinIO's Prometheus bearer JWT unless the auth type is public", async () => {
    const s = await start({ prometheusAuthType: "jwt" });
    try {
      const path = `${s.url}/minio/v2/metrics/cluster`;
      expect((await fetch(path)).status).toBe(403);
      expect((await fetch(path, { headers: { Authorization: `Bearer ${signPrometheusJwt(ACCESS_KEY, "wrong-secret-000")}` } })).status).toBe(403);
      expect((await fetch(path, { headers: { Authorization: `Bearer ${signPrometheusJwt(ACCESS_KEY, SECRET_KEY, -10)}` } })).status).toBe(403);
      const ok = await fetch(path, { headers: { Authorization: `Bearer ${signPrometheusJwt(ACCESS_KEY, SECRET_KEY)}` } });
      expect(ok.status).toBe(200);
      expect(parseExposition(await ok.text()).has("minio_cluster_capacity_raw_total_bytes")).toBe(true);
    } finally {
      await s.close();
    }
  });

  it("answers 501 on the console port with a page that says there is no console", async () => {
    const s = await start({ consolePort: 0 });
    try {
      const res = await fetch(`http://127.0.0.1:${s.consolePort}/`);
      expect(res.status).toBe(501);
      const text = await res.text();
      expect(text).toContain("S3 stand-in");
      expect(text).toContain("no web console");
    } finally {
      await s.close();
    }
  });

  it("refuses aws-chunked streaming uploads with NotImplemented instead of storing the chunk framing", async () => {
    const s = await start();
    try {
      await client(s).makeBucket("chunked");
      // Sign a request whose payload hash is the streaming marker, as SDKs using aws-chunked do.
      const url = await client(s).presignedUrl("PUT", "chunked", "x.bin", 60);
      const res = await fetch(url, { method: "PUT", headers: { "content-encoding": "aws-chunked" }, body: "5;chunk-signature=x\r\nhello\r\n0;chunk-signature=y\r\n\r\n" });
      expect(res.status).toBe(501);
      expect(await res.text()).toContain("<Code>NotImplemented</Code>");
      await client(s).removeBucket("chunked");
    } finally {
      await s.close();
    }
  });

  it("streamToFile rejects with ENOSPC on a full device and keeps draining the source, so an HTTP answer can follow", async () => {
    const source = new PassThrough();
    const ended = new Promise<void>((resolve, reject) => {
      source.on("end", resolve);
      source.on("error", reject);
    });
    const pending = streamToFile(source, "/dev/full");
    source.write(Buffer.alloc(64 * 1024, 1));
    await expect(pending).rejects.toMatchObject({ code: "ENOSPC" });
    // The client is still sending the rest of its body: it must be read and dropped, not refused.
    expect(source.destroyed).toBe(false);
    source.end(Buffer.alloc(256 * 1024, 2));
    await ended;
  });

  it("reads the minio binary's command line and environment", () => {
    const env = { MINIO_ROOT_USER: "rootuser", MINIO_ROOT_PASSWORD: "rootpassword123", MINIO_PROMETHEUS_AUTH_TYPE: "public" };
    expect(readConfig(["server", "/data", "--console-address", ":9001"], env)).toMatchObject({
      host: "0.0.0.0",
      port: 9000,
      consolePort: 9001,
      dataDir: "/data",
      accessKey: "rootuser",
      secretKey: "rootpassword123",
      prometheusAuthType: "public",
      mcAlias: "myminio",
      defaultCredentials: false,
    });
    expect(readConfig(["server", "--address=127.0.0.1:9100", "/srv/x", "--quiet"], env)).toMatchObject({ host: "127.0.0.1", port: 9100, dataDir: "/srv/x", consolePort: undefined, ignoredFlags: ["--quiet"] });
    expect(readConfig([], {})).toMatchObject({ accessKey: "minioadmin", secretKey: "minioadmin", defaultCredentials: true, prometheusAuthType: "jwt", dataDir: "/data" });
    expect(readConfig(["server", "/data"], { ...env, MINIO_STANDIN_MC_ALIAS: "" }).mcAlias).toBeUndefined();
    expect(() => readConfig(["server", "/data"], { MINIO_ROOT_USER: "ab", MINIO_ROOT_PASSWORD: "short" })).toThrow(/Invalid credentials/);
    expect(() => readConfig(["server", "/d1", "/d2"], env)).toThrow(/exactly one local drive/);
    expect(() => readConfig(["server", "/data{1...4}"], env)).toThrow(/exactly one local drive/);
    expect(() => readConfig(["server", "/data", "--bogus"], env)).toThrow(/not defined: --bogus/);
  });

  it("bundles with esbuild, writes the myminio mc alias, logs JSON without secrets, stops on SIGTERM", async () => {
    const home = await mkdtemp(join(tmpdir(), "s3-standin-home-"));
    const port = await freePort();
    const child = spawn(standInNode(), [s3Bundle, "server", join(home, "data"), "--address", `127.0.0.1:${port}`, "--console-address", "127.0.0.1:0"], {
      env: { PATH: process.env.PATH ?? "", HOME: home, MINIO_ROOT_USER: ACCESS_KEY, MINIO_ROOT_PASSWORD: SECRET_KEY, MINIO_PROMETHEUS_AUTH_TYPE: "public" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const deadline = Date.now() + 15_000;
      while (!stdout.includes("\n") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const startLine = JSON.parse(stdout.split("\n")[0] ?? "") as Record<string, unknown>;
      expect(startLine).toMatchObject({ level: "info", standIn: true, version: STANDIN_VERSION, s3Addr: `127.0.0.1:${port}`, mcAlias: "myminio", prometheusAuthType: "public" });
      expect((await fetch(`http://127.0.0.1:${port}/minio/health/live`)).status).toBe(200);
      const config = JSON.parse(await readFile(join(home, ".mc", "config.json"), "utf8")) as { aliases: Record<string, unknown> };
      expect(config.aliases.myminio).toEqual({ url: `http://127.0.0.1:${port}`, accessKey: ACCESS_KEY, secretKey: SECRET_KEY, api: "s3v4", path: "auto" });
      // The runbook's `docker exec minio mc ...` steps, with that alias.
      const mc = (...args: string[]) => spawnSync(standInNode(), [mcBundle, ...args], { env: { PATH: process.env.PATH ?? "", HOME: home, TZ: "UTC" }, encoding: "utf8" });
      expect(mc("mb", "myminio/pretamane-data", "--ignore-existing")).toMatchObject({ status: 0, stdout: "Bucket created successfully `myminio/pretamane-data`.\n" });
      expect(mc("ls", "myminio/").stdout).toMatch(/^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\]     0B pretamane-data\/\n$/);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toEqual(["s3 stand-in listening", "shutting down", "stopped"]);
    expect(stdout).not.toContain(SECRET_KEY);
    await rm(home, { recursive: true, force: true });
  });

  it("runs the compose file's minio-init job verbatim: it retries until the server is up, then makes the bucket", async () => {
    const compose = parseYaml(await readFile(join(here, "..", "..", "docker-compose.yml"), "utf8")) as {
      services: Record<string, { command?: string[]; entrypoint?: string[] }>;
    };
    const job = compose.services["minio-init"];
    expect(job?.entrypoint).toEqual(["/bin/sh", "-c"]);
    const port = await freePort();
    // Compose's "$$" is a literal "$"; the job reaches MinIO as http://minio:9000.
    const script = (job?.command?.[0] ?? "").replace(/\$\$/g, "$").replace("http://minio:9000", `http://127.0.0.1:${port}`);
    expect(script).toContain("mc mb myminio/pretamane-data --ignore-existing");

    const home = await mkdtemp(join(tmpdir(), "minio-init-"));
    const bin = join(home, "bin");
    await mkdir(bin);
    await writeFile(join(bin, "mc"), `#!/bin/sh\nexec "${standInNode()}" "${mcBundle}" "$@"\n`);
    await chmod(join(bin, "mc"), 0o755);
    let s: S3StandIn | undefined;
    const jobProcess: ChildProcessWithoutNullStreams = spawn("/bin/sh", ["-c", script], {
      env: { PATH: `${bin}:${process.env.PATH ?? ""}`, HOME: home, MINIO_ROOT_USER: ACCESS_KEY, MINIO_ROOT_PASSWORD: SECRET_KEY },
    });
    let out = "";
    jobProcess.stdout.on("data", (c: Buffer) => (out += c.toString()));
    jobProcess.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const done = new Promise<number | null>((resolve) => jobProcess.on("exit", (code) => resolve(code)));
    try {
      await new Promise((r) => setTimeout(r, 2_500)); // the job is looping on a refused connection
      expect(jobProcess.exitCode).toBeNull();
      expect(out).toMatch(/connection refused/);
      s = await startS3StandIn({ port, dataDir: join(home, "data"), accessKey: ACCESS_KEY, secretKey: SECRET_KEY });
      expect(await Promise.race([done, new Promise((r) => setTimeout(() => r("timeout"), 20_000))])).toBe(0);
      expect(out).toContain("Bucket created successfully `myminio/pretamane-data`.");
      expect(await client(s).bucketExists("pretamane-data")).toBe(true);
      expect((await stat(join(home, ".mc", "config.json"))).mode & 0o777).toBe(0o600);
    } finally {
      if (jobProcess.exitCode === null) jobProcess.kill("SIGKILL");
      await s?.close();
      await rm(home, { recursive: true, force: true });
    }
  });

  // A full drive needs a small filesystem: a tmpfs in a private mount namespace (root, util-linux unshare).
  const canMountTmpfs =
    process.getuid?.() === 0 && spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt && true"]).status === 0;
  it.skipIf(!canMountTmpfs)(
    canMountTmpfs
      ? "on a full drive answers 507 XMinioStorageFull, keeps serving and keeps the old object (2 MiB tmpfs, bundle as a process)"
      : "on a full drive answers 507 XMinioStorageFull: skipped, needs root and `unshare -m` to mount a small tmpfs",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "s3-full-"));
      const port = await freePort();
      const inner = `mount -t tmpfs -o size=2m tmpfs "${dir}" && exec "${standInNode()}" "${s3Bundle}" server "${dir}" --address 127.0.0.1:${port}`;
      const child = spawn("unshare", ["-m", "--propagation", "private", "sh", "-c", inner], {
        env: { PATH: process.env.PATH ?? "", HOME: dir, MINIO_ROOT_USER: ACCESS_KEY, MINIO_ROOT_PASSWORD: SECRET_KEY, MINIO_PROMETHEUS_AUTH_TYPE: "public", MINIO_STANDIN_MC_ALIAS: "" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      try {
        const deadline = Date.now() + 15_000;
        while (!stdout.includes("listening") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        const c = client({ port });
        await c.makeBucket("full");
        const first = Buffer.alloc(1_400_000, 7);
        await c.putObject("full", "first.bin", first);
        const err = await c.putObject("full", "second.bin", Buffer.alloc(1_400_000, 8)).catch((e: unknown) => e);
        expect((err as { code?: string }).code).toBe("XMinioStorageFull");
        const overwrite = await c.putObject("full", "first.bin", Buffer.alloc(1_600_000, 9)).catch((e: unknown) => e);
        expect((overwrite as { code?: string }).code).toBe("XMinioStorageFull");
        expect((await fetch(`http://127.0.0.1:${port}/minio/health/live`)).status).toBe(200);
        expect((await readAll((await c.getObject("full", "first.bin")) as AsyncIterable<Buffer>)).equals(first)).toBe(true);
        const names: string[] = [];
        for await (const o of c.listObjectsV2("full", "", true) as AsyncIterable<Minio.BucketItem>) if (o.name) names.push(o.name);
        expect(names).toEqual(["first.bin"]);
        const m = parseExposition(await (await fetch(`http://127.0.0.1:${port}/minio/v2/metrics/cluster`)).text());
        const total = m.get("minio_cluster_capacity_raw_total_bytes")?.samples[0]?.value ?? 0;
        expect(total).toBe(2 * 1024 * 1024);
        expect(stdout).toContain('"msg":"storage full"');
      } finally {
        child.kill("SIGTERM");
      }
      expect(await exited).toBe(0);
      await rm(dir, { recursive: true, force: true });
    },
  );
});
