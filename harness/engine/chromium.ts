// Browser preflight, like the engine's: find Debian's chromium (the PDF of the evidence
// report and the browser tests of the reports need it), install it where this process
// may (root, apt, Debian/Ubuntu), or stop with the exact fix. Then launch it headless
// with a fresh profile and nothing that reaches the network on its own.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import type { Logger } from "../util/log.js";
import { aptInstall, isDebianLike } from "./docker-engine.js";

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Binaries the reports' tooling may need, and the Debian package that brings each. */
const packages = { chromium: "chromium", pdfinfo: "poppler-utils", pdftotext: "poppler-utils", pdftoppm: "poppler-utils" } as const;
export type Tool = keyof typeof packages;

const toolPath = (t: Tool) => (t === "chromium" ? chromiumPath : `/usr/bin/${t}`);

export class BrowserUnavailableError extends Error {}

export function canInstallPackages(): boolean {
  return process.getuid?.() === 0 && existsSync("/usr/bin/apt-get") && isDebianLike();
}

/** Makes sure every tool exists, installing the missing ones' packages where allowed. Returns what it did. */
export async function ensureTools(tools: readonly Tool[], log: Logger): Promise<string[]> {
  const missing = tools.filter((t) => !existsSync(toolPath(t)));
  const actions: string[] = [];
  if (missing.length === 0) return actions;
  const pkgs = [...new Set(missing.map((t) => packages[t]))];
  if (!canInstallPackages()) {
    throw new BrowserUnavailableError(
      `${missing.map(toolPath).join(", ")} not found. Install ${pkgs.join(" and ")} (Debian/Ubuntu: \`sudo apt-get install ${pkgs.join(" ")}\`), ` +
        "or run this as root on Debian/Ubuntu and the harness installs it; CHROMIUM_PATH names another Chromium binary.",
    );
  }
  await aptInstall(pkgs, log, actions);
  const still = missing.filter((t) => !existsSync(toolPath(t)));
  if (still.length) throw new BrowserUnavailableError(`apt-get installed ${pkgs.join(", ")} but ${still.map(toolPath).join(", ")} is still missing`);
  return actions;
}

// Headless, no sandbox (containers have no user namespaces for it), and none of the
// background traffic a fresh profile would start (updates, sync, QUIC).
export const chromiumFlags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface HeadlessChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh --user-data-dir that close() removes. */
export async function launchChromium(): Promise<HeadlessChromium> {
  const userDataDir = mkdtempSync(join(tmpdir(), "runbook-drills-chromium-"));
  try {
    // playwright passes the profile directory as --user-data-dir itself.
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumFlags,
      offline: true,
    });
    return {
      context,
      async close() {
        await context.close().catch(() => {});
        rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
}
