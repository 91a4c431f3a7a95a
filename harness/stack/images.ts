// Build the images a profile needs, cached by a hash of their build context: a second
// run with unchanged Dockerfiles and files builds nothing.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type Docker from "dockerode";
import { runChecked } from "../util/run.js";
import type { Logger } from "../util/log.js";
import { stackDir } from "../util/paths.js";
import { baseImage, ensureBaseImage, imageExists } from "./base-image.js";

export const imageLabel = "io.runbook-drills.image";

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "__pycache__" || entry.name === "node_modules") continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

/** Hash of every file (path, mode and bytes) in a build context, plus the base image id. */
export function contextHash(contextDir: string, baseImageId: string): string {
  const hash = createHash("sha256").update(baseImageId);
  for (const file of listFiles(contextDir)) {
    hash.update(relative(contextDir, file)).update("\0");
    hash.update(String(statSync(file).mode & 0o111)).update("\0");
    hash.update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex").slice(0, 12);
}

export interface BuiltImage {
  ref: string;
  built: boolean;
  seconds: number;
}

export class ImageBuilder {
  private baseImageId?: string;
  readonly notes: string[] = [];

  constructor(
    private readonly docker: Docker,
    private readonly log: Logger,
  ) {}

  private async base(): Promise<string> {
    if (!this.baseImageId) {
      this.notes.push(await ensureBaseImage(this.docker, this.log));
      this.baseImageId = (await this.docker.getImage(baseImage).inspect()).Id;
    }
    return this.baseImageId;
  }

  /** Build stack/<context> as runbook-drills/<name>:<hash> unless that tag exists. */
  async ensure(name: string, context: string): Promise<BuiltImage> {
    const contextDir = resolve(stackDir, context);
    const ref = `runbook-drills/${name}:${contextHash(contextDir, await this.base())}`;
    if (await imageExists(this.docker, ref)) return { ref, built: false, seconds: 0 };
    this.log(`images: building ${ref} from stack/${context}`);
    const started = Date.now();
    await runChecked("docker", ["build", "--force-rm", "--label", `${imageLabel}=${name}`, "-t", ref, contextDir], {
      timeoutMs: 20 * 60_000,
      env: { ...process.env, DOCKER_BUILDKIT: "0" },
    });
    const seconds = (Date.now() - started) / 1000;
    this.log(`images: built ${ref} in ${seconds.toFixed(1)} s`);
    return { ref, built: true, seconds };
  }
}
