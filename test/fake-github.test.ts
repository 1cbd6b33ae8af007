import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Octokit } from "@octokit/rest";
import { Webhooks } from "@octokit/webhooks";
import { Probot, ProbotOctokit, createNodeMiddleware } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeGitHub } from "./support/fake-github/index.js";
import { MERGE_QUEUE_BOT, createWebhookSender, graphqlOperation, startFakeGitHub } from "./support/fake-github/index.js";

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

  it("reopens a closed PR as GitHub does: not while another open PR has its branch, not once the branch was recreated; onto a fast-forward, yes", async () => {
    const { number: first } = await openUpgrade();
    await octokit.pulls.update({ owner, repo, pull_number: first, state: "closed" });
    const { data: second } = await octokit.pulls.create({ owner, repo, title: "Again", head: "self-modify/add-cache", base: "main" });
    await expect(octokit.pulls.update({ owner, repo, pull_number: first, state: "open" })).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [expect.objectContaining({ message: "A pull request already exists for acme:self-modify/add-cache." })] } },
    });
    await octokit.pulls.update({ owner, repo, pull_number: second.number, state: "closed" });
    await octokit.git.deleteRef({ owner, repo, ref: "heads/self-modify/add-cache" });
    pushUpgrade("self-modify/add-cache", { "src/other.ts": "export const other = 1;\n" });
    await expect(octokit.pulls.update({ owner, repo, pull_number: first, state: "open" })).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [expect.objectContaining({ message: expect.stringContaining("force-pushed or recreated") })] } },
    });
    const { number: third } = await openUpgrade("self-modify/ff");
    await octokit.pulls.update({ owner, repo, pull_number: third, state: "closed" });
    const tip = pushUpgrade("self-modify/ff", { "src/more.ts": "export const more = 2;\n" });
    await octokit.pulls.update({ owner, repo, pull_number: third, state: "open" });
    expect(fake.getPull(REPO, third)).toMatchObject({ state: "open", head: { sha: tip } });
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
    await expect(octokit.graphql("query { viewer { login } }")).rejects.toThrow(/Field 'viewer' doesn't exist on type 'Query'/);
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

/** The app's read (src/github/read-pull.ts), verbatim: the fake must answer it as GitHub does. */
const READ_PULL = `query UpgradeQueuePull($owner: String!, $repo: String!, $number: Int!, $reviews: Boolean!, $after: String) {
  repository(owner: $owner, name: $repo) {
    deleteBranchOnMerge
    pullRequest(number: $number) {
      id number title body state merged url updatedAt additions deletions
      mergedBy { login }
      mergeCommit { oid }
      author { login }
      headRefName headRefOid headRepository { nameWithOwner }
      baseRefName
      labels(first: 100) { nodes { name } }
      reviews(last: 100) @include(if: $reviews) {
        nodes { databaseId state authorCanPushToRepository author { login } commit { oid } }
      }
      commits(last: 1) {
        nodes { commit { oid statusCheckRollup { contexts(first: 100, after: $after) {
          pageInfo { hasNextPage endCursor }
          nodes {
            __typename
            ... on CheckRun { databaseId name status conclusion url detailsUrl startedAt checkSuite { app { databaseId } } }
            ... on StatusContext { context state targetUrl createdAt }
          }
        } } } }
      }
    }
  }
}`;

const MERGE = `mutation UpgradeQueueMerge($input: MergePullRequestInput!) {
  mergePullRequest(input: $input) { pullRequest { merged mergeCommit { oid parents(first: 1) { nodes { oid } } } } }
}`;

interface Contexts {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: Array<{ name?: string; context?: string }>;
}

interface ReadAnswer {
  repository: {
    deleteBranchOnMerge: boolean;
    pullRequest: {
      merged: boolean;
      headRefOid: string;
      reviews?: unknown;
      commits: { nodes: Array<{ commit: { statusCheckRollup: { contexts: Contexts } | null } }> };
    };
  };
}

/** A raw GraphQL answer: `data` and `errors` as sent, or a REST-style error body. */
interface RawAnswer {
  data?: { mergePullRequest?: { pullRequest: { merged: boolean } } | null } | null;
  errors?: Array<Record<string, unknown>>;
  message?: string;
}

/** POST /api/graphql as it is, to see HTTP status, `data` and `errors` together. */
async function graphql(query: string, variables: Record<string, unknown>, token: string | null = fake.tokenFor({ installationId: 1 })) {
  const response = await fetch(`${fake.url}/api/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `token ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as RawAnswer };
}

const readPull = (number: number, opts: { reviews?: boolean; after?: string | null } = {}) =>
  octokit.graphql<ReadAnswer>(READ_PULL, { owner, repo, number, reviews: opts.reviews ?? false, after: opts.after ?? null });

const contextsOf = (data: ReadAnswer) => data.repository.pullRequest.commits.nodes[0]?.commit.statusCheckRollup?.contexts as Contexts;

/** An in-memory webhook sender: what auto-delivery sent, in order. */
function recordDeliveries() {
  const sent: Array<{ event: string; payload: Record<string, unknown> }> = [];
  fake.autoDeliver({ send: async (event, payload) => (sent.push({ event, payload: payload as Record<string, unknown> }), { status: 200, body: "", deliveryId: String(sent.length) }) });
  return sent;
}

describe("GraphQL: the UpgradeQueuePull read", () => {
  it("answers exactly the fields asked, from the state (null rollup without checks)", async () => {
    const { head, number } = await openUpgrade();
    await octokit.issues.addLabels({ owner, repo, issue_number: number, labels: ["upgrade:proposed"] });
    const rest = fake.getPull(REPO, number);
    const data = await readPull(number);
    expect(data).toStrictEqual({
      repository: {
        deleteBranchOnMerge: false,
        pullRequest: {
          id: rest.node_id,
          number,
          title: "Add a cache",
          body: "why",
          state: "OPEN",
          merged: false,
          url: `${fake.url}/${REPO}/pull/${number}`,
          updatedAt: rest.updated_at,
          additions: 1,
          deletions: 0,
          mergedBy: null,
          mergeCommit: null,
          // GraphQL names bots without the `[bot]` REST shows.
          author: { login: "upgrade-queue" },
          headRefName: "self-modify/add-cache",
          headRefOid: head,
          headRepository: { nameWithOwner: REPO },
          baseRefName: "main",
          labels: { nodes: [{ name: "upgrade:proposed" }] },
          commits: { nodes: [{ commit: { oid: head, statusCheckRollup: null } }] },
        },
      },
    });

    const { data: merged } = await octokit.pulls.merge({ owner, repo, pull_number: number, sha: head });
    const after = (await readPull(number)).repository.pullRequest;
    expect(after).toMatchObject({ state: "MERGED", merged: true, mergedBy: { login: "upgrade-queue" }, mergeCommit: { oid: merged.sha }, headRefOid: head });
  });

  it("freezes headRefOid when the PR is closed, as REST's head.sha", async () => {
    const { head, number } = await openUpgrade();
    await octokit.pulls.update({ owner, repo, pull_number: number, state: "closed" });
    pushUpgrade("self-modify/add-cache", { "src/more.ts": "more\n" });
    expect((await readPull(number)).repository.pullRequest).toMatchObject({ state: "CLOSED", merged: false, headRefOid: head });
    expect(fake.getPull(REPO, number).head.sha).toBe(head);
  });

  it("rolls up the latest check run per (app, name) and the latest status per context", async () => {
    const { head, number } = await openUpgrade();
    fake.completeCheckRun({ repo: REPO, sha: head, name: "test", conclusion: "failure" });
    const { data: own } = await octokit.checks.create({ owner, repo, name: "Upgrade Queue", head_sha: head, status: "in_progress" });
    const rerun = fake.completeCheckRun({ repo: REPO, sha: head, name: "test", conclusion: "success" });
    fake.setStatus({ repo: REPO, sha: head, context: "ci/lint", state: "pending" });
    fake.setStatus({ repo: REPO, sha: head, context: "ci/docs", state: "error", targetUrl: "http://ci.example/docs" });
    fake.setStatus({ repo: REPO, sha: head, context: "ci/lint", state: "success", targetUrl: "http://ci.example/lint" });
    const statuses = (await octokit.repos.listCommitStatusesForRef({ owner, repo, ref: head })).data;
    const createdAt = (context: string) => statuses.find((s) => s.context === context)?.created_at;

    const contexts = contextsOf(await readPull(number));
    expect(contexts.pageInfo).toEqual({ hasNextPage: false, endCursor: expect.any(String) });
    expect(contexts.nodes).toStrictEqual([
      {
        __typename: "CheckRun",
        databaseId: own.id,
        name: "Upgrade Queue",
        status: "IN_PROGRESS",
        conclusion: null,
        url: `${fake.url}/${REPO}/runs/${own.id}`,
        detailsUrl: null,
        startedAt: own.started_at,
        checkSuite: { app: { databaseId: fake.appId } },
      },
      {
        __typename: "CheckRun",
        databaseId: rerun.id,
        name: "test",
        status: "COMPLETED",
        conclusion: "SUCCESS",
        url: `${fake.url}/${REPO}/runs/${rerun.id}`,
        detailsUrl: `${fake.url}/ci/test`,
        startedAt: rerun.started_at,
        checkSuite: { app: { databaseId: fake.ciAppId } },
      },
      { __typename: "StatusContext", context: "ci/docs", state: "ERROR", targetUrl: "http://ci.example/docs", createdAt: createdAt("ci/docs") },
      { __typename: "StatusContext", context: "ci/lint", state: "SUCCESS", targetUrl: "http://ci.example/lint", createdAt: createdAt("ci/lint") },
    ]);
    expect(fake.ciAppId).toBe(15368);
  });

  it("pages a rollup of more than 100 contexts with opaque cursors, at most 100 a page", async () => {
    const { head, number } = await openUpgrade();
    for (let i = 0; i < 150; i += 1) fake.completeCheckRun({ repo: REPO, sha: head, name: `check-${i}`, conclusion: "success" });
    fake.setStatus({ repo: REPO, sha: head, context: "ci/a", state: "success" });
    fake.setStatus({ repo: REPO, sha: head, context: "ci/b", state: "pending" });

    const first = contextsOf(await readPull(number));
    expect(first.nodes).toHaveLength(100);
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(first.pageInfo.endCursor).not.toMatch(/^\d+$/);
    const second = contextsOf(await readPull(number, { after: first.pageInfo.endCursor }));
    expect(second.nodes).toHaveLength(52);
    expect(second.pageInfo.hasNextPage).toBe(false);
    const names = [...first.nodes, ...second.nodes].map((n) => n.name ?? n.context);
    expect(new Set(names).size).toBe(152);
    expect(names.slice(-2)).toEqual(["ci/a", "ci/b"]);

    const tooMany = await graphql(`query { repository(owner: "${owner}", name: "${repo}") { pullRequest(number: ${number}) { commits(last: 1) { nodes { commit { statusCheckRollup { contexts(first: 101) { nodes { __typename } } } } } } } } }`, {});
    expect(tooMany.body.errors).toEqual([expect.objectContaining({ type: "EXCESSIVE_PAGINATION", message: "Requesting 101 records on the `contexts` connection exceeds the `first` limit of 100 records." })]);
    const badCursor = await graphql(READ_PULL, { owner, repo, number, reviews: false, after: "nope" });
    expect(badCursor.body.errors).toEqual([expect.objectContaining({ type: "INVALID_CURSOR_ARGUMENTS" })]);
  });

  it("includes reviews only when $reviews is true, with authorCanPushToRepository from the role", async () => {
    const { head, number } = await openUpgrade();
    fake.setCollaborator(REPO, "mia", "write");
    fake.setCollaborator(REPO, "tom", "triage");
    fake.payloads.review(REPO, number, "mia", "approved");
    fake.payloads.review(REPO, number, "tom", "commented");
    const ids = fake.reviewsOf(REPO, number).map((r) => r.id);

    expect((await readPull(number)).repository.pullRequest).not.toHaveProperty("reviews");
    expect((await readPull(number, { reviews: true })).repository.pullRequest.reviews).toStrictEqual({
      nodes: [
        { databaseId: ids[0], state: "APPROVED", authorCanPushToRepository: true, author: { login: "mia" }, commit: { oid: head } },
        { databaseId: ids[1], state: "COMMENTED", authorCanPushToRepository: false, author: { login: "tom" }, commit: { oid: head } },
      ],
    });
  });

  it("answers NOT_FOUND for an unknown PR or a repository the caller cannot see, 401 without a token", async () => {
    await openUpgrade();
    const vars = { owner, repo, number: 99, reviews: false, after: null };
    const missing = await graphql(READ_PULL, vars);
    expect(missing.status).toBe(200);
    expect(missing.body).toEqual({
      data: { repository: { deleteBranchOnMerge: false, pullRequest: null } },
      errors: [expect.objectContaining({ type: "NOT_FOUND", path: ["repository", "pullRequest"], message: "Could not resolve to a PullRequest with the number of 99." })],
    });
    fake.addRepo({ owner: "other", name: "thing", installationId: 2 });
    fake.setUser("stranger", { type: "User" });
    for (const [variables, token] of [
      [{ ...vars, owner: "acme", repo: "nope" }, undefined],
      [{ ...vars, owner: "other", repo: "thing", number: 1 }, undefined],
      [{ ...vars, number: 1 }, fake.tokenFor({ login: "stranger" })],
    ] as const) {
      const { body } = await graphql(READ_PULL, variables, token);
      expect(body).toEqual({
        data: { repository: null },
        errors: [expect.objectContaining({ type: "NOT_FOUND", path: ["repository"], message: `Could not resolve to a Repository with the name '${variables.owner}/${variables.repo}'.` })],
      });
    }
    expect((await graphql(READ_PULL, vars, null)).status).toBe(401);
  });
});

describe("GraphQL: documents", () => {
  it("answers aliases, named and inline fragments, @skip, and refuses fields the fake does not model", async () => {
    const { head, number } = await openUpgrade();
    const query = `query Pick($n: Int!, $skipTitle: Boolean = true) {
      repo: repository(owner: "acme", name: "widgets") {
        pr: pullRequest(number: $n) { ...Heads title @skip(if: $skipTitle) ... on PullRequest { __typename n: number } }
      }
    }
    fragment Heads on PullRequest { headRefOid baseRefName }`;
    expect((await graphql(query, { n: number })).body).toStrictEqual({
      data: { repo: { pr: { headRefOid: head, baseRefName: "main", __typename: "PullRequest", n: number } } },
    });
    const unknown = await graphql(`query { repository(owner: "acme", name: "widgets") { stargazerCount } }`, {});
    expect(unknown).toMatchObject({ status: 200, body: { errors: [{ message: "Field 'stargazerCount' doesn't exist on type 'Repository'" }] } });
    expect(unknown.body).not.toHaveProperty("data");
    expect((await graphql("query { repository(", {})).body.errors?.[0]?.message).toMatch(/^Parse error/);
  });
});

describe("deleteBranchOnMerge", () => {
  it("is set through PATCH /repos (admins and the app) and deletes a merged PR's head branch, delivering the push", async () => {
    const { head, number } = await openUpgrade();
    fake.setCollaborator(REPO, "mia", "write");
    const mia = new Octokit({ baseUrl: `${fake.url}/api/v3`, auth: fake.tokenFor({ login: "mia" }), log: quiet });
    await expect(mia.repos.update({ owner, repo, delete_branch_on_merge: true })).rejects.toMatchObject({ status: 403 });
    const admin = new Octokit({ baseUrl: `${fake.url}/api/v3`, auth: fake.tokenFor({ login: owner }), log: quiet });
    expect((await admin.repos.update({ owner, repo, delete_branch_on_merge: true })).data.delete_branch_on_merge).toBe(true);
    expect((await octokit.repos.update({ owner, repo, delete_branch_on_merge: false })).data.delete_branch_on_merge).toBe(false);
    await octokit.repos.update({ owner, repo, delete_branch_on_merge: true });
    expect((await octokit.repos.get({ owner, repo })).data.delete_branch_on_merge).toBe(true);
    expect((await readPull(number)).repository.deleteBranchOnMerge).toBe(true);

    const sent = recordDeliveries();
    await octokit.pulls.merge({ owner, repo, pull_number: number, sha: head });
    await fake.settleDeliveries();
    expect(fake.getBranchSha(REPO, "self-modify/add-cache")).toBeUndefined();
    expect(sent.map((d) => [d.event, d.payload.action ?? d.payload.ref])).toEqual([
      ["pull_request", "closed"],
      ["push", "refs/heads/main"],
      ["push", "refs/heads/self-modify/add-cache"],
    ]);
    expect(sent[2]?.payload).toMatchObject({ deleted: true, before: head, after: "0000000000000000000000000000000000000000" });
    expect((await readPull(number)).repository.pullRequest.headRefOid).toBe(head);
  });

  it("is an addRepo option and fake.setRepoSettings; off, the branch stays", async () => {
    fake.addRepo({ owner, name: "gadgets", deleteBranchOnMerge: true });
    expect((await octokit.repos.get({ owner, repo: "gadgets" })).data.delete_branch_on_merge).toBe(true);
    const { head, number } = await openUpgrade();
    fake.setRepoSettings(REPO, { deleteBranchOnMerge: true });
    fake.setRepoSettings(REPO, { deleteBranchOnMerge: false });
    await octokit.pulls.merge({ owner, repo, pull_number: number, sha: head });
    expect(fake.getBranchSha(REPO, "self-modify/add-cache")).toBe(head);
  });
});

describe("GraphQL: the UpgradeQueueMerge mutation", () => {
  it("merges as REST does: merge commit on the base head, webhooks, head branch deleted", async () => {
    const { head, number } = await openUpgrade();
    fake.setRepoSettings(REPO, { deleteBranchOnMerge: true });
    const before = fake.getBranchSha(REPO, "main");
    const sent = recordDeliveries();
    const { status, body } = await graphql(MERGE, {
      input: { pullRequestId: fake.getPull(REPO, number).node_id, expectedHeadOid: head, mergeMethod: "SQUASH", commitHeadline: "Add a cache (#1)" },
    });
    await fake.settleDeliveries();
    const tip = fake.getBranchSha(REPO, "main");
    expect(status).toBe(200);
    expect(body).toStrictEqual({ data: { mergePullRequest: { pullRequest: { merged: true, mergeCommit: { oid: tip, parents: { nodes: [{ oid: before }] } } } } } });
    expect(fake.getPull(REPO, number)).toMatchObject({ merged: true, merge_commit_sha: tip, merged_by: { login: fake.botLogin } });
    expect((await octokit.git.getCommit({ owner, repo, commit_sha: tip as string })).data.message).toMatch(/^Add a cache \(#1\)\n/);
    expect(fake.getBranchSha(REPO, "self-modify/add-cache")).toBeUndefined();
    expect(sent.map((d) => [d.event, d.payload.action ?? d.payload.ref, d.payload.deleted ?? null])).toEqual([
      ["pull_request", "closed", null],
      ["push", "refs/heads/main", false],
      ["push", "refs/heads/self-modify/add-cache", true],
    ]);
  });

  it("answers GitHub's errors with HTTP 200: modified head, conflicts, merged, closed, unknown id", async () => {
    const { head, number } = await openUpgrade();
    const id = fake.getPull(REPO, number).node_id;
    const merge = (input: Record<string, unknown>) => graphql(MERGE, { input: { pullRequestId: id, ...input } });
    const refusal = (message: string, type = "UNPROCESSABLE") => ({
      data: { mergePullRequest: null },
      errors: [expect.objectContaining({ type, path: ["mergePullRequest"], message })],
    });

    expect(await merge({ expectedHeadOid: fake.getBranchSha(REPO, "main") })).toEqual({ status: 200, body: refusal("Head branch was modified. Review and try the merge again.") });

    const conflict = await openUpgrade("self-modify/readme");
    pushUpgrade("self-modify/readme", { "README.md": "theirs\n" });
    fake.pushCommit({ repo: REPO, branch: "main", message: "Edit README", files: { "README.md": "ours\n" } });
    const conflictId = fake.getPull(REPO, conflict.number).node_id;
    expect((await graphql(MERGE, { input: { pullRequestId: conflictId } })).body).toEqual(refusal("Pull Request is not mergeable"));

    await octokit.pulls.update({ owner, repo, pull_number: conflict.number, state: "closed" });
    expect((await graphql(MERGE, { input: { pullRequestId: conflictId } })).body).toEqual(refusal("Pull Request is not mergeable"));

    expect((await merge({ expectedHeadOid: head })).body.data?.mergePullRequest?.pullRequest.merged).toBe(true);
    expect((await merge({ expectedHeadOid: head })).body).toEqual(refusal("Pull Request is not mergeable"));
    const other = await openUpgrade("self-modify/other");
    const otherId = fake.getPull(REPO, other.number).node_id;
    fake.setCollaborator(REPO, "tom", "triage");
    expect((await graphql(MERGE, { input: { pullRequestId: otherId } }, fake.tokenFor({ login: "tom" }))).body).toEqual(
      refusal("tom does not have the correct permissions to execute `MergePullRequest`", "FORBIDDEN"),
    );
    const inline = `mutation($id: ID!, $sha: GitObjectID) { mergePullRequest(input: { pullRequestId: $id, expectedHeadOid: $sha, mergeMethod: REBASE }) { pullRequest { state } } }`;
    expect((await graphql(inline, { id: otherId, sha: other.head })).body).toStrictEqual({ data: { mergePullRequest: { pullRequest: { state: "MERGED" } } } });
    expect((await graphql(MERGE, { input: { pullRequestId: "PR_nope" } })).body).toEqual({
      data: { mergePullRequest: null },
      errors: [expect.objectContaining({ type: "NOT_FOUND", message: "Could not resolve to a node with the global id of 'PR_nope'" })],
    });
  });
});

describe("GraphQL faults", () => {
  it("fails one operation by name (graphqlOperation), by path or by RegExp, and logs operation names", async () => {
    const { head, number } = await openUpgrade();
    fake.clearRequests();
    fake.failNext("POST", graphqlOperation("UpgradeQueueMerge"), [{ status: 502, body: { message: "Bad gateway" } }]);
    expect((await graphql(READ_PULL, { owner, repo, number, reviews: false, after: null })).status).toBe(200);
    const input = { pullRequestId: fake.getPull(REPO, number).node_id, expectedHeadOid: head };
    expect(await graphql(MERGE, { input })).toEqual({ status: 502, body: { message: "Bad gateway" } });
    expect(fake.getPull(REPO, number).merged).toBe(false);
    expect((await graphql(MERGE, { input })).body.data?.mergePullRequest?.pullRequest.merged).toBe(true);
    expect(fake.requests.map((r) => [r.path, r.operationName, r.status])).toEqual([
      ["/api/graphql", "UpgradeQueuePull", 200],
      ["/api/graphql", "UpgradeQueueMerge", 502],
      ["/api/graphql", "UpgradeQueueMerge", 200],
    ]);

    fake.failNext("POST", "/api/graphql", [{ status: 500 }]);
    fake.failNext("POST", /graphql/, [{ dropConnection: true }]);
    await expect(readPull(number)).rejects.toMatchObject({ status: 500 });
    await expect(readPull(number)).rejects.toThrow();
    expect((await readPull(number)).repository.pullRequest.merged).toBe(true);
  });
});

describe("merge queues", () => {
  const QUEUE_READ = `query Queue($owner: String!, $repo: String!, $number: Int!) {
    repository(owner: $owner, name: $repo) { pullRequest(number: $number) {
      isMergeQueueEnabled isInMergeQueue mergeQueueEntry { state position headCommit { oid } }
      timelineItems(last: 1, itemTypes: [REMOVED_FROM_MERGE_QUEUE_EVENT]) { nodes { __typename ... on RemovedFromMergeQueueEvent { reason createdAt actor { __typename login } } } }
      merged mergedBy { __typename login }
    } }
  }`;
  const ENQUEUE = `mutation UpgradeQueueEnqueue($input: EnqueuePullRequestInput!) { enqueuePullRequest(input: $input) { mergeQueueEntry { state position } } }`;
  const queueOf = async (number: number) => (await graphql(QUEUE_READ, { owner, repo, number })).body.data as unknown as { repository: { pullRequest: Record<string, unknown> } };
  const enqueue = (number: number, expectedHeadOid?: string) => graphql(ENQUEUE, { input: { pullRequestId: fake.getPull(REPO, number).node_id, ...(expectedHeadOid ? { expectedHeadOid } : {}) } });
  const refusal = (message: string) => ({ data: { enqueuePullRequest: null }, errors: [expect.objectContaining({ type: "UNPROCESSABLE", path: ["enqueuePullRequest"], message })] });

  it("a branch without a queue: isMergeQueueEnabled false, enqueuing refused, merging works", async () => {
    const { head, number } = await openUpgrade();
    expect((await queueOf(number)).repository.pullRequest).toMatchObject({ isMergeQueueEnabled: false, isInMergeQueue: false, mergeQueueEntry: null, timelineItems: { nodes: [] } });
    expect((await enqueue(number, head)).body).toEqual(refusal("Merge queue is not enabled for the branch main"));
    fake.requireMergeQueue(REPO, "main");
    fake.requireMergeQueue(REPO, "main", false);
    expect((await octokit.pulls.merge({ owner, repo, pull_number: number, sha: head })).data.merged).toBe(true);
  });

  it("a branch that requires it: direct merges refused (REST 405, GraphQL UNPROCESSABLE), enqueuePullRequest checks expectedHeadOid and queues first come, first served", async () => {
    fake.requireMergeQueue(REPO, "main");
    const first = await openUpgrade();
    const second = await openUpgrade("self-modify/other");
    await expect(octokit.pulls.merge({ owner, repo, pull_number: first.number, sha: first.head })).rejects.toMatchObject({ status: 405, response: { data: { message: "Changes must be made through the merge queue" } } });
    expect((await graphql(MERGE, { input: { pullRequestId: fake.getPull(REPO, first.number).node_id, expectedHeadOid: first.head } })).body).toEqual({
      data: { mergePullRequest: null },
      errors: [expect.objectContaining({ type: "UNPROCESSABLE", message: "Changes must be made through the merge queue" })],
    });
    expect(() => fake.mergePull(REPO, first.number, { by: "alice" })).toThrow("Changes must be made through the merge queue");

    expect((await enqueue(first.number, second.head)).body).toEqual(refusal("Head branch was modified. Review and try the merge again."));
    expect((await enqueue(first.number, first.head)).body).toStrictEqual({ data: { enqueuePullRequest: { mergeQueueEntry: { state: "AWAITING_CHECKS", position: 1 } } } });
    expect((await enqueue(first.number, first.head)).body).toEqual(refusal("Pull request is already in the merge queue"));
    expect((await enqueue(second.number)).body.data).toEqual({ enqueuePullRequest: { mergeQueueEntry: { state: "AWAITING_CHECKS", position: 2 } } });
    expect((await queueOf(first.number)).repository.pullRequest).toMatchObject({ isMergeQueueEnabled: true, isInMergeQueue: true, mergeQueueEntry: { position: 1, headCommit: { oid: first.head } } });
    expect([fake.queuePositionOf(REPO, first.number), fake.queuePositionOf(REPO, second.number)]).toEqual([1, 2]);
    expect(fake.getPull(REPO, first.number).merged).toBe(false);
    fake.setCollaborator(REPO, "tom", "triage");
    expect((await graphql(ENQUEUE, { input: { pullRequestId: fake.getPull(REPO, second.number).node_id } }, fake.tokenFor({ login: "tom" }))).body.errors).toEqual([
      expect.objectContaining({ type: "FORBIDDEN", message: "tom does not have the correct permissions to execute `EnqueuePullRequest`" }),
    ]);
  });

  it("the queue merges its entry: a real merge commit on the base head, by github-merge-queue[bot]; the next moves up", async () => {
    fake.requireMergeQueue(REPO, "main");
    const first = await openUpgrade();
    const second = await openUpgrade("self-modify/other");
    await enqueue(first.number, first.head);
    await enqueue(second.number, second.head);
    const base = fake.getBranchSha(REPO, "main");
    const tip = fake.mergeFromQueue(REPO, first.number);
    expect(fake.getBranchSha(REPO, "main")).toBe(tip);
    expect((await octokit.git.getCommit({ owner, repo, commit_sha: tip })).data.parents.map((p) => p.sha)).toEqual([base, first.head]);
    expect(fake.getPull(REPO, first.number)).toMatchObject({ merged: true, merge_commit_sha: tip, merged_by: { login: MERGE_QUEUE_BOT } });
    expect((await queueOf(first.number)).repository.pullRequest).toMatchObject({ merged: true, isInMergeQueue: false, mergeQueueEntry: null, mergedBy: { __typename: "Bot", login: "github-merge-queue" } });
    expect(fake.payloads.pullRequest("closed", REPO, first.number, MERGE_QUEUE_BOT)).toMatchObject({ action: "closed", pull_request: { merged: true }, sender: { login: MERGE_QUEUE_BOT, type: "Bot" } });
    expect(fake.queuePositionOf(REPO, second.number)).toBe(1);
    expect(() => fake.mergeFromQueue(REPO, first.number)).toThrow("is not in the merge queue");
  });

  it("the queue removes an entry with a reason: the timeline's RemovedFromMergeQueueEvent and the `dequeued` payload say why; a moved head leaves the queue (delivered)", async () => {
    fake.requireMergeQueue(REPO, "main");
    const { head, number } = await openUpgrade();
    await enqueue(number, head);
    fake.removeFromQueue(REPO, number, "Required status check failed", "alice");
    const pull = (await queueOf(number)).repository.pullRequest;
    expect(pull).toMatchObject({ isInMergeQueue: false, mergeQueueEntry: null });
    expect(pull.timelineItems).toEqual({ nodes: [{ __typename: "RemovedFromMergeQueueEvent", reason: "Required status check failed", createdAt: expect.stringMatching(/Z$/), actor: { __typename: "User", login: "alice" } }] });
    expect(fake.payloads.dequeued(REPO, number)).toMatchObject({ action: "dequeued", reason: "Required status check failed", sender: { login: "alice" }, pull_request: { number, state: "open" } });
    expect(() => fake.removeFromQueue(REPO, number, "again")).toThrow("is not in the merge queue");

    await enqueue(number, head);
    const sent = recordDeliveries();
    const moved = pushUpgrade("self-modify/add-cache", { "src/cache.ts": "v2\n" });
    await fake.settleDeliveries();
    expect(sent.map((d) => [d.event, d.payload.action, d.payload.reason])).toEqual([["pull_request", "dequeued", "The head branch of the pull request was updated"]]);
    expect(fake.queuePositionOf(REPO, number)).toBeNull();
    const latest = ((await queueOf(number)).repository.pullRequest.timelineItems as { nodes: Array<{ reason: string }> }).nodes;
    expect(latest).toEqual([expect.objectContaining({ reason: "The head branch of the pull request was updated" })]);
    expect((await enqueue(number, moved)).body.data).toEqual({ enqueuePullRequest: { mergeQueueEntry: { state: "AWAITING_CHECKS", position: 1 } } });
  });
});
