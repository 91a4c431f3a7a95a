// Command line of the stand-in, shaped like `toxiproxy-server` (cmd/server/server.go):
// Go-style flags (-port 8474, --port=8474), -config to populate at start, JSON log lines,
// clean shutdown on SIGTERM/SIGINT.
import { readFile } from "node:fs/promises";
import { jsonLogger, parseLogLevel, type Logger } from "./log.js";
import { VERSION, startToxiproxyStandIn } from "./server.js";

export interface CliArgs {
  host: string;
  port: number;
  config?: string;
  seed?: number;
  version: boolean;
  help: boolean;
}

const USAGE = `Usage of toxiproxy-server (TypeScript stand-in):
  -config string   JSON file containing proxies to create on startup (env TOXIPROXY_CONFIG)
  -host string     Host for toxiproxy's API to listen on (default "localhost")
  -port string     Port for toxiproxy's API to listen on (default "8474")
  -seed int        Seed for randomizing toxics with
  -version         print the version
`;

const BOOL_FLAGS = new Set(["version", "help", "h", "runtime-metrics", "proxy-metrics"]);
const VALUE_FLAGS = new Set(["host", "port", "config", "seed"]);

/** Go's flag package rules: -f v, -f=v, --f v, --f=v; parsing stops at the first non-flag. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): CliArgs {
  const args: CliArgs = { host: "localhost", port: 8474, version: false, help: false };
  const config = env.TOXIPROXY_CONFIG;
  if (config) args.config = config;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") break;
    if (!arg.startsWith("-") || arg === "-") break;
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    let value = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (BOOL_FLAGS.has(name)) {
      const on = value === undefined || value === "true" || value === "1";
      if (name === "version") args.version = on;
      if (name === "help" || name === "h") args.help = on;
      continue; // metrics flags are accepted and ignored (no /metrics endpoint)
    }
    if (!VALUE_FLAGS.has(name)) throw new Error(`flag provided but not defined: -${name}`);
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new Error(`flag needs an argument: -${name}`);
    }
    if (name === "host") args.host = value;
    else if (name === "config") args.config = value;
    else if (name === "port" || name === "seed") {
      const n = Number(value);
      if (!Number.isInteger(n) || (name === "port" && (n < 0 || n > 65535))) {
        throw new Error(`invalid value "${value}" for flag -${name}`);
      }
      if (name === "port") args.port = n;
      else args.seed = n;
    }
  }
  return args;
}

/** Reads the -config file; like the real server, problems are logged and startup goes on. */
async function loadConfig(path: string, log: Logger): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    log("error", "Error reading config file", { config: path, err: (err as Error).message });
    return undefined;
  }
}

export async function run(argv: readonly string[]): Promise<void> {
  let args: CliArgs;
  try {
    args = parseArgs(argv, process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.version) {
    process.stdout.write(`toxiproxy-server version ${VERSION}\n`);
    return;
  }

  const log = jsonLogger(parseLogLevel(process.env.LOG_LEVEL));
  log("info", "Starting Toxiproxy", {
    version: VERSION,
    stand_in: "TypeScript stand-in for Shopify/toxiproxy, not the real binary",
  });
  const proxies = args.config ? await loadConfig(args.config, log) : undefined;

  let handle: Awaited<ReturnType<typeof startToxiproxyStandIn>>;
  try {
    handle = await startToxiproxyStandIn({ apiPort: args.port, host: args.host, logger: log, seed: args.seed, proxies });
  } catch (err) {
    log("error", "Server finished with error", { err: (err as Error).message });
    process.exit(1);
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) process.exit(1); // second signal: give up waiting
    stopping = true;
    log("info", "Shutdown started", { signal });
    // Do not hang a container stop on a stuck socket.
    setTimeout(() => process.exit(1), 10_000).unref();
    handle.close().then(
      () => {
        log("info", "Shutdown finished");
        process.exit(0);
      },
      (err: Error) => {
        log("error", "Shutdown finished with error", { err: err.message });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}
