/**
 * Checks a webhook's `X-Hub-Signature-256` before Probot sees it. Probot would refuse a bad
 * signature too (400), but the error it raises carries the whole unverified body, and both its
 * error handler and the webhook middleware log that error, payload included, at error level. An
 * unsigned body is whatever anyone posted: it must not reach the logs (flooding, injected log
 * lines, secrets pasted into a forged payload). Refused here, the error names the delivery only.
 *
 * Over HTTP the webhook door (webhook-door.ts) refuses a bad signature before this is reached;
 * this stays for every other caller of `verifyAndReceive` and should the door not be mounted.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export interface VerifyingWebhooks {
  verifyAndReceive(event: never): Promise<void>;
}

interface SignedEvent {
  id: string;
  name: string;
  payload: string;
  signature: string;
}

function signatureMatches(secret: string, payload: string, signature: unknown): boolean {
  if (typeof signature !== "string" || !signature.startsWith("sha256=")) return false;
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(payload).digest("hex")}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Wraps `webhooks.verifyAndReceive` (what the HTTP middleware calls) with a payload-free refusal. */
export function refuseUnsignedWebhooks(webhooks: VerifyingWebhooks, secret: string): void {
  const verifyAndReceive = webhooks.verifyAndReceive.bind(webhooks);
  webhooks.verifyAndReceive = (async (event: SignedEvent) => {
    if (typeof event?.payload === "string" && !signatureMatches(secret, event.payload, event.signature)) {
      const error = Object.assign(new Error(`[upgrade-queue] signature does not match the payload and secret (delivery ${String(event.id)}, event ${String(event.name)}); payload not logged`), { status: 400 });
      // The middleware reads the first of `errors` for the status it answers with.
      throw Object.assign(new AggregateError([error], error.message), { status: 400 });
    }
    return verifyAndReceive(event as never);
  }) as VerifyingWebhooks["verifyAndReceive"];
}
