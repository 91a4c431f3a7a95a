import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { opensshPublicKey, pemRedactions, writeEc2HostKeys } from "./ec2-host.js";
import { redact } from "./secrets.js";
import { keyModeParams } from "../faults/ssh-key.js";
import { implementationOf } from "./catalog.js";

const dir = mkdtempSync(join(tmpdir(), "ec2-host-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sshKeygenY(file: string): string | undefined {
  try {
    return execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }).trim();
  } catch {
    return undefined; // no ssh-keygen on this machine
  }
}

describe("the EC2 host's keys", () => {
  const keys = writeEc2HostKeys(dir);

  it("writes the operator's key as AWS hands it out (PKCS#1 PEM) and only its owner may read it", () => {
    const pem = readFileSync(keys.operatorKey, "utf8");
    expect(pem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(statSync(keys.operatorKey).mode & 0o077).toBe(0);
    expect(statSync(join(keys.hostDir, "ssh_host_rsa_key")).mode & 0o077).toBe(0);
  });

  it("authorizes the operator's public key on the host, in OpenSSH's form", () => {
    const line = readFileSync(join(keys.hostDir, "authorized_keys"), "utf8").trim();
    const pub = opensshPublicKey(readFileSync(keys.operatorKey, "utf8"));
    expect(line).toBe(`${pub} operator@drill`);
    // ssh-keygen derives the same public key from the private one, where it is installed.
    const fromKeygen = sshKeygenY(keys.operatorKey);
    if (fromKeygen !== undefined) expect(fromKeygen).toBe(pub);
    expect(pub).toMatch(/^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+$/);
  });

  it("keeps the private key out of any output it is redacted from", () => {
    const pem = readFileSync(keys.operatorKey, "utf8");
    const redactions = pemRedactions("EC2_SSH_PRIVATE_KEY", pem);
    expect(redactions.length).toBeGreaterThan(20);
    const out = redact(`cat said:\n${pem}`, redactions);
    for (const line of pem.split("\n").filter((l) => l && !l.startsWith("-----"))) expect(out).not.toContain(line);
    expect(out).toContain("[REDACTED:EC2_SSH_PRIVATE_KEY]");
  });
});

describe("the ssh-key-mode fault's parameters", () => {
  it("takes a mode ssh refuses, and refuses one it would accept", () => {
    expect(keyModeParams({})).toEqual({ mode: "644" });
    expect(keyModeParams({ mode: "640" })).toEqual({ mode: "640" });
    expect(() => keyModeParams({ mode: "600" })).toThrow(/ssh accepts that key/);
    expect(() => keyModeParams({ mode: 644 })).toThrow(/octal/);
    expect(() => keyModeParams({ mode: "644", path: "/etc" })).toThrow(/unknown parameter path/);
  });
});

describe("the catalog", () => {
  it("declares the EC2 host a stand-in in both profiles", () => {
    for (const profile of ["upstream", "airgapped"] as const) {
      const impl = implementationOf(profile, "ec2-host");
      expect(impl.kind).toBe("stand-in");
      expect(impl.kind === "stand-in" && impl.note).toMatch(/stands in for the production EC2 instance/);
    }
  });
});
