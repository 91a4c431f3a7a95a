// Where things live in the repository, resolved once from this file's location so
// every command works from any working directory.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const stackDir = resolve(repoRoot, "stack");
export const productionComposeFile = resolve(stackDir, "docker-compose.yml");
export const imagesDir = resolve(stackDir, "images");
/** Derived compose files and other per-drill working state (git-ignored). */
export const stateDir = resolve(repoRoot, ".drill-state");
export const reportsDir = resolve(repoRoot, "reports");
