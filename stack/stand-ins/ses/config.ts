/**
 * Configuration of the SES stand-in container. It reads LocalStack's listen
 * variable (the compose file's `ses` service is LocalStack, and the app
 * reaches it at http://ses:4566), aws-ses-v2-local's `--host`/`--port` flags,
 * and a few stand-in-only SES_STANDIN_* variables.
 */
import { DENY_CODES, SEND_ACTIONS } from "./api.js";
import type { DenyRule } from "./server.js";

export interface SesStandInConfig {
  host: string;
  port: number;
  defaultRegion: string;
  max24HourSend: number;
  maxSendRate: number;
  autoVerify: boolean;
  requireVerifiedSender: boolean;
  verifiedIdentities: string[];
  deny: DenyRule | undefined;
  /** LocalStack SERVICES entries other than ses, which the stand-in does not serve (reported at start). */
  unservedServices: string[];
}

/** LocalStack's edge address. */
export const DEFAULT_LISTEN = "0.0.0.0:4566";

function parseListen(value: string): { host: string; port: number } {
  // GATEWAY_LISTEN may list several addresses; the stand-in binds the first.
  const first = value.split(",")[0]?.trim() ?? "";
  const at = first.lastIndexOf(":");
  let host = at === -1 ? "0.0.0.0" : first.slice(0, at);
  const portText = at === -1 ? first : first.slice(at + 1);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`GATEWAY_LISTEN must look like [host]:port, got "${value}"`);
  return { host: host === "" ? "0.0.0.0" : host, port };
}

function parseBool(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value.trim() === "") return fallback;
  const v = value.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["0", "false", "no", "off"].includes(v)) return false;
  throw new Error(`${name} must be true or false, got "${value}"`);
}

function parseNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < -1) throw new Error(`${name} must be a number (-1 = unlimited), got "${value}"`);
  return n;
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

export function readConfig(argv: readonly string[], env: Record<string, string | undefined>): SesStandInConfig {
  let { host, port } = parseListen(env.GATEWAY_LISTEN?.trim() || (env.EDGE_PORT ? `0.0.0.0:${env.EDGE_PORT}` : DEFAULT_LISTEN));
  // aws-ses-v2-local's own flags win over the environment.
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`flag needs an argument: ${flag}`);
      return v;
    };
    if (flag === "--host") host = value();
    else if (flag === "--port") {
      const text = value();
      port = Number(text);
      if (!/^\d+$/.test(text) || port > 65535) throw new Error(`--port must be a port number, got "${text}"`);
    } else throw new Error(`unknown argument: ${arg}`);
  }

  let deny: DenyRule | undefined;
  const denyCode = env.SES_STANDIN_DENY?.trim();
  if (denyCode) {
    if (!(denyCode in DENY_CODES)) throw new Error(`SES_STANDIN_DENY must be one of ${Object.keys(DENY_CODES).join(", ")}, got "${denyCode}"`);
    const actions = list(env.SES_STANDIN_DENY_ACTIONS);
    deny = { code: denyCode, actions: actions.length > 0 ? actions : SEND_ACTIONS };
  }

  return {
    host,
    port,
    defaultRegion: env.AWS_DEFAULT_REGION?.trim() || env.DEFAULT_REGION?.trim() || "us-east-1",
    max24HourSend: parseNumber("SES_STANDIN_MAX_24_HOUR_SEND", env.SES_STANDIN_MAX_24_HOUR_SEND, 200),
    maxSendRate: parseNumber("SES_STANDIN_MAX_SEND_RATE", env.SES_STANDIN_MAX_SEND_RATE, 1),
    autoVerify: parseBool("SES_STANDIN_AUTO_VERIFY", env.SES_STANDIN_AUTO_VERIFY, true),
    requireVerifiedSender: parseBool("SES_STANDIN_REQUIRE_VERIFIED_SENDER", env.SES_STANDIN_REQUIRE_VERIFIED_SENDER, false),
    verifiedIdentities: list(env.SES_STANDIN_VERIFIED_IDENTITIES),
    deny,
    unservedServices: list(env.SERVICES).filter((s) => s.toLowerCase() !== "ses"),
  };
}
