/** Delivers webhooks the way GitHub does: JSON body, event/delivery headers, HMAC-SHA256 signature. */
import { createHmac, randomUUID } from "node:crypto";

export interface WebhookSender {
  send(event: string, payload: object, opts?: { deliveryId?: string }): Promise<{ status: number; body: string; deliveryId: string }>;
}

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export function createWebhookSender(options: { url: string; secret: string }): WebhookSender {
  return {
    async send(event, payload, opts = {}) {
      const deliveryId = opts.deliveryId ?? randomUUID();
      const body = JSON.stringify(payload);
      const response = await fetch(options.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "GitHub-Hookshot/fake",
          "x-github-event": event,
          "x-github-delivery": deliveryId,
          "x-github-hook-id": "1",
          "x-github-hook-installation-target-type": "integration",
          "x-hub-signature-256": sign(options.secret, body),
        },
        body,
      });
      return { status: response.status, body: await response.text(), deliveryId };
    },
  };
}
