// The stand-in for the production EC2 instance (runbook section 11, "Cannot SSH to
// EC2"): a container running Debian's OpenSSH server (stack/images/ec2-host), on the
// drill's network, reached from the operator shell with the operator's key as
// ~/.ssh/aws-key.pem. Only drills whose scenario asks for it (`stack: { ec2Host: true }`)
// run it. Each drill makes a fresh key pair for the operator and a fresh host key; the
// private key is a secret like the drill's passwords: registered for redaction, never
// written to the compose file, and removed with the drill's state dir.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import type { RunningStack } from "./drill-stack.js";
import { drillOnlyStandIns } from "./catalog.js";
import type { ComposeService } from "./compose-file.js";
import type { BuiltImage, ImageRequest } from "./images.js";
import type { DrillSecrets } from "./secrets.js";
import type { ScenarioStack } from "../scenario/types.js";

/** The service's name on the drill network (and in `<project>-ec2-host`). */
export const ec2HostService = "ec2-host";
/** The login the runbook uses: `ssh -i ~/.ssh/aws-key.pem ubuntu@EC2_IP`. */
export const ec2HostUser = "ubuntu";
/** Where the operator keeps the key in the runbook (relative to the shell's home, /root). */
export const operatorKeyPath = ".ssh/aws-key.pem";
/** The drill value that `EC2_IP` binds to (runbooks/failure-modes.drill.yaml). */
export const ec2HostIpBinding = "EC2_HOST_IP";

/** An RSA public key in OpenSSH's one-line form (`ssh-rsa AAAA...`), from its JWK. */
export function opensshPublicKey(privatePem: string): string {
  const jwk = createPublicKey(createPrivateKey(privatePem)).export({ format: "jwk" });
  if (jwk.kty !== "RSA" || !jwk.n || !jwk.e) throw new Error("expected an RSA key");
  const str = (b: Buffer) => Buffer.concat([u32(b.length), b]);
  // mpint: big-endian, with a leading zero byte when the top bit is set (RFC 4251 §5).
  const mpint = (b64url: string) => {
    const b = Buffer.from(b64url, "base64url");
    return str((b[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
  };
  const blob = Buffer.concat([str(Buffer.from("ssh-rsa")), mpint(jwk.e), mpint(jwk.n)]);
  return `ssh-rsa ${blob.toString("base64")}`;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** An RSA key as AWS hands out a key pair's .pem (PKCS#1, PEM). */
function rsaPem(): string {
  return generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
}

/** The redactions of a PEM key: each line of its body (output is redacted line by line). */
export function pemRedactions(name: string, pem: string): DrillSecrets["redactions"] {
  return pem
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("-----"))
    .map((value) => ({ name, value }));
}

export interface Ec2HostFiles {
  /** Mounted read-only into the host at /drill/ssh: its host key and authorized_keys. */
  hostDir: string;
  /** The operator's private key (0600), copied into the operator shell, never mounted. */
  operatorKey: string;
  hostPublicKey: string;
}

/** Fresh keys for one drill under `dir`. */
export function writeEc2HostKeys(dir: string): Ec2HostFiles {
  const hostDir = join(dir, "host");
  const operatorDir = join(dir, "operator");
  mkdirSync(hostDir, { recursive: true, mode: 0o700 });
  mkdirSync(operatorDir, { recursive: true, mode: 0o700 });
  const operatorKey = join(operatorDir, "aws-key.pem");
  const operatorPem = rsaPem();
  writeFileSync(operatorKey, operatorPem, { mode: 0o600 });
  const hostPem = rsaPem();
  writeFileSync(join(hostDir, "ssh_host_rsa_key"), hostPem, { mode: 0o600 });
  // The container's entrypoint reads the host key as root (which may read any file).
  writeFileSync(join(hostDir, "authorized_keys"), `${opensshPublicKey(operatorPem)} operator@drill\n`, { mode: 0o644 });
  return { hostDir, operatorKey, hostPublicKey: opensshPublicKey(hostPem) };
}

/** The stand-in, prepared for one drill stack (DrillStack.up calls these in order). */
export class Ec2HostStandIn {
  private files?: Ec2HostFiles;

  constructor(readonly image: BuiltImage) {}

  /** The image to build (or find) when the scenario asks for the host; undefined otherwise. */
  static imageRequest(scenario: ScenarioStack | undefined): ImageRequest | undefined {
    if (!scenario?.ec2Host) return undefined;
    const build = drillOnlyStandIns[ec2HostService];
    if (!build) throw new Error(`no ${ec2HostService} in the catalog's drill-only stand-ins`);
    return { name: ec2HostService, context: build.context };
  }

  /** The compose service, with the drill's keys written under `dir`. */
  service(dir: string): ComposeService {
    this.files = writeEc2HostKeys(dir);
    return {
      image: this.image.ref,
      restart: "unless-stopped",
      init: true,
      stop_grace_period: "2s",
      volumes: [`${this.files.hostDir}:/drill/ssh:ro`],
      // sshd writes its pid file once it listens; no probe over TCP, so a firewall rule
      // on port 22 (a fault) does not make the host "unhealthy" as well.
      healthcheck: { test: ["CMD-SHELL", "kill -0 \"$$(cat /run/sshd.pid)\""], interval: "1s", timeout: "2s", retries: 60 },
      networks: ["app-network"],
    } as ComposeService;
  }

  /** The operator's private key is a secret from here on. */
  register(secrets: DrillSecrets): void {
    if (!this.files) throw new Error("Ec2HostStandIn.register before service()");
    secrets.redactions.push(...pemRedactions("EC2_SSH_PRIVATE_KEY", readFileSync(this.files.operatorKey, "utf8")));
  }

  get keys(): Ec2HostFiles | undefined {
    return this.files;
  }
}

/** The host container's address on the drill network (undefined if it has none). */
export async function containerAddress(docker: Docker, containerName: string): Promise<string | undefined> {
  const info = await docker.getContainer(containerName).inspect().catch(() => undefined);
  return Object.values(info?.NetworkSettings.Networks ?? {})
    .map((n) => n.IPAddress)
    .find((ip) => ip);
}

/** The drill values the runbook's placeholders bind to: EC2_IP is the host's address. */
export async function ec2HostBindings(stack: RunningStack): Promise<Record<string, string>> {
  if (!stack.ec2Host) return {};
  const ip = await containerAddress(stack.docker, stack.containerName(ec2HostService));
  if (!ip) throw new Error(`${stack.containerName(ec2HostService)} has no address on the drill network`);
  return { [ec2HostIpBinding]: ip };
}
