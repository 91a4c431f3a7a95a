// Per-drill secrets: fresh random values every run, handed to compose through the
// environment and registered for redaction so they never reach a report or a log.
import { randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";

export interface DrillSecrets {
  /** Environment for compose interpolation. */
  env: Record<string, string>;
  /** Values that must never appear in clear text, with the name to show instead. */
  redactions: { name: string; value: string }[];
  prometheusBasicAuth: { user: string; password: string };
}

// base64url may begin with "-", and a secret passed on a command line that begins with
// "-" reads as a flag (seen: minio-init's `mc alias set ... <password>` failed with "flag
// provided but not defined" about once in 64 drills, and bring-up hung until its timeout).
export const token = (bytes = 18): string => {
  for (;;) {
    const value = randomBytes(bytes).toString("base64url");
    if (!value.startsWith("-")) return value;
  }
};

export function generateSecrets(): DrillSecrets {
  const basicAuthPassword = token();
  // Caddy 2.6 wants the bcrypt hash base64-encoded; later versions accept that too.
  const basicAuthHash = Buffer.from(bcrypt.hashSync(basicAuthPassword, 10)).toString("base64");
  const secret = {
    POSTGRES_PASSWORD: token(),
    MINIO_ROOT_USER: `drill${randomBytes(4).toString("hex")}`,
    MINIO_ROOT_PASSWORD: token(),
    MEILI_MASTER_KEY: token(24),
    GRAFANA_ADMIN_PASSWORD: token(),
    AWS_SECRET_ACCESS_KEY: token(),
  };
  const env = {
    ...secret,
    AWS_ACCESS_KEY_ID: "AKIADRILL" + randomBytes(6).toString("hex").toUpperCase(),
    PROMETHEUS_BASIC_AUTH_USER: "ops",
    PROMETHEUS_BASIC_AUTH_HASH: basicAuthHash,
  };
  const redactions = [
    ...Object.entries(secret).map(([name, value]) => ({ name, value })),
    { name: "PROMETHEUS_BASIC_AUTH_PASSWORD", value: basicAuthPassword },
    { name: "PROMETHEUS_BASIC_AUTH_HASH", value: basicAuthHash },
  ];
  return { env, redactions, prometheusBasicAuth: { user: "ops", password: basicAuthPassword } };
}

/** Replace every secret value in a text with [REDACTED:NAME]. */
export function redact(text: string, redactions: DrillSecrets["redactions"]): string {
  let out = text;
  for (const { name, value } of redactions) {
    if (value.length >= 4) out = out.split(value).join(`[REDACTED:${name}]`);
  }
  return out;
}
