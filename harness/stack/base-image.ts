// The air-gapped profile builds every image FROM debian:bookworm. Where that image is
// missing and cannot be pulled, make it with debootstrap and `docker import`.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import type Docker from "dockerode";
import { run, runChecked, which } from "../util/run.js";
import type { Logger } from "../util/log.js";
import { canProvisionEngine } from "../engine/docker-engine.js";

export const baseImage = "debian:bookworm";
const mirror = process.env.DEBIAN_MIRROR ?? "http://deb.debian.org/debian";

export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

function importRootfs(dir: string): Promise<void> {
  // tar | docker import, streaming: the rootfs is ~200 MB.
  return new Promise((resolve, reject) => {
    const tar = spawn("tar", ["-C", dir, "-c", "."], { stdio: ["ignore", "pipe", "inherit"] });
    const imp = spawn("docker", ["import", "--change", 'CMD ["bash"]', "-", baseImage], { stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    imp.stderr.on("data", (d: Buffer) => (err += d.toString()));
    tar.stdout.pipe(imp.stdin);
    imp.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`docker import failed: ${err.trim()}`))));
    tar.on("error", reject);
    imp.on("error", reject);
  });
}

export async function ensureBaseImage(docker: Docker, log: Logger): Promise<string> {
  if (await imageExists(docker, baseImage)) return `${baseImage} present`;
  const pull = await run("docker", ["pull", baseImage], { timeoutMs: 120_000 });
  if (pull.exitCode === 0) return `${baseImage} pulled`;

  if (!(await which("debootstrap"))) {
    if (!canProvisionEngine()) {
      throw new Error(
        `${baseImage} is missing and cannot be pulled, and debootstrap is not installed.\n` +
          "Install debootstrap (Debian/Ubuntu: `sudo apt-get install debootstrap`) and run again as root, " +
          `or load the image yourself (\`docker load\`/\`docker import\` a ${baseImage} root filesystem).`,
      );
    }
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    await runChecked("apt-get", ["update", "-qq"], { env });
    await runChecked("apt-get", ["install", "-y", "-qq", "debootstrap"], { env });
  }
  if (process.getuid?.() !== 0) {
    throw new Error(`${baseImage} is missing and cannot be pulled; making it with debootstrap needs root. Run \`sudo npm run doctor\` once.`);
  }

  log(`images: ${baseImage} is missing and cannot be pulled; making it with debootstrap (about a minute)`);
  const dir = mkdtempSync(join(tmpdir(), "drill-bookworm-"));
  try {
    await runChecked("debootstrap", ["--variant=minbase", "bookworm", dir, mirror], { timeoutMs: 15 * 60_000 });
    // Security and point-release updates too, as a real Debian image has them.
    writeFileSync(
      join(dir, "etc/apt/sources.list"),
      [`deb ${mirror} bookworm main`, `deb ${mirror} bookworm-updates main`, "deb http://deb.debian.org/debian-security bookworm-security main", ""].join("\n"),
    );
    await run("find", [join(dir, "var/cache/apt/archives"), "-name", "*.deb", "-delete"]);
    await importRootfs(dir);
  } finally {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
  return `${baseImage} made with debootstrap from ${mirror}`;
}
