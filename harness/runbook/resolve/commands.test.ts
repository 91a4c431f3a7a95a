// The command table against the operator shell image's Dockerfile: a command classed
// runnable must be installed there, one classed "not in the operator shell" must not be,
// and every package the Dockerfile installs must be known to the table.
import { describe, expect, it } from "vitest";
import { classifyCommand, operatorShellTools, type ToolSource } from "./commands.js";
import { BASE_PACKAGES, readOperatorDockerfile } from "./operator-image.js";
import { parseShell } from "../parse/shell-syntax.js";

const image = readOperatorDockerfile();
const installed = new Set([...image.packages, ...BASE_PACKAGES]);
const { runnable, notRunnable } = operatorShellTools();
const isInstalled = (s: ToolSource): boolean => installed.has(s.package) || (s.via !== undefined && image.packages.includes(s.via));
const verdict = (text: string) => classifyCommand(parseShell(text).commands[0]!);

/** Packages the Dockerfile installs for what they carry, not for a command of their own. */
const NO_COMMANDS: Record<string, string> = { "ca-certificates": "the CA bundle for curl/aws (it pulls in openssl)" };

describe("the command table agrees with harness/ops/image/Dockerfile", () => {
  it("reads the Dockerfile's packages", () => {
    expect(image.from).toBe("debian:bookworm");
    expect(image.packages).toEqual(expect.arrayContaining(["docker.io", "docker-compose", "curl", "jq", "postgresql-client", "awscli"]));
  });

  it("every command classed runnable is installed in the image", () => {
    const absent = Object.entries(runnable)
      .filter(([, s]) => !isInstalled(s))
      .map(([c, s]) => `${c} (${s.package})`);
    expect(absent).toEqual([]);
  });

  it("every command classed 'not in the operator shell' is really absent", () => {
    const present = Object.entries(notRunnable)
      .filter(([, n]) => n.missing && n.source && isInstalled(n.source))
      .map(([c, n]) => `${c} (${n.source!.package})`);
    expect(present).toEqual([]);
    for (const [c, n] of Object.entries(notRunnable)) {
      // A reason that says "not in the operator shell" must be one the test can check.
      if (n.reason.startsWith("not in the operator shell")) expect(n, c).toMatchObject({ missing: true, source: expect.anything() });
      // An installed-but-unusable tool must really be installed.
      if (!n.missing && n.source) expect(isInstalled(n.source), `${c} from ${n.source.package}`).toBe(true);
    }
  });

  it("every package the Dockerfile installs is known to the table", () => {
    const known = new Set([
      ...Object.values(runnable).flatMap((s) => [s.package, ...(s.via ? [s.via] : [])]),
      ...Object.values(notRunnable).flatMap((n) => (n.source && !n.missing ? [n.source.package] : [])),
      ...Object.keys(NO_COMMANDS),
    ]);
    expect(image.packages.filter((p) => !known.has(p))).toEqual([]);
  });

  it.each([
    ["python3 -c 'print(1)'", true],
    ["socat - TCP:localhost:5432", true],
    ["openssl s_client -connect localhost:9000", true],
    ["ip addr", true],
    ["nc -z localhost 5432", false],
    ["dig minio", false],
    ["python script.py", false],
  ])("%s: runnable %s", (text, expected) => {
    expect(verdict(text).runnable).toBe(expected);
  });

  it("says why nc cannot run, and what can", () => {
    expect(verdict("nc -z localhost 5432").reason).toBe("nc: not in the operator shell (no netcat; socat is there)");
  });
});
