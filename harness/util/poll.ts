// The one general wait of the harness: bring-up gates, detection, recovery checks and
// faults all poll a condition with a deadline and report the last reason it did not hold.

/** Poll until `check` returns a value (not undefined), or fail with the last reason. */
export async function pollUntil<T>(
  what: string,
  timeoutMs: number,
  intervalMs: number,
  check: () => Promise<{ value?: T; reason: string }>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "not checked yet";
  for (;;) {
    try {
      const r = await check();
      if (r.value !== undefined) return r.value;
      last = r.reason;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}: ${last}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
