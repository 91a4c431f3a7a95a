// What the operator shell image has, read from its Dockerfile: the Debian packages its
// `apt-get install` lines name, and those it takes one binary from (`apt-get download`,
// docker.io's docker CLI), on top of what `FROM debian:bookworm` already holds.
// The command table (commands.ts) must agree with it; the tests hold one against the other.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../util/paths.js";

export const OPERATOR_DOCKERFILE = join(repoRoot, "harness/ops/image/Dockerfile");

/** Packages of the debian:bookworm base the harness builds (`debootstrap --variant=minbase`,
 *  measured with `dpkg-query -W` in that image) that ship commands a runbook may use.
 *  Libraries and other packages without such commands are left out. */
export const BASE_PACKAGES: readonly string[] = [
  "apt", "bash", "bsdutils", "coreutils", "dash", "debianutils", "diffutils", "dpkg", "e2fsprogs", "findutils",
  "grep", "gzip", "hostname", "init-system-helpers", "libc-bin", "login", "mawk", "mount", "ncurses-bin", "passwd",
  "perl-base", "sed", "sysvinit-utils", "tar", "util-linux",
];

export interface OperatorImage {
  from: string;
  /** Packages named on `apt-get install` and `apt-get download` lines, in order. */
  packages: string[];
}

export function readOperatorDockerfile(text = readFileSync(OPERATOR_DOCKERFILE, "utf8")): OperatorImage {
  // Join backslash continuations so one RUN is one line; drop comment lines first.
  const joined = text
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    .join("\n")
    .replace(/\\\n/g, " ");
  const from = /^FROM\s+(\S+)/m.exec(joined)?.[1];
  if (!from) throw new Error(`${OPERATOR_DOCKERFILE}: no FROM line`);
  const packages: string[] = [];
  for (const m of joined.matchAll(/apt-get\s+(?:install|download)\s+([^&;|\n]*)/g)) {
    for (const word of m[1]!.trim().split(/\s+/)) {
      if (word && !word.startsWith("-")) packages.push(word.replace(/[=:].*$/, ""));
    }
  }
  return { from, packages };
}
