/**
 * mc's alias configuration, in the same file and format as MinIO's `mc`:
 * `~/.mc/config.json` (or `$MC_CONFIG_DIR`, or `--config-dir`), version "10",
 * `{ aliases: { NAME: { url, accessKey, secretKey, api, path } } }`, the
 * directory 0700 and the file 0600 because it holds secrets. An alias can also
 * come from the environment as `MC_HOST_<alias>=http://ACCESS:SECRET@host:port`,
 * which wins over the file, as in mc.
 *
 * Shared by the mc stand-in (main.ts) and the S3 stand-in's entry point,
 * which writes the `myminio` alias the runbook's `docker exec minio mc ...`
 * steps need. Node built-ins only.
 */
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

export interface AliasConfig {
  url: string;
  accessKey: string;
  secretKey: string;
  /** Signature version; mc writes "s3v4" (or "s3v2"). */
  api: string;
  /** Bucket lookup: "auto" | "on" (path style) | "off" (virtual host). */
  path: string;
}

export interface McConfigFile {
  version: string;
  aliases: Record<string, AliasConfig>;
}

export const MC_CONFIG_VERSION = "10";

/** `--config-dir` flag, else MC_CONFIG_DIR, else `~/.mc` (HOME first, as Go's os.UserHomeDir). */
export function mcConfigDir(env: Record<string, string | undefined>, flagDir?: string): string {
  if (flagDir !== undefined && flagDir !== "") return flagDir;
  const fromEnv = env.MC_CONFIG_DIR;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const home = env.HOME !== undefined && env.HOME !== "" ? env.HOME : homedir();
  return join(home, ".mc");
}

export function mcConfigPath(dir: string): string {
  return join(dir, "config.json");
}

function isAlias(value: unknown): value is AliasConfig {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.url === "string" && typeof v.accessKey === "string" && typeof v.secretKey === "string";
}

/** Reads the config; a missing file is an empty config. A malformed one is an error (mc refuses it too). */
export async function loadMcConfig(dir: string): Promise<McConfigFile> {
  let text: string;
  try {
    text = await readFile(mcConfigPath(dir), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { version: MC_CONFIG_VERSION, aliases: {} };
    throw err;
  }
  const parsed = JSON.parse(text) as { version?: unknown; aliases?: unknown; hosts?: unknown };
  const aliases: Record<string, AliasConfig> = {};
  const source = (parsed.aliases ?? parsed.hosts ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(source)) {
    if (isAlias(value)) {
      aliases[name] = {
        url: value.url,
        accessKey: value.accessKey,
        secretKey: value.secretKey,
        api: typeof value.api === "string" ? value.api : "s3v4",
        path: typeof value.path === "string" ? value.path : "auto",
      };
    }
  }
  return { version: MC_CONFIG_VERSION, aliases };
}

/** Writes atomically (temp file + rename), directory 0700, file 0600. */
export async function saveMcConfig(dir: string, config: McConfigFile): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = mcConfigPath(dir);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ version: MC_CONFIG_VERSION, aliases: config.aliases }, null, "\t")}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

export async function setAlias(dir: string, name: string, alias: AliasConfig): Promise<void> {
  const config = await loadMcConfig(dir);
  config.aliases[name] = alias;
  await saveMcConfig(dir, config);
}

export async function removeAlias(dir: string, name: string): Promise<boolean> {
  const config = await loadMcConfig(dir);
  if (!(name in config.aliases)) return false;
  delete config.aliases[name];
  await saveMcConfig(dir, config);
  return true;
}

/** mc's alias names: a letter or digit first, then letters, digits, "-", "_", "." */
export function isValidAliasName(name: string): boolean {
  return /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name);
}

/**
 * `MC_HOST_<alias>=http[s]://ACCESS:SECRET[:TOKEN]@host[:port]` (user info
 * percent-decoded). Returns undefined when the variable is unset; throws on a
 * malformed value, as mc does.
 */
export function aliasFromEnv(env: Record<string, string | undefined>, name: string): AliasConfig | undefined {
  const raw = env[`MC_HOST_${name}`];
  if (raw === undefined || raw === "") return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`Invalid URL in MC_HOST_${name}.`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.username === "") {
    throw new Error(`Invalid URL in MC_HOST_${name}: expected http(s)://ACCESS_KEY:SECRET_KEY@HOST:PORT.`);
  }
  const accessKey = decodeURIComponent(url.username);
  // A session token, when present, follows the secret after another ":"; the stand-in ignores it.
  const secretKey = decodeURIComponent(url.password.split(":")[0] ?? "");
  return { url: `${url.protocol}//${url.host}`, accessKey, secretKey, api: "s3v4", path: "auto" };
}
