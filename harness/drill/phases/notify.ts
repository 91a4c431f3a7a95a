// Notify: a fired alert is worth something only if on-call hears of it; Alertmanager must
// deliver it to the drill's webhook (standing for Slack).
import { untilNotified } from "../../detect/notification.js";
import type { LiveContext } from "../context.js";

export async function notify(ctx: LiveContext): Promise<void> {
  const alertName = ctx.drill.detection.alert;
  const { journal } = ctx.record;
  await ctx.record.phase("notify", async (rec) => {
    if (!alertName || !journal.detection.firedAt) {
      rec.detail = alertName ? "the alert did not fire (see detect), so there was nothing to deliver" : "no alert in this section";
      return "skipped";
    }
    const notification: NonNullable<typeof journal.notification> = { receiver: "slack-alerts (drill webhook)" };
    journal.notification = notification;
    try {
      notification.deliveredAt = (await untilNotified(ctx.stack.url("alert-sink", 9095, "/received"), alertName)).deliveredAt;
    } catch (err) {
      ctx.record.finding("notify", `the alert fired but no notification reached the receiver: ${err instanceof Error ? err.message : String(err)}`);
      return "failed";
    }
    notification.secondsToNotify = (Date.parse(notification.deliveredAt ?? ctx.record.at()) - Date.parse(journal.detection.firedAt)) / 1000;
    rec.detail = `delivered ${notification.secondsToNotify.toFixed(1)} s after firing`;
    return "passed";
  });
}
