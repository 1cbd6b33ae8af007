/**
 * The physical ceiling: a node:http server that reads the body, verifies the signature with
 * `@octokit/webhooks-methods` (what Probot uses) and answers 200. No parsing, no framework.
 * PORT, HOST and WEBHOOK_SECRET as for the app.
 */
import { createServer } from "node:http";
import { verify } from "@octokit/webhooks-methods";

const secret = process.env.WEBHOOK_SECRET ?? "";
const server = createServer((req, res) => {
  if (req.method === "GET") {
    res.writeHead(200).end("ok");
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const signature = String(req.headers["x-hub-signature-256"] ?? "");
    verify(secret, Buffer.concat(chunks).toString("utf8"), signature).then(
      (ok) => res.writeHead(ok ? 200 : 400).end(ok ? "ok" : "bad signature"),
      () => res.writeHead(400).end("bad signature"),
    );
  });
});
server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? "127.0.0.1");
process.once("SIGTERM", () => server.close(() => process.exit(0)));
