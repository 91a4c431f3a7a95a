// What the drill's operator shell can run. Runbook steps execute in a container with
// docker, docker-compose, curl, jq, psql and aws whose Docker endpoint is scoped to the
// drill; anything that needs the cloud, a real host (systemd, block devices, swap) or the
// internet cannot run there, and the step is reported as manual with the reason.
import type { SimpleCommand } from "./shell.js";

export interface CommandVerdict {
  /** What was judged, e.g. `docker`, `aws ec2`, `curl ifconfig.me`. */
  command: string;
  runnable: boolean;
  /** Why it cannot run in a drill (runnable: false). */
  reason?: string;
  line: number;
}

/** Tools the operator shell has and that act on the drill (or only on the shell itself). */
const RUNNABLE = new Set([
  "docker", "docker-compose", "jq", "psql", "pg_isready", "pg_dump", "pg_restore",
  "df", "du", "find", "cat", "grep", "egrep", "fgrep", "sort", "uniq", "head", "tail", "ls", "wc",
  "awk", "sed", "cut", "tr", "tee", "xargs", "chmod", "chown", "mkswap", "fallocate", "mkdir",
  "rm", "cp", "mv", "touch", "ln", "stat", "cd", "pwd", "echo", "printf", "sleep", "date",
  "test", "[", "true", "false", "export", "set", "unset", "env", "which", "command", "type",
  "gzip", "gunzip", "zcat", "tar", "base64", "sha256sum", "md5sum", "diff", "openssl", "nc",
  "dig", "nslookup", "getent", "ps", "free", "uptime", "id", "whoami", "hostname", "bash", "sh",
]);

/** Commands that cannot run in a drill, with the reason a report should give. */
const NOT_RUNNABLE: Record<string, string> = {
  ssh: "no remote host in a drill (the operator shell stands in for the host)",
  scp: "no remote host in a drill (the operator shell stands in for the host)",
  sftp: "no remote host in a drill (the operator shell stands in for the host)",
  terraform: "changes cloud infrastructure, which a drill does not have",
  pulumi: "changes cloud infrastructure, which a drill does not have",
  kubectl: "no Kubernetes cluster in this stack",
  systemctl: "no systemd in a drill container",
  service: "no init system (systemd/sysvinit) in a drill container",
  journalctl: "no systemd/journald in a drill container",
  iostat: "host block-device statistics (sysstat) are not in the operator shell, and without a count it never ends",
  sar: "host statistics (sysstat) are not in the operator shell",
  swapon: "needs CAP_SYS_ADMIN on the host",
  swapoff: "needs CAP_SYS_ADMIN on the host",
  mount: "needs CAP_SYS_ADMIN on the host",
  umount: "needs CAP_SYS_ADMIN on the host",
  growpart: "resizes the host's block devices",
  resize2fs: "resizes the host's file systems",
  fdisk: "edits the host's partition tables",
  parted: "edits the host's partition tables",
  reboot: "would restart the host, not a drill container",
  shutdown: "would stop the host, not a drill container",
  crontab: "edits the host's cron tables",
  "apt-get": "installs packages on the host",
  apt: "installs packages on the host",
  yum: "installs packages on the host",
  python: "not in the operator shell (run it via docker exec)",
  python3: "not in the operator shell (run it via docker exec)",
  pip: "not in the operator shell",
  node: "not in the operator shell (run it via docker exec)",
  top: "interactive: never ends by itself",
  htop: "interactive: never ends by itself",
  watch: "never ends by itself",
  less: "interactive pager",
  vi: "interactive editor",
  vim: "interactive editor",
  nano: "interactive editor",
};

/** Wrappers that run the rest of the line as a command; the flags that take a value. */
const WRAPPERS: Record<string, Set<string>> = {
  sudo: new Set(["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"]),
  env: new Set(["-u", "-C", "-S"]),
  nohup: new Set(),
  time: new Set(),
  nice: new Set(["-n"]),
  ionice: new Set(["-c", "-n"]),
  timeout: new Set(["-s", "-k"]),
  exec: new Set(),
  command: new Set(),
};

/** AWS services a drill serves locally (MinIO for S3, the SES stand-in), only when the
 *  command names the local endpoint: otherwise the CLI would call the real AWS. */
const AWS_LOCAL_SERVICES = new Set(["s3", "s3api", "ses", "sesv2"]);
const AWS_GLOBAL_OPTS_WITH_VALUE = new Set([
  "--region", "--profile", "--output", "--endpoint-url", "--query", "--color", "--cli-read-timeout",
  "--cli-connect-timeout", "--ca-bundle",
]);

export function classifyCommand(cmd: SimpleCommand): CommandVerdict {
  const argv = unwrap(cmd.argv);
  const line = cmd.line;
  const name = argv[0];
  if (name === undefined) return { command: cmd.argv[0] ?? "", runnable: true, line };
  const base = name.includes("/") ? name.slice(name.lastIndexOf("/") + 1) : name;

  if (base === "aws") return classifyAws(argv, line);
  if (base === "curl" || base === "wget") return classifyHttpClient(base, argv, line);
  if (RUNNABLE.has(base)) return { command: base, runnable: true, line };
  const reason = NOT_RUNNABLE[base];
  if (reason) return { command: base, runnable: false, reason: `${base}: ${reason}`, line };
  if (base.startsWith("$")) return { command: base, runnable: false, reason: `${base}: a command chosen at run time cannot be checked`, line };
  return { command: base, runnable: false, reason: `${base}: not in the operator shell's command table`, line };
}

/** Strips wrappers (`sudo -u postgres cmd` -> `cmd`); `sudo` alone stays `sudo`. */
export function unwrap(argv: readonly string[]): string[] {
  let rest = [...argv];
  for (;;) {
    const head = rest[0];
    const valueFlags = head !== undefined ? WRAPPERS[head] : undefined;
    if (!valueFlags || rest.length === 1) return rest;
    let k = 1;
    while (k < rest.length) {
      const a = rest[k]!;
      if (a === "--") {
        k++;
        break;
      }
      if (head === "env" && /^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) k++;
      else if (head === "timeout" && /^\d/.test(a)) {
        k++; // the duration; what follows is the command
        break;
      } else if (a.startsWith("-")) k += valueFlags.has(a) ? 2 : 1;
      else break;
    }
    if (k >= rest.length) return [head!];
    rest = rest.slice(k);
  }
}

function classifyAws(argv: string[], line: number): CommandVerdict {
  let service: string | undefined;
  let endpoint: string | undefined;
  for (let k = 1; k < argv.length; k++) {
    const a = argv[k]!;
    if (a === "--endpoint-url") endpoint = argv[k + 1];
    else if (a.startsWith("--endpoint-url=")) endpoint = a.slice("--endpoint-url=".length);
    if (a.startsWith("--")) {
      if (AWS_GLOBAL_OPTS_WITH_VALUE.has(a)) k++;
      continue;
    }
    service ??= a;
  }
  const command = service ? `aws ${service}` : "aws";
  if (!service) return { command, runnable: true, line };
  if (!AWS_LOCAL_SERVICES.has(service)) {
    return { command, runnable: false, reason: `${command}: cloud API not reachable from a drill`, line };
  }
  if (endpoint === undefined) {
    return { command, runnable: false, reason: `${command}: no --endpoint-url, so it would call the real AWS API`, line };
  }
  const host = hostOf(endpoint);
  if (host !== undefined && !isDrillHost(host) && !endpoint.includes("$")) {
    return { command, runnable: false, reason: `${command}: endpoint ${host} is outside the drill`, line };
  }
  return { command, runnable: true, line };
}

function classifyHttpClient(name: string, argv: string[], line: number): CommandVerdict {
  for (const a of argv.slice(1)) {
    if (a.startsWith("-") || a.startsWith("@")) continue;
    const host = hostOf(a);
    if (host !== undefined && !isDrillHost(host)) {
      return {
        command: `${name} ${host}`,
        runnable: false,
        reason: `${name} ${host}: external network is not reachable from a drill`,
        line,
      };
    }
  }
  return { command: name, runnable: true, line };
}

/** The host of a URL or of a bare `host[:port][/path]` argument; undefined if the word
 *  does not look like either (`-X`, `POST`, `.data`). */
export function hostOf(word: string): string | undefined {
  const url = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^/:?#]+)/i.exec(word);
  if (url) return url[1]!.toLowerCase();
  const bare = /^([a-z0-9-]+(?:\.[a-z0-9-]+)+)(?::\d+)?(?:[/?#].*)?$/i.exec(word);
  // A bare word needs a dot and a letter-only last label (ifconfig.me, not 1.0 or a.json).
  if (bare && /\.[a-z]{2,}$/i.test(bare[1]!) && !/\.(json|ya?ml|txt|log|sql|conf|pem|sh|md)$/i.test(bare[1]!)) {
    return bare[1]!.toLowerCase();
  }
  return undefined;
}

/** Loopback and single-label names (compose services on the drill network) are the
 *  drill's own; any dotted name or other address is the outside world. */
export function isDrillHost(host: string): boolean {
  if (host === "localhost" || host === "[::1]" || /^127\./.test(host)) return true;
  if (host.includes("$")) return true; // chosen at run time from the drill's bindings
  return /^[a-z0-9_-]+$/i.test(host) && !/^\d+$/.test(host);
}
