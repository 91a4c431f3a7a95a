// Request bodies as the scope guard forwards them: an allow-list of fields per Engine
// API call, matched the way the engine decodes JSON (field names case-insensitively),
// each value checked, and the body the engine gets re-serialised from what was checked.
//
// Why an allow-list and not a deny-list: dockerd decodes `hostconfig`, `HOSTCONFIG` and
// `HostConfig` alike, honours host fields at the top level of a create body (the API's
// pre-1.24 shape), and grows fields with every release. A field the guard has no rule
// for is refused; a field it has a rule for reaches the engine only in the canonical
// spelling and only with the value the rule returned.
//
// The field names are those of the Engine API 1.41 types (api/types/container/config.go,
// host_config.go, network/network.go, volume create options, exec config), which is what
// the shell's docker CLI 20.10 and docker-compose 1.29 (docker-py) send.

/** A value the guard will not forward; the message names the field and why. */
export class Refused extends Error {}

/** Checks one value at a path (`HostConfig.CapAdd`) and returns what may be forwarded. */
export type Check<C> = (value: unknown, at: string, cx: C) => unknown | Promise<unknown>;

export type Fields<C> = Readonly<Record<string, Check<C>>>;

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Zero values: what the docker CLI sends for every field the user did not set. */
export function isZero(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObject(v)) return Object.keys(v).length === 0;
  return false;
}

/**
 * Check an object against its allow-list. Keys are matched case-insensitively, as the
 * engine's JSON decoder matches them; a key with no rule, a key given twice in two
 * spellings, or a key that is not plain ASCII is refused.
 */
export async function checkObject<C>(value: unknown, fields: Fields<C>, at: string, cx: C): Promise<Record<string, unknown>> {
  if (!isObject(value)) throw new Refused(`${at || "the body"} must be a JSON object`);
  const byFolded = new Map(Object.keys(fields).map((k) => [k.toLowerCase(), k]));
  const out: Record<string, unknown> = {};
  const seen = new Map<string, string>();
  for (const [key, v] of Object.entries(value)) {
    const where = at ? `${at}.${key}` : key;
    if (!/^[\x21-\x7e]+$/.test(key)) throw new Refused(`field ${JSON.stringify(where)} is not a plain ASCII name`);
    const canonical = byFolded.get(key.toLowerCase());
    if (canonical === undefined) throw new Refused(`field ${where} is not one the scope guard forwards`);
    const earlier = seen.get(canonical);
    if (earlier !== undefined) throw new Refused(`field ${where} is given twice (${earlier} and ${key}); the engine would read either`);
    seen.set(canonical, key);
    const check = fields[canonical] as Check<C>;
    const checked = await check(v, at ? `${at}.${canonical}` : canonical, cx);
    if (checked !== undefined) out[canonical] = checked;
  }
  return out;
}

// --- value checks -------------------------------------------------------------------

export const anyString: Check<unknown> = (v, at) => {
  if (v === null || typeof v === "string") return v;
  throw new Refused(`${at} must be a string`);
};
export const anyBool: Check<unknown> = (v, at) => {
  if (v === null || typeof v === "boolean") return v;
  throw new Refused(`${at} must be true or false`);
};
export const anyNumber: Check<unknown> = (v, at) => {
  if (v === null || (typeof v === "number" && Number.isFinite(v))) return v;
  throw new Refused(`${at} must be a number`);
};
export const strings: Check<unknown> = (v, at) => {
  if (v === null) return v;
  // Some fields (Cmd, Entrypoint, CapDrop) accept a single string as well as a list.
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.every((s) => typeof s === "string")) return v;
  throw new Refused(`${at} must be a list of strings`);
};
export const stringMap: Check<unknown> = (v, at) => {
  if (v === null) return v;
  if (isObject(v) && Object.values(v).every((s) => typeof s === "string")) return v;
  throw new Refused(`${at} must be an object of strings`);
};
/** `{"80/tcp": {}}`: a set written as an object of empty objects (ExposedPorts, Volumes). */
export const emptyObjectSet: Check<unknown> = (v, at) => {
  if (v === null) return v;
  if (isObject(v) && Object.values(v).every((x) => isObject(x) && Object.keys(x).length === 0)) return v;
  throw new Refused(`${at} must be an object whose values are {}`);
};
export const oneOf =
  (...allowed: readonly unknown[]): Check<unknown> =>
  (v, at) => {
    if (allowed.includes(v)) return v;
    throw new Refused(`${at} ${JSON.stringify(v)} is refused (allowed: ${allowed.map((a) => JSON.stringify(a)).join(", ")})`);
  };
/** Only the zero value (what a client sends when the option is not used). */
export const zeroOnly =
  (why: string): Check<unknown> =>
  (v, at) => {
    if (isZero(v)) return v;
    throw new Refused(`${at} ${JSON.stringify(v)} is refused: ${why}`);
  };
export const object =
  <C>(fields: Fields<C>): Check<C> =>
  (v, at, cx) =>
    v === null ? null : checkObject(v, fields, at, cx);
export const listOf =
  <C>(item: Check<C>): Check<C> =>
  async (v, at, cx) => {
    if (v === null) return null;
    if (!Array.isArray(v)) throw new Refused(`${at} must be a list`);
    const out: unknown[] = [];
    for (const [i, x] of v.entries()) out.push(await item(x, `${at}[${i}]`, cx));
    return out;
  };
export const mapOf =
  <C>(item: Check<C>): Check<C> =>
  async (v, at, cx) => {
    if (v === null) return null;
    if (!isObject(v)) throw new Refused(`${at} must be an object`);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = await item(x, `${at}[${JSON.stringify(k)}]`, cx);
    return out;
  };

/** Equal as JSON, lists compared as sets (cap_add order does not matter). */
export function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(norm).map((x) => JSON.stringify(x)).sort()
      : isObject(v)
        ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y)).map(([k, x]) => [k, norm(x)]))
        : v;
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}
