/**
 * Unit tests of the mc stand-in: mc's output formats, its configuration file
 * and MC_HOST_<alias>, and commands run in-process against the S3 stand-in.
 * The bundle as a child process (the way the minio-init job and the runbook
 * run it) is exercised by the S3 contract (stack/stand-ins/s3/contract.ts).
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startS3StandIn, type S3StandIn } from "../s3/server.js";
import { describeError, formatMcDate, humanizeIBytes, joinMessage, lsLine, run } from "./cli.js";
import { aliasFromEnv, loadMcConfig, mcConfigDir, saveMcConfig, setAlias } from "./config.js";

describe("mc output formats", () => {
  it("prints sizes as go-humanize's IBytes without the inner space", () => {
    expect(humanizeIBytes(0)).toBe("0B");
    expect(humanizeIBytes(9)).toBe("9B");
    expect(humanizeIBytes(11)).toBe("11B");
    expect(humanizeIBytes(1023)).toBe("1023B");
    expect(humanizeIBytes(1024)).toBe("1.0KiB");
    expect(humanizeIBytes(1536)).toBe("1.5KiB");
    expect(humanizeIBytes(10 * 1024)).toBe("10KiB");
    expect(humanizeIBytes(20 * 1024 * 1024)).toBe("20MiB");
    expect(humanizeIBytes(5 * 1024 ** 3 + 1)).toBe("5.0GiB");
  });

  it("prints `mc ls` lines exactly like mc: [date zone], size padded to 7, optional storage class, key", () => {
    const when = new Date("2024-10-13T13:34:11Z");
    expect(lsLine(when, 0, "pretamane-data/", undefined, "UTC")).toBe("[2024-10-13 13:34:11 UTC]     0B pretamane-data/");
    expect(lsLine(when, 11, "hello.txt", "STANDARD", "UTC")).toBe("[2024-10-13 13:34:11 UTC]    11B STANDARD hello.txt");
    expect(lsLine(when, 2048, "a.bin", "STANDARD", "UTC")).toBe("[2024-10-13 13:34:11 UTC] 2.0KiB STANDARD a.bin");
    expect(formatMcDate(when, "UTC")).toBe("2024-10-13 13:34:11 UTC");
  });

  it("joins an error message and its cause with mc's punctuation", () => {
    expect(joinMessage("Unable to make bucket `a/b`.", "Your previous request to create the named bucket succeeded and you already own it.")).toBe(
      "Unable to make bucket `a/b`. Your previous request to create the named bucket succeeded and you already own it.",
    );
    expect(joinMessage("Unable to list folder", "Bucket `x` does not exist")).toBe("Unable to list folder. Bucket `x` does not exist.");
    expect(joinMessage("Unable to read", "dial tcp: lookup x: no such host")).toBe("Unable to read: dial tcp: lookup x: no such host.");
    expect(joinMessage("`a/b` is not empty. Retry", "")).toBe("`a/b` is not empty. Retry");
  });

  it("describes errors as mc does: typed S3 errors, Go-like network errors", () => {
    expect(describeError({ code: "NoSuchBucket" }, "b")).toBe("Bucket `b` does not exist.");
    expect(describeError({ code: "ECONNREFUSED", address: "127.0.0.1", port: 9000 })).toBe("dial tcp 127.0.0.1:9000: connect: connection refused");
    expect(describeError({ code: "ENOTFOUND", hostname: "minio" })).toBe("dial tcp: lookup minio: no such host");
    expect(describeError({ code: "AccessDenied", message: "Access Denied." })).toBe("Access Denied.");
  });
});

describe("mc configuration", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mc-config-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("finds the directory like mc: --config-dir, then MC_CONFIG_DIR, then ~/.mc", () => {
    expect(mcConfigDir({ HOME: "/home/op" })).toBe("/home/op/.mc");
    expect(mcConfigDir({ HOME: "/home/op", MC_CONFIG_DIR: "/etc/mc" })).toBe("/etc/mc");
    expect(mcConfigDir({ HOME: "/home/op", MC_CONFIG_DIR: "/etc/mc" }, "/flag")).toBe("/flag");
  });

  it("writes version 10 with tabs, mode 0600, and keeps other aliases", async () => {
    const cfg = join(dir, "keep");
    await saveMcConfig(cfg, { version: "10", aliases: { other: { url: "http://o:9000", accessKey: "o", secretKey: "osecret00", api: "s3v4", path: "auto" } } });
    await setAlias(cfg, "myminio", { url: "http://127.0.0.1:9000", accessKey: "root", secretKey: "rootsecret", api: "s3v4", path: "auto" });
    const text = await readFile(join(cfg, "config.json"), "utf8");
    expect(text).toContain('\t"version": "10"');
    expect(Object.keys((await loadMcConfig(cfg)).aliases).sort()).toEqual(["myminio", "other"]);
    expect((await stat(join(cfg, "config.json"))).mode & 0o777).toBe(0o600);
    expect((await stat(cfg)).mode & 0o777).toBe(0o700);
    expect(await loadMcConfig(join(dir, "missing"))).toEqual({ version: "10", aliases: {} });
  });

  it("reads MC_HOST_<alias> with percent-encoded credentials", () => {
    expect(aliasFromEnv({ MC_HOST_play: "https://AK%2F1:s%40cret@play.example.com:9443" }, "play")).toEqual({
      url: "https://play.example.com:9443",
      accessKey: "AK/1",
      secretKey: "s@cret",
      api: "s3v4",
      path: "auto",
    });
    expect(aliasFromEnv({}, "play")).toBeUndefined();
    expect(() => aliasFromEnv({ MC_HOST_bad: "minio:9000" }, "bad")).toThrow(/MC_HOST_bad/);
  });
});

describe("mc commands in-process against the S3 stand-in", () => {
  let s3: S3StandIn | undefined;
  let dir = "";
  let stdout = "";
  let stderr = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mc-cli-"));
    s3 = await startS3StandIn({ port: 0, dataDir: join(dir, "data"), accessKey: "mcroot", secretKey: "mcroot-secret-1" });
    vi.stubEnv("MC_CONFIG_DIR", join(dir, ".mc"));
    vi.stubEnv("TZ", "UTC");
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const mc = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    stdout = "";
    stderr = "";
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      stdout += chunk.toString();
      return true;
    });
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      stderr += chunk.toString();
      return true;
    });
    try {
      const code = await run(args);
      return { code, stdout, stderr };
    } finally {
      vi.restoreAllMocks();
    }
  };

  it("alias set, mb, ls, rm, rb: the happy path", async () => {
    expect(await mc("alias", "set", "local", s3?.url ?? "", "mcroot", "mcroot-secret-1")).toEqual({ code: 0, stdout: "Added `local` successfully.\n", stderr: "" });
    expect((await mc("mb", "local/alpha")).stdout).toBe("Bucket created successfully `local/alpha`.\n");
    const file = join(dir, "f.txt");
    await writeFile(file, "0123456789");
    expect((await mc("cp", file, "local/alpha/x/f.txt")).code).toBe(0);
    expect((await mc("ls", "-r", "local/alpha")).stdout).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\]    10B STANDARD x\/f\.txt\n$/);
    expect((await mc("ls", "local/alpha/x/")).stdout).toMatch(/ f\.txt\n$/);
    expect(await mc("rm", "local/alpha/x/f.txt")).toMatchObject({ code: 0, stdout: "Removed `local/alpha/x/f.txt`.\n" });
    expect(await mc("rb", "local/alpha")).toMatchObject({ code: 0, stdout: "Removed `local/alpha` successfully.\n" });
    const json = await mc("--json", "ls", "local/");
    expect(json.stdout).toBe("");
    expect((await mc("alias", "list", "local")).stdout).not.toContain("mcroot-secret-1");
  });

  it("fails with `mc: <ERROR>` and exit 1 on what it does not support", async () => {
    expect(await mc("admin", "info", "local")).toEqual({
      code: 1,
      stdout: "",
      stderr: "mc: <ERROR> `mc admin` is not supported by the mc stand-in (the S3 stand-in has no MinIO admin API).\n",
    });
    expect((await mc("mirror", "a", "b")).stderr).toMatch(/^mc: <ERROR> `mirror` is not a recognized command/);
    expect((await mc("ls", "nosuch/")).stderr).toMatch(/^mc: <ERROR> Unable to list folder\. `nosuch` is not a configured alias/);
    expect((await mc("mb", "local")).stderr).toBe("mc: <ERROR> Unable to make bucket, please use `mc mb local/<your-bucket-name>`.\n");
    expect((await mc("mb", "--with-lock", "local/x")).code).toBe(1);
    expect((await mc("ls", "--bogus", "local/")).stderr).toBe("mc: <ERROR> Invalid command usage, flag provided but not defined: --bogus\n");
    const json = await mc("--json", "rb", "local/absent-bucket");
    expect(JSON.parse(json.stdout)).toEqual({
      status: "error",
      error: { message: "Unable to validate target `local/absent-bucket`.", cause: { message: "Bucket `absent-bucket` does not exist", error: {} }, type: "error" },
    });
    expect((await mc("--version")).stdout).toMatch(/^mc version RELEASE\.standin \(mc stand-in/);
  });
});
