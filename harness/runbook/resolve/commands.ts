// What the drill's operator shell can run. Runbook steps execute in a container with
// docker, docker-compose, curl, jq, psql and aws whose Docker endpoint is scoped to the
// drill; anything that needs the cloud, a real host (systemd, block devices, swap) or the
// internet cannot run there, and the step is reported as manual with the reason.
import type { SimpleCommand } from "../parse/shell-syntax.js";

export interface CommandVerdict {
  /** What was judged, e.g. `docker`, `aws ec2`, `curl ifconfig.me`. */
  command: string;
  runnable: boolean;
  /** Why it cannot run in a drill (runnable: false). */
  reason?: string;
  line: number;
}

/** Where a command comes from: the Debian package that brings it into the operator shell
 *  image (harness/ops/image/Dockerfile installs it, or the debian:bookworm base has it),
 *  or "bash" for a builtin. For a command that is not there, the package that would. */
export interface ToolSource {
  package: string;
  /** A package the Dockerfile names that pulls `package` in as a dependency. */
  via?: string;
}

/** Tools the operator shell has and that act on the drill (or only on the shell itself).
 *  harness/runbook/resolve/commands.test.ts holds this table against the Dockerfile, and
 *  test/integration/operator-commands.test.ts against the built image. */
const RUNNABLE: Record<string, ToolSource> = {
  docker: { package: "docker.io" },
  "docker-compose": { package: "docker-compose" },
  curl: { package: "curl" },
  jq: { package: "jq" },
  aws: { package: "awscli" },
  socat: { package: "socat" },
  // Debian's python3 without the app's modules: a step that needs them must docker exec.
  python3: { package: "python3" },
  psql: { package: "postgresql-client" },
  pg_isready: { package: "postgresql-client" },
  pg_dump: { package: "postgresql-client" },
  pg_restore: { package: "postgresql-client" },
  openssl: { package: "openssl", via: "ca-certificates" },
  ip: { package: "iproute2" },
  ss: { package: "iproute2" },
  ps: { package: "procps" },
  free: { package: "procps" },
  uptime: { package: "procps" },
  pgrep: { package: "procps" },
  awk: { package: "gawk" },
  gawk: { package: "gawk" },
  find: { package: "findutils" },
  xargs: { package: "findutils" },
  grep: { package: "grep" },
  egrep: { package: "grep" },
  fgrep: { package: "grep" },
  sed: { package: "sed" },
  bash: { package: "bash" },
  sh: { package: "dash" },
  ...Object.fromEntries(
    [
      "df", "du", "cat", "sort", "uniq", "head", "tail", "ls", "wc", "cut", "tr", "tee", "chmod", "chown", "mkdir",
      "rm", "cp", "mv", "touch", "ln", "stat", "echo", "printf", "sleep", "date", "test", "[", "true", "false", "env",
      "base64", "sha256sum", "md5sum", "id", "whoami",
    ].map((c) => [c, { package: "coreutils" }]),
  ),
  // a swap file on the shell's own file system: no privileges needed
  mkswap: { package: "util-linux" },
  fallocate: { package: "util-linux" },
  gzip: { package: "gzip" },
  gunzip: { package: "gzip" },
  zcat: { package: "gzip" },
  tar: { package: "tar" },
  diff: { package: "diffutils" },
  getent: { package: "libc-bin" },
  hostname: { package: "hostname" },
  which: { package: "debianutils" },
  // wrappers (see WRAPPERS): alone they are still runnable
  sudo: { package: "sudo" },
  nohup: { package: "coreutils" },
  timeout: { package: "coreutils" },
  nice: { package: "coreutils" },
  ionice: { package: "util-linux" },
  ...Object.fromEntries(["cd", "pwd", "export", "set", "unset", "command", "type", "read"].map((c) => [c, { package: "bash" }])),
};

/** Commands that cannot run in a drill, with the reason a report should give.
 *  `missing`: the only reason is that the operator shell does not have it, and `source`
 *  is the package that would bring it (the tests check it really is absent). Without
 *  `missing`, the reason holds whatever is installed; `source` then says which installed
 *  package has it (the shell has it, but a drill cannot use it). */
export interface NotRunnable {
  reason: string;
  source?: ToolSource;
  missing?: true;
}

const NOT_INSTALLED = "not in the operator shell";

const NOT_RUNNABLE: Record<string, NotRunnable> = {
  ssh: { reason: "no remote host in a drill (the operator shell stands in for the host)" },
  scp: { reason: "no remote host in a drill (the operator shell stands in for the host)" },
  sftp: { reason: "no remote host in a drill (the operator shell stands in for the host)" },
  terraform: { reason: "changes cloud infrastructure, which a drill does not have" },
  pulumi: { reason: "changes cloud infrastructure, which a drill does not have" },
  kubectl: { reason: "no Kubernetes cluster in this stack" },
  systemctl: { reason: "no systemd in a drill container" },
  service: { reason: "no init system (systemd/sysvinit) in a drill container", source: { package: "init-system-helpers" } },
  journalctl: { reason: "no systemd/journald in a drill container" },
  iostat: { reason: "host block-device statistics (sysstat) are not in the operator shell, and without a count it never ends" },
  sar: { reason: "host statistics (sysstat) are not in the operator shell" },
  swapon: { reason: "needs CAP_SYS_ADMIN on the host", source: { package: "util-linux" } },
  swapoff: { reason: "needs CAP_SYS_ADMIN on the host", source: { package: "util-linux" } },
  mount: { reason: "needs CAP_SYS_ADMIN on the host", source: { package: "mount" } },
  umount: { reason: "needs CAP_SYS_ADMIN on the host", source: { package: "mount" } },
  growpart: { reason: "resizes the host's block devices" },
  resize2fs: { reason: "resizes the host's file systems" },
  fdisk: { reason: "edits the host's partition tables" },
  parted: { reason: "edits the host's partition tables" },
  reboot: { reason: "would restart the host, not a drill container" },
  shutdown: { reason: "would stop the host, not a drill container" },
  crontab: { reason: "edits the host's cron tables" },
  "apt-get": { reason: "installs packages on the host", source: { package: "apt" } },
  apt: { reason: "installs packages on the host", source: { package: "apt" } },
  yum: { reason: "installs packages on the host" },
  python: { reason: `${NOT_INSTALLED} (Debian has python3 only; run the app's Python via docker exec)`, source: { package: "python-is-python3" }, missing: true },
  pip: { reason: `${NOT_INSTALLED} (installing packages changes the host)`, source: { package: "python3-pip" }, missing: true },
  pip3: { reason: `${NOT_INSTALLED} (installing packages changes the host)`, source: { package: "python3-pip" }, missing: true },
  node: { reason: `${NOT_INSTALLED} (run it via docker exec)`, source: { package: "nodejs" }, missing: true },
  nc: { reason: `${NOT_INSTALLED} (no netcat; socat is there)`, source: { package: "netcat-openbsd" }, missing: true },
  netcat: { reason: `${NOT_INSTALLED} (no netcat; socat is there)`, source: { package: "netcat-openbsd" }, missing: true },
  telnet: { reason: `${NOT_INSTALLED} (socat is there)`, source: { package: "telnet" }, missing: true },
  dig: { reason: `${NOT_INSTALLED} (getent hosts resolves names)`, source: { package: "bind9-dnsutils" }, missing: true },
  nslookup: { reason: `${NOT_INSTALLED} (getent hosts resolves names)`, source: { package: "bind9-dnsutils" }, missing: true },
  wget: { reason: `${NOT_INSTALLED} (curl is there)`, source: { package: "wget" }, missing: true },
  top: { reason: "interactive: never ends by itself", source: { package: "procps" } },
  htop: { reason: "interactive: never ends by itself" },
  watch: { reason: "never ends by itself", source: { package: "procps" } },
  less: { reason: "interactive pager", source: { package: "less" } },
  more: { reason: "interactive pager", source: { package: "util-linux" } },
  vi: { reason: "interactive editor" },
  vim: { reason: "interactive editor" },
  nano: { reason: "interactive editor" },
};

/** The table, for the tests that hold it against the operator image. */
export const operatorShellTools = (): { runnable: Readonly<Record<string, ToolSource>>; notRunnable: Readonly<Record<string, NotRunnable>> } => ({
  runnable: RUNNABLE,
  notRunnable: NOT_RUNNABLE,
});

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
  if (base === "curl") return classifyHttpClient(base, argv, line);
  if (Object.hasOwn(RUNNABLE, base)) return { command: base, runnable: true, line };
  const not = Object.hasOwn(NOT_RUNNABLE, base) ? NOT_RUNNABLE[base] : undefined;
  if (not) return { command: base, runnable: false, reason: `${base}: ${not.reason}`, line };
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
