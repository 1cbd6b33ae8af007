/**
 * The webhook door, in front of Probot's webhook middleware. Nearly every delivery an
 * organisation sends concerns no upgrade; Probot would check its signature, parse it, build an
 * installation Octokit and a context for it, and the pipeline would then throw it away. The door
 * reads the body once, checks the signature once (constant time), and answers 200 at once for
 * what the payload and the cached config settle (`settles`); everything else goes on to
 * Probot's middleware unchanged, the body handed over as read (Probot checks the signature
 * again for that minority: its own code path stays exactly as it was).
 *
 * A bad signature is refused here, before the body is parsed, and neither the refusal nor its
 * log line carries the payload (see refuse-unsigned-webhooks.ts for why).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { verify } from "@octokit/webhooks-methods";
import type { Probot } from "probot";

type Middleware = Awaited<ReturnType<Probot["getNodeMiddleware"]>>;

export interface WebhookDoorOptions {
  secret: string;
  /** The webhook path Probot serves (CONTRACT §5: `/api/github/webhooks`). */
  path: string;
  /** Given a verified, parsed delivery: true when it concerns no upgrade and can be answered now. */
  settles(name: string, payload: unknown): boolean;
  /** Told of every delivery answered at the door, with the seconds it took (metrics). */
  settled?(name: string, seconds: number): void;
  log: { debug(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * Probot's Server puts what `getNodeMiddleware()` returns first in its handler chain, before any
 * handler given to `addHandler` (too late for a door): the door wraps that middleware.
 */
export function mountWebhookDoor(app: Probot, options: WebhookDoorOptions): void {
  const getNodeMiddleware = app.getNodeMiddleware.bind(app);
  app.getNodeMiddleware = async (...args: Parameters<Probot["getNodeMiddleware"]>) => createWebhookDoor(options, await getNodeMiddleware(...args));
}

export function createWebhookDoor(options: WebhookDoorOptions, probot: Middleware): Middleware {
  return async (req, res, next) => {
    if (req.method !== "POST" || pathOf(req.url) !== options.path) return probot(req, res, next);
    const name = header(req, "x-github-event");
    const id = header(req, "x-github-delivery");
    const signature = header(req, "x-hub-signature-256");
    // Missing headers and other content types get Probot's own 4xx, before any body is read.
    if (!name || !id || !signature || !/^\s*application\/json\s*(;|$)/.test(header(req, "content-type") ?? "")) return probot(req, res, next);
    const started = performance.now();
    const body = await readBody(req);
    if (!(await signatureMatches(options.secret, body, signature))) {
      options.log.warn({ deliveryId: id, event: name }, "webhook refused: signature does not match the payload and secret; payload not logged");
      answer(res, 400, "application/json", JSON.stringify({ error: "signature does not match the payload and secret" }));
      return true;
    }
    if (!settles(options, name, body, id)) {
      // Probot's middleware takes a body already read as a string (`request.body`).
      Object.assign(req, { body });
      return probot(req, res, next);
    }
    answer(res, 200, "text/plain", "ok\n");
    options.settled?.(name, (performance.now() - started) / 1000);
    // Probot's middleware logs every delivery it receives at debug level; these it never sees.
    options.log.debug({ deliveryId: id, event: name }, "webhook settled at the door: concerns no upgrade");
    return true;
  };
}

/** Anything the door cannot read with certainty (bad JSON, a routing error) goes on to Probot. */
function settles(options: WebhookDoorOptions, name: string, body: string, id: string): boolean {
  try {
    return options.settles(name, JSON.parse(body));
  } catch (error) {
    options.log.warn({ deliveryId: id, event: name, err: error instanceof Error ? error.message : String(error) }, "webhook door could not settle a delivery; passing it on");
    return false;
  }
}

async function signatureMatches(secret: string, body: string, signature: string): Promise<boolean> {
  try {
    return await verify(secret, body, signature);
  } catch {
    return false; // an empty body
  }
}

/** Headers set but not written: `end` then sends them with a Content-Length, in one write. */
function answer(res: ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader("content-type", type);
  res.end(body);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The path without query string or trailing slashes, as Probot's middleware compares it. */
function pathOf(url: string | undefined): string {
  const path = (url ?? "").split("?")[0] ?? "";
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
