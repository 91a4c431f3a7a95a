// A user submits the contact form while the fault is on (section 12: SES failing). What
// the app answered is evidence; the scenario's recovery checks then prove the message
// was stored and its email reached SES (the stand-in's store) once SES worked again.
import type { RunningStack } from "../stack/drill-stack.js";

export interface ContactSpec {
  name: string;
  email: string;
  message: string;
}

export interface ContactSubmission extends ContactSpec {
  at: string;
  status: number;
  seconds: number;
  /** The app's JSON answer (id, stored, email status and error). */
  answer: unknown;
}

export function validateContact(spec: ContactSpec): ContactSpec {
  for (const k of ["name", "email", "message"] as const) {
    if (typeof spec[k] !== "string" || spec[k].trim() === "") throw new Error(`duringFault.contact.${k} must be a non-empty string`);
  }
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(spec.email)) throw new Error(`duringFault.contact.email is not an address: ${spec.email}`);
  return spec;
}

/** POST /api/contact through Caddy, as the site's form does. Never throws on an HTTP error. */
export async function submitContact(stack: RunningStack, spec: ContactSpec): Promise<ContactSubmission> {
  const body = validateContact(spec);
  const t0 = Date.now();
  const res = await fetch(stack.url("caddy", 8080, "/api/contact"), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    // The app retries SES once with a 5 s read timeout; Caddy waits for it.
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let answer: unknown = text;
  try {
    answer = JSON.parse(text) as unknown;
  } catch {
    // keep the text
  }
  return { ...body, at: new Date(t0).toISOString(), status: res.status, seconds: (Date.now() - t0) / 1000, answer };
}
