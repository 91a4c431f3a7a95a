// Choose the image profile: upstream where a registry answers, airgapped otherwise.
// An explicit choice (flag or DRILL_PROFILE) always wins; the reason is kept for reports.
import type { ProfileName } from "./catalog.js";

export interface ProfileChoice {
  profile: ProfileName;
  reason: string;
}

const registryProbeUrl = "https://registry-1.docker.io/v2/";

export function parseProfile(value: string, source: string): ProfileName {
  if (value === "upstream" || value === "airgapped") return value;
  throw new Error(`${source}: unknown profile "${value}"; use "upstream" or "airgapped".`);
}

async function registryAnswers(timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  try {
    // Any HTTP answer (Docker Hub says 401 here) means images can be pulled.
    const res = await fetch(registryProbeUrl, { signal: AbortSignal.timeout(timeoutMs) });
    return { ok: true, detail: `${registryProbeUrl} answered HTTP ${res.status}` };
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    return { ok: false, detail: `${registryProbeUrl} did not answer (${cause})` };
  }
}

export async function chooseProfile(explicit?: string): Promise<ProfileChoice> {
  if (explicit) return { profile: parseProfile(explicit, "--profile"), reason: "chosen with --profile" };
  const fromEnv = process.env.DRILL_PROFILE;
  if (fromEnv) return { profile: parseProfile(fromEnv, "DRILL_PROFILE"), reason: "chosen with DRILL_PROFILE" };
  const probe = await registryAnswers(4000);
  return probe.ok
    ? { profile: "upstream", reason: `a registry is reachable: ${probe.detail}` }
    : { profile: "airgapped", reason: `no registry is reachable: ${probe.detail}` };
}
