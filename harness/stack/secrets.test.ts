import { describe, expect, it } from "vitest";
import { generateSecrets, token } from "./secrets.js";

describe("drill secrets", () => {
  it("never begin with '-', which a command line would read as a flag", () => {
    // base64url starts with "-" once in 64; 4,000 draws make a miss on old code all but certain.
    const starts = Array.from({ length: 4000 }, () => token()[0]);
    expect(starts.filter((c) => c === "-")).toEqual([]);
    for (let i = 0; i < 200; i++) {
      for (const [name, value] of Object.entries(generateSecrets().env)) {
        expect(value.startsWith("-"), `${name} starts with "-"`).toBe(false);
      }
    }
  });

  it("registers every generated secret for redaction", () => {
    const { env, redactions } = generateSecrets();
    const redacted = new Set(redactions.map((r) => r.value));
    for (const name of ["POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD", "MEILI_MASTER_KEY", "GRAFANA_ADMIN_PASSWORD"]) {
      expect(redacted.has(env[name] ?? ""), name).toBe(true);
    }
  });
});
