import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Octokit } from "@octokit/rest";
import { Webhooks } from "@octokit/webhooks";
import { Probot, ProbotOctokit, createNodeMiddleware } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeGitHub } from "./support/fake-github/index.js";
import { createWebhookSender, startFakeGitHub } from "./support/fake-github/index.js";

const REPO = "acme/widgets";
const [owner, repo] = REPO.split("/") as [string, string];

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

let fake: FakeGitHub;
let octokit: Octokit;

beforeEach(async () => {
  fake = await startFakeGitHub();
  fake.addRepo({ owner, name: repo, private: true });
  octokit = new Octokit({ baseUrl: `${fake.url}/api/v3`, auth: fake.tokenFor({ installationId: 1 }), log: quiet });
});

afterEach(async () => {
  await fake.close();
});

function pushUpgrade(branch = "self-modify/add-cache", files: Record<string, string | null> = { "src/cache.ts": "export const cache = new Map();\n" }) {
  return fake.pushCommit({ repo: REPO, branch, message: "Add a cache\n\nMakes lookups faster.", files, author: "agent-bot" });
}

async function openUpgrade(branch = "self-modify/add-cache") {
  const head = pushUpgrade(branch);
  const { data } = await octokit.pulls.create({ owner, repo, title: "Add a cache", head: branch, base: "main", body: "why" });
  return { head, number: data.number };
}

describe("app authentication", () => {
  it("accepts a JWT for /app and mints installation tokens used for repo calls", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const app = new ProbotOctokit({
      baseUrl: `${fake.url}/api/v3`,
      auth: { appId: 1, privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(), installationId: 1 },
    });
    const { data: me } = await app.request("GET /app");
    expect(me).toMatchObject({ slug: "upgrade-queue", name: "Upgrade Queue" });
    const { data: r } = await app.rest.repos.get({ owner, repo });
    expect(r.full_name).toBe(REPO);
    const tokenCall = fake.requests.find((q) => q.path === "/api/v3/app/installations/1/access_tokens");
    expect(tokenCall?.method).toBe("POST");
    const listed = await app.request("GET /installation/repositories");
    expect(listed.data.repositories.map((x: { full_name: string }) => x.full_name)).toEqual([REPO]);
  });

  it("rejects unknown tokens and hides private repositories from anonymous callers", async () => {
    const bad = new Octokit({ baseUrl: `${fake.url}/api/v3`, auth: "ghs_nope", log: quiet });
    await expect(bad.repos.get({ owner, repo })).rejects.toMatchObject({ status: 401 });
    const anonymous = new Octokit({ baseUrl: `${fake.url}/api/v3`, log: quiet });
    await expect(anonymous.repos.get({ owner, repo })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.request("GET /nowhere")).rejects.toMatchObject({ status: 404 });
  });
});

describe("repositories and pull requests", () => {
  it("serves contents as base64 JSON and raw text, 404 when missing", async () => {
    fake.setConfig(REPO, "requiredApprovals: 2\n");
    const { data } = await octokit.repos.getContent({ owner, repo, path: ".github/upgrade-queue.yml" });
    expect(data).toMatchObject({ encoding: "base64", type: "file" });
    expect(Buffer.from((data as { content: string }).content, "base64").toString()).toBe("requiredApprovals: 2\n");
    const raw = await octokit.repos.getContent({ owner, repo, path: ".github/upgrade-queue.yml", mediaType: { format: "raw" } });
    expect(raw.data).toBe("requiredApprovals: 2\n");
    await expect(octokit.repos.getContent({ owner, repo, path: "missing.yml" })).rejects.toMatchObject({ status: 404 });
  });

  it("opens a PR from a pushed branch, lists its files and commits, refuses a duplicate", async () => {
    const { head, number } = await openUpgrade();
    const { data: pr } = await octokit.pulls.get({ owner, repo, pull_number: number });
    expect(pr).toMatchObject({ state: "open", merged: false, additions: 1, deletions: 0, changed_files: 1, commits: 1, draft: false });
    expect(pr.head).toMatchObject({ ref: "self-modify/add-cache", sha: head, repo: { full_name: REPO } });
    expect(pr.base.sha).toBe(fake.getBranchSha(REPO, "main"));
    expect(pr.user?.login).toBe(fake.botLogin);

    const { data: files } = await octokit.pulls.listFiles({ owner, repo, pull_number: number });
    expect(files).toEqual([
      expect.objectContaining({ filename: "src/cache.ts", status: "added", additions: 1, deletions: 0, changes: 1, patch: "@@ -0,0 +1 @@\n+export const cache = new Map();" }),
    ]);
    const { data: commits } = await octokit.pulls.listCommits({ owner, repo, pull_number: number });
    expect(commits[0]).toMatchObject({ sha: head, commit: { message: "Add a cache\n\nMakes lookups faster." }, author: { login: "agent-bot", type: "User" } });

    const duplicate = octokit.pulls.create({ owner, repo, title: "again", head: "self-modify/add-cache", base: "main" });
    await expect(duplicate).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [expect.objectContaining({ message: "A pull request already exists for acme:self-modify/add-cache." })] } },
    });

    const { data: open } = await octokit.pulls.list({ owner, repo, head: "acme:self-modify/add-cache", state: "open" });
    expect(open.map((p) => p.number)).toEqual([number]);
  });

  it("merges only the expected head sha, then refuses a second merge", async () => {
    const { head, number } = await openUpgrade();
    const before = fake.getBranchSha(REPO, "main");
    const wrong = octokit.pulls.merge({ owner, repo, pull_number: number, sha: before as string, merge_method: "squash" });
    await expect(wrong).rejects.toMatchObject({ status: 409, message: expect.stringContaining("Head branch was modified") });

    const { data } = await octokit.pulls.merge({ owner, repo, pull_number: number, sha: head, merge_method: "squash" });
    expect(data).toMatchObject({ merged: true });
    expect(fake.getBranchSha(REPO, "main")).toBe(data.sha);
    expect(fake.getFile(REPO, "src/cache.ts")).toBe("export const cache = new Map();\n");
    const { data: mergeCommit } = await octokit.git.getCommit({ owner, repo, commit_sha: data.sha });
    const { data: headCommit } = await octokit.git.getCommit({ owner, repo, commit_sha: head });
    expect(mergeCommit.tree.sha).toBe(headCommit.tree.sha);
    expect(mergeCommit.parents.map((p) => p.sha)).toEqual([before]);
    expect(fake.getPull(REPO, number)).toMatchObject({ merged: true, state: "closed", merge_commit_sha: data.sha, merged_by: { login: fake.botLogin } });

    await expect(octokit.pulls.merge({ owner, repo, pull_number: number, sha: head })).rejects.toMatchObject({ status: 405 });
  });

  it("moves refs only fast-forward unless forced, and restores an old tree with a new commit", async () => {
    const { head, number } = await openUpgrade();
    const previous = fake.getBranchSha(REPO, "main") as string;
    const { data: merged } = await octokit.pulls.merge({ owner, repo, pull_number: number, sha: head });
    const { data: old } = await octokit.git.getCommit({ owner, repo, commit_sha: previous });
    const { data: restore } = await octokit.git.createCommit({ owner, repo, message: "Roll back", tree: old.tree.sha, parents: [merged.sha] });
    await expect(octokit.git.updateRef({ owner, repo, ref: "heads/main", sha: previous })).rejects.toMatchObject({ status: 422 });
    await octokit.git.updateRef({ owner, repo, ref: "heads/main", sha: restore.sha });
    const { data: ref } = await octokit.git.getRef({ owner, repo, ref: "heads/main" });
    expect(ref).toMatchObject({ ref: "refs/heads/main", object: { sha: restore.sha, type: "commit" } });
    expect(fake.getFile(REPO, "src/cache.ts")).toBeUndefined();
    await octokit.git.deleteRef({ owner, repo, ref: "heads/self-modify/add-cache" });
    expect(fake.getBranchSha(REPO, "self-modify/add-cache")).toBeUndefined();
  });

  it("reverts a merged PR through the GraphQL revertPullRequest mutation", async () => {
    const { head, number } = await openUpgrade();
    await octokit.pulls.merge({ owner, repo, pull_number: number, sha: head });
    const { node_id } = fake.getPull(REPO, number);
    const result = await octokit.graphql<{ revertPullRequest: { revertPullRequest: { number: number; url: string } } }>(
      `mutation($id: ID!) { revertPullRequest(input: { pullRequestId: $id }) { revertPullRequest { number url } } }`,
      { id: node_id },
    );
    const revert = result.revertPullRequest.revertPullRequest;
    expect(revert.url).toBe(`${fake.url}/${REPO}/pull/${revert.number}`);
    const files = await octokit.pulls.listFiles({ owner, repo, pull_number: revert.number });
    expect(files.data).toEqual([expect.objectContaining({ filename: "src/cache.ts", status: "removed", deletions: 1 })]);
    await expect(octokit.graphql("query { viewer { login } }")).rejects.toThrow(/only the revertPullRequest/);
  });

  it("reports collaborator permission with GitHub's legacy folding and exact role_name", async () => {
    fake.setCollaborator(REPO, "mia", "maintain");
    fake.setUser("stranger", { type: "User" });
    const { data } = await octokit.repos.getCollaboratorPermissionLevel({ owner, repo, username: "mia" });
    expect(data).toMatchObject({ permission: "write", role_name: "maintain", user: { login: "mia" } });
    const none = await octokit.repos.getCollaboratorPermissionLevel({ owner, repo, username: "stranger" });
    expect(none.data.permission).toBe("none");
    await expect(octokit.repos.getCollaboratorPermissionLevel({ owner, repo, username: "ghost-404" })).rejects.toMatchObject({ status: 404 });
  });
});

describe("checks, statuses and labels", () => {
  it("records the app's check runs and CI's runs and statuses", async () => {
    const { head } = await openUpgrade();
    const { data: run } = await octokit.checks.create({ owner, repo, name: "Upgrade Queue", head_sha: head, status: "in_progress", output: { title: "Waiting", summary: "0/1 approvals" } });
    await octokit.checks.update({ owner, repo, check_run_id: run.id, conclusion: "neutral", output: { title: "Done", summary: "ok" } });
    fake.completeCheckRun({ repo: REPO, sha: head, name: "test", conclusion: "success" });
    fake.setStatus({ repo: REPO, sha: head, context: "ci/lint", state: "pending" });
    fake.setStatus({ repo: REPO, sha: head, context: "ci/lint", state: "success" });

    const { data: runs } = await octokit.checks.listForRef({ owner, repo, ref: head });
    expect(runs.total_count).toBe(2);
    expect(runs.check_runs.map((r) => [r.name, r.status, r.conclusion, r.app?.slug])).toEqual(
      expect.arrayContaining([["Upgrade Queue", "completed", "neutral", "upgrade-queue"], ["test", "completed", "success", "ci"]]),
    );
    const { data: combined } = await octokit.repos.getCombinedStatusForRef({ owner, repo, ref: head });
    expect(combined).toMatchObject({ state: "success", statuses: [expect.objectContaining({ context: "ci/lint", state: "success" })] });
    expect(fake.checkRunsFor(REPO, head).find((r) => r.name === "Upgrade Queue")?.output.summary).toBe("ok");
  });

  it("adds, lists, replaces and removes labels like GitHub", async () => {
    const { number } = await openUpgrade();
    await octokit.issues.createLabel({ owner, repo, name: "upgrade:proposed", color: "fbca04" });
    await expect(octokit.issues.createLabel({ owner, repo, name: "upgrade:proposed", color: "fbca04" })).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [expect.objectContaining({ code: "already_exists" })] } },
    });
    await octokit.issues.addLabels({ owner, repo, issue_number: number, labels: ["upgrade:proposed"] });
    expect(fake.labelsOf(REPO, number)).toEqual(["upgrade:proposed"]);
    await octokit.issues.setLabels({ owner, repo, issue_number: number, labels: ["upgrade:approved"] });
    expect(fake.labelsOf(REPO, number)).toEqual(["upgrade:approved"]);
    await expect(octokit.issues.removeLabel({ owner, repo, issue_number: number, name: "upgrade:proposed" })).rejects.toMatchObject({ status: 404 });
    await octokit.issues.removeLabel({ owner, repo, issue_number: number, name: "upgrade:approved" });
    expect(fake.labelsOf(REPO, number)).toEqual([]);
    const { data: label } = await octokit.issues.getLabel({ owner, repo, name: "upgrade:approved" });
    expect(label.color).toBe("ededed");

    await octokit.issues.createComment({ owner, repo, issue_number: number, body: "Proposed." });
    expect(fake.commentsOf(REPO, number).map((c) => [c.user.login, c.body])).toEqual([[fake.botLogin, "Proposed."]]);
  });
});

describe("fault injection and request log", () => {
  it("answers the merge with 500 twice, then merges normally", async () => {
    const { head, number } = await openUpgrade();
    fake.clearRequests();
    fake.failNext("PUT", `/repos/${REPO}/pulls/${number}/merge`, [{ status: 500, body: { message: "boom" } }, { status: 500 }]);
    const merge = () => octokit.pulls.merge({ owner, repo, pull_number: number, sha: head });
    await expect(merge()).rejects.toMatchObject({ status: 500 });
    await expect(merge()).rejects.toMatchObject({ status: 500 });
    await expect(merge()).resolves.toMatchObject({ status: 200, data: { merged: true } });
    expect(fake.requests.map((r) => [r.method, r.path, r.body])).toEqual(
      Array(3).fill(["PUT", `/api/v3/repos/${REPO}/pulls/${number}/merge`, { sha: head }]),
    );
    const response = await octokit.repos.get({ owner, repo });
    expect(Number(response.headers["x-ratelimit-remaining"])).toBeGreaterThan(0);
  });
});

describe("OAuth web flow", () => {
  it("redirects with a code that exchanges for a user token", async () => {
    fake.setOAuthUser("mia");
    fake.setCollaborator(REPO, "mia", "write");
    const authorize = new URL(`${fake.url}/login/oauth/authorize`);
    authorize.search = new URLSearchParams({ client_id: fake.clientId, redirect_uri: "http://localhost:3000/self-modify/callback", state: "xyz" }).toString();
    const redirect = await fetch(authorize, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    const location = new URL(redirect.headers.get("location") as string);
    expect(location.pathname).toBe("/self-modify/callback");
    expect(location.searchParams.get("state")).toBe("xyz");

    const exchange = await fetch(`${fake.url}/login/oauth/access_token`, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: fake.clientId, client_secret: fake.clientSecret, code: location.searchParams.get("code") as string }),
    });
    const { access_token } = (await exchange.json()) as { access_token: string };
    expect(access_token).toMatch(/^ghu_/);

    const user = new Octokit({ baseUrl: `${fake.url}/api/v3`, auth: access_token, log: quiet });
    expect((await user.users.getAuthenticated()).data.login).toBe("mia");
    const { data: r } = await user.repos.get({ owner, repo });
    expect(r.permissions).toEqual({ admin: false, maintain: false, push: true, triage: true, pull: true });
    const { data: installs } = await user.apps.listInstallationsForAuthenticatedUser();
    expect(installs.installations.map((i) => i.id)).toEqual([1]);
    const { data: repos } = await user.apps.listInstallationReposForAuthenticatedUser({ installation_id: 1 });
    expect(repos.repositories.map((x) => x.full_name)).toEqual([REPO]);

    const reused = await fetch(`${fake.url}/login/oauth/access_token`, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/json" },
      body: JSON.stringify({ client_id: fake.clientId, client_secret: fake.clientSecret, code: location.searchParams.get("code") }),
    });
    expect(await reused.json()).toMatchObject({ error: "bad_verification_code" });
  });
});

describe("webhooks", () => {
  it("signs deliveries so that @octokit/webhooks verifies them, with GitHub-shaped payloads", async () => {
    const received: Array<{ headers: Record<string, unknown>; body: string }> = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const head = pushUpgrade();
      const sender = createWebhookSender({ url: `http://127.0.0.1:${port}/api/github/webhooks`, secret: "s3cret" });
      const push = fake.payloads.push(REPO, "self-modify/add-cache");
      const result = await sender.send("push", push, { deliveryId: "d-1" });
      expect(result).toMatchObject({ status: 200, body: "ok" });
      const delivery = received[0]!;
      expect(delivery.headers).toMatchObject({ "x-github-event": "push", "x-github-delivery": "d-1", "content-type": "application/json" });
      const webhooks = new Webhooks({ secret: "s3cret" });
      expect(await webhooks.verify(delivery.body, delivery.headers["x-hub-signature-256"] as string)).toBe(true);
      expect(await new Webhooks({ secret: "other" }).verify(delivery.body, delivery.headers["x-hub-signature-256"] as string)).toBe(false);

      expect(push).toMatchObject({
        ref: "refs/heads/self-modify/add-cache",
        after: head,
        created: true,
        deleted: false,
        head_commit: { id: head, message: "Add a cache\n\nMakes lookups faster.", author: { username: "agent-bot" } },
        pusher: { name: "agent-bot" },
        sender: { login: "agent-bot" },
        installation: { id: 1 },
        repository: { full_name: REPO, name: repo, owner: { login: owner }, private: true, default_branch: "main" },
      });
    } finally {
      server.close();
    }
  });

  it("builds review, comment and label payloads that also change the fake's state", async () => {
    const { number, head } = await openUpgrade();
    const review = fake.payloads.review(REPO, number, "mia", "approved");
    expect(review).toMatchObject({ action: "submitted", review: { state: "approved", commit_id: head, user: { login: "mia" } }, pull_request: { number } });
    const comment = fake.payloads.issueComment("created", REPO, number, "mia", "/approve");
    expect(comment).toMatchObject({ action: "created", issue: { number, pull_request: expect.any(Object) }, comment: { body: "/approve" } });
    expect(fake.commentsOf(REPO, number).map((c) => c.body)).toEqual(["/approve"]);
    const label = fake.payloads.label("labeled", REPO, number, "mia", "upgrade:approved");
    expect(label).toMatchObject({ action: "labeled", label: { name: "upgrade:approved" } });
    expect(fake.labelsOf(REPO, number)).toEqual(["upgrade:approved"]);
    const run = fake.completeCheckRun({ repo: REPO, sha: head, name: "test", conclusion: "failure" });
    expect(fake.payloads.checkRun("completed", REPO, run.id)).toMatchObject({
      check_run: { id: run.id, conclusion: "failure", app: { slug: "ci" }, pull_requests: [expect.objectContaining({ number })] },
    });
    expect(fake.payloads.status(REPO, head, "ci/lint", "success")).toMatchObject({ sha: head, context: "ci/lint", state: "success" });
    expect(fake.payloads.checkSuite(REPO, head, "failure")).toMatchObject({ check_suite: { head_sha: head, conclusion: "failure" } });
    for (const p of [review, comment, label]) expect(p).toMatchObject({ installation: { id: 1 }, repository: { id: expect.any(Number), full_name: REPO } });
  });
});

describe("a Probot app against the fake", () => {
  it("receives a signed push and answers through REST and GraphQL with an installation token", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const probot = new Probot({
      appId: 1,
      privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
      secret: "s3cret",
      baseUrl: `${fake.url}/api/v3`,
      logLevel: "fatal",
    });
    const seen: string[] = [];
    const middleware = await createNodeMiddleware(
      (app) => {
        app.on("push", async (context) => {
          const branch = context.payload.ref.replace("refs/heads/", "");
          const { data } = await context.octokit.rest.pulls.create(context.repo({ title: "From push", head: branch, base: "main" }));
          const all = await context.octokit.paginate(context.octokit.rest.pulls.list, context.repo({ state: "all" as const, per_page: 1 }));
          seen.push(`${data.number}:${all.length}`);
        });
      },
      { probot },
    );
    const server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      await openUpgrade("self-modify/first");
      pushUpgrade("self-modify/second", { "b.txt": "b\n" });
      const sender = createWebhookSender({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`, secret: "s3cret" });
      const result = await sender.send("push", fake.payloads.push(REPO, "self-modify/second"));
      expect(result.status).toBe(200);
      expect(seen).toEqual(["2:2"]);
      const pageCalls = fake.requests.filter((r) => r.path.startsWith(`/api/v3/repos/${REPO}/pulls?`));
      expect(pageCalls.map((r) => new URL(r.path, fake.url).searchParams.get("page"))).toEqual([null, "2"]);
      const gql = await probot.auth(1);
      const { node_id } = fake.getPull(REPO, 1);
      await gql.rest.pulls.merge({ owner, repo, pull_number: 1 });
      const reverted = await gql.graphql<{ revertPullRequest: { revertPullRequest: { number: number } } }>(
        `mutation($id: ID!, $title: String!, $body: String!) { revertPullRequest(input: { pullRequestId: $id, title: $title, body: $body }) { revertPullRequest { number url } } }`,
        { id: node_id, title: "Roll back #1", body: "because" },
      );
      expect(fake.getPull(REPO, reverted.revertPullRequest.revertPullRequest.number)).toMatchObject({ title: "Roll back #1", body: "because" });
      expect(fake.requests.some((r) => r.path === "/api/graphql")).toBe(true);
    } finally {
      server.close();
    }
  });
});

describe("automatic webhook delivery", () => {
  it("sends the events GitHub would send for API writes, in order, signed", async () => {
    const received: Array<{ event: string; action: unknown; sender: unknown; valid: boolean }> = [];
    const webhooks = new Webhooks({ secret: "s3cret" });
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", async () => {
        const payload = JSON.parse(body) as { action?: string; sender: { login: string } };
        const valid = await webhooks.verify(body, req.headers["x-hub-signature-256"] as string);
        received.push({ event: req.headers["x-github-event"] as string, action: payload.action, sender: payload.sender.login, valid });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      fake.autoDeliver({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, secret: "s3cret" });
      const { head, number } = await openUpgrade();
      await octokit.issues.addLabels({ owner, repo, issue_number: number, labels: ["upgrade:proposed"] });
      await octokit.checks.create({ owner, repo, name: "Upgrade Queue", head_sha: head, status: "in_progress" });
      await octokit.pulls.merge({ owner, repo, pull_number: number, sha: head });
      await fake.settleDeliveries();
      expect(received.map((r) => [r.event, r.action ?? null])).toEqual([
        ["pull_request", "opened"],
        ["pull_request", "labeled"],
        ["check_run", "created"],
        ["pull_request", "closed"],
        ["push", null],
      ]);
      expect(received.every((r) => r.valid && r.sender === fake.botLogin)).toBe(true);
      expect(fake.deliveries.map((d) => d.status)).toEqual([202, 202, 202, 202, 202]);
    } finally {
      fake.autoDeliver(null);
      server.close();
    }
  });
});
