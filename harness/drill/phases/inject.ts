// Inject: the scenario's fault, in its realistic form, from the fault library; and what
// a user who acts during the fault (a contact form) gets back.
import type { LiveContext } from "../context.js";
import { submitContact } from "../contact.js";

/** False when the fault could not be applied: nothing after it is meaningful. */
export async function inject(ctx: LiveContext): Promise<boolean> {
  const { drill, stack, state } = ctx;
  const journal = ctx.record.journal;
  return ctx.record.phase("inject", async (rec) => {
    const f = ctx.deps.faults[drill.fault.kind];
    if (!f) throw new Error(`${drill.source}: fault kind "${drill.fault.kind}" is not in the fault library (${Object.keys(ctx.deps.faults).join(", ")})`);
    const { kind, ...params } = drill.fault;
    journal.fault = { kind, params };
    state.load?.injected();
    state.fault = await f({ stack, log: (m) => ctx.record.log(m) }, params);
    journal.fault.injectedAt = ctx.record.at();
    journal.fault.detail = state.fault.detail;
    rec.detail = state.fault.detail;
    if (drill.duringFault?.contact) {
      const c = await submitContact(stack, drill.duringFault.contact);
      journal.duringFault = { contact: c };
      rec.detail += `; a contact form submitted during the fault got ${c.status} in ${c.seconds.toFixed(1)} s: ${JSON.stringify(c.answer).slice(0, 300)}`;
    }
    return "passed";
  });
}
