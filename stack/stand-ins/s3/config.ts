/**
 * Configuration of the S3 stand-in container: the same command line and
 * environment as the `minio` binary, so the compose file's
 * `command: ["server", "/data", "--console-address", ":9001"]` and
 * MINIO_ROOT_USER / MINIO_ROOT_PASSWORD work unchanged.
 */

export interface S3StandInConfig {
  host: string;
  port: number;
  consoleHost: string;
  consolePort: number | undefined;
  dataDir: string;
  accessKey: string;
  secretKey: string;
  /** True when MINIO_ROOT_USER/PASSWORD were unset and minioadmin:minioadmin is used, as MinIO does. */
  defaultCredentials: boolean;
  prometheusAuthType: "jwt" | "public";
  /** Stand-in only: alias written to ~/.mc/config.json at start (undefined: none). */
  mcAlias: string | undefined;
  /** Flags accepted for compatibility and ignored (reported in the start log). */
  ignoredFlags: string[];
}

/** MinIO's defaults. */
export const DEFAULT_ADDRESS = ":9000";
export const DEFAULT_DATA_DIR = "/data";
export const DEFAULT_MC_ALIAS = "myminio";
const DEFAULT_USER = "minioadmin";
const DEFAULT_PASSWORD = "minioadmin";

/** Flags of `minio server` that take a value and that the stand-in accepts but ignores. */
const IGNORED_VALUE_FLAGS = new Set(["--certs-dir", "-S", "--ftp", "--sftp", "--interface", "--dns-cache-ttl", "--ilm-expiry-workers"]);
/** Boolean flags accepted and ignored. */
const IGNORED_BOOL_FLAGS = new Set(["--quiet", "--anonymous", "--json", "--no-compat"]);

/** `:9000`, `host:9000`, `[::1]:9000` (MinIO's --address / --console-address format). */
export function parseAddress(value: string, flag: string): { host: string; port: number } {
  const at = value.lastIndexOf(":");
  if (at === -1) throw new Error(`${flag} must look like [host]:port, got "${value}"`);
  let host = value.slice(0, at);
  const portText = value.slice(at + 1);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`${flag} must look like [host]:port, got "${value}"`);
  // An empty host means every interface, as in MinIO. IPv4 any: IPv6 may be disabled in a container.
  return { host: host === "" ? "0.0.0.0" : host, port };
}

export function readConfig(argv: readonly string[], env: Record<string, string | undefined>): S3StandInConfig {
  const args = [...argv];
  if (args[0] === "server") args.shift();
  let address = DEFAULT_ADDRESS;
  let consoleAddress: string | undefined;
  const dirs: string[] = [];
  const ignoredFlags: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const [flag, inline] = arg.includes("=") && arg.startsWith("-") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const next = args[i + 1];
      if (next === undefined) throw new Error(`flag needs an argument: ${flag}`);
      i++;
      return next;
    };
    if (flag === "--address") address = takeValue();
    else if (flag === "--console-address") consoleAddress = takeValue();
    else if (IGNORED_VALUE_FLAGS.has(flag)) ignoredFlags.push(`${flag}=${takeValue()}`);
    else if (IGNORED_BOOL_FLAGS.has(flag)) ignoredFlags.push(flag);
    else if (flag.startsWith("-")) throw new Error(`flag provided but not defined: ${flag}`);
    else dirs.push(arg);
  }
  if (dirs.length === 0) {
    const volumes = env.MINIO_VOLUMES?.trim();
    dirs.push(volumes !== undefined && volumes !== "" ? volumes : DEFAULT_DATA_DIR);
  }
  if (dirs.length > 1 || /\{|\.\.\.|\s/.test(dirs[0] ?? "")) {
    throw new Error(`the S3 stand-in serves exactly one local drive (no erasure coding); got ${dirs.join(" ")}`);
  }

  const { host, port } = parseAddress(address, "--address");
  const console = consoleAddress !== undefined ? parseAddress(consoleAddress, "--console-address") : undefined;

  const user = env.MINIO_ROOT_USER ?? env.MINIO_ACCESS_KEY;
  const password = env.MINIO_ROOT_PASSWORD ?? env.MINIO_SECRET_KEY;
  const defaultCredentials = (user === undefined || user === "") && (password === undefined || password === "");
  const accessKey = defaultCredentials ? DEFAULT_USER : (user ?? "");
  const secretKey = defaultCredentials ? DEFAULT_PASSWORD : (password ?? "");
  // MinIO refuses to start with these: access key >= 3 characters, secret key >= 8.
  if (accessKey.length < 3 || secretKey.length < 8) {
    throw new Error(
      "Unable to validate credentials inherited from the shell environment: Invalid credentials " +
        "(MINIO_ROOT_USER needs at least 3 characters and MINIO_ROOT_PASSWORD at least 8)",
    );
  }

  const authText = (env.MINIO_PROMETHEUS_AUTH_TYPE ?? "jwt").trim().toLowerCase();
  if (authText !== "jwt" && authText !== "public") {
    throw new Error(`MINIO_PROMETHEUS_AUTH_TYPE must be "jwt" or "public", got "${authText}"`);
  }
  const aliasText = env.MINIO_STANDIN_MC_ALIAS;
  const mcAlias = aliasText === undefined ? DEFAULT_MC_ALIAS : aliasText.trim() === "" ? undefined : aliasText.trim();

  return {
    host,
    port,
    consoleHost: console?.host ?? host,
    consolePort: console?.port,
    dataDir: dirs[0] ?? DEFAULT_DATA_DIR,
    accessKey,
    secretKey,
    defaultCredentials,
    prometheusAuthType: authText,
    mcAlias,
    ignoredFlags,
  };
}
