// Per-drill copies of the configuration a drill must be able to change or redirect,
// so the repository's files are never touched: the Caddyfile (a fault rewrites a
// route), Promtail's config (a fault breaks its __path__), and Alertmanager's config
// (its Slack receiver becomes the drill's webhook).
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse, stringify } from "yaml";
import { stackDir } from "../util/paths.js";

export const alertSinkUrl = "http://alert-sink:9095/slack";

/** A copy of a file under stack/config that faults may edit in place (same inode, so the bind mount sees it). */
export function copyConfigFile(relative: string, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, relative.split("/").pop() ?? relative);
  copyFileSync(resolve(stackDir, "config", relative), file);
  return file;
}

interface AlertmanagerConfig {
  receivers?: { name: string; [integration: string]: unknown }[];
  [key: string]: unknown;
}

/** Alertmanager's config with every receiver delivering to the drill's webhook instead. */
export function deriveAlertmanagerConfig(outDir: string): { dir: string; receivers: string[] } {
  mkdirSync(outDir, { recursive: true });
  cpSync(resolve(stackDir, "config/alertmanager"), outDir, { recursive: true });
  const file = join(outDir, "alertmanager.yml");
  const config = parse(readFileSync(file, "utf8")) as AlertmanagerConfig;
  config.receivers = (config.receivers ?? []).map((r) => ({ name: r.name, webhook_configs: [{ url: alertSinkUrl, send_resolved: true }] }));
  writeFileSync(file, `# Derived for a drill: receivers deliver to the drill's webhook (stands for Slack)\n${stringify(config)}`);
  return { dir: outDir, receivers: config.receivers.map((r) => r.name) };
}
