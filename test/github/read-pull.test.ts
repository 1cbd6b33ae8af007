/**
 * The one read a pass decides from (src/github/read-pull.ts), against GitHub's GraphQL answers
 * as nock replays them: the exact variables asked, the checks as the test gate wants them (the
 * app's own check run apart, conclusions and states in REST's lower case, `EXPECTED` pending),
 * bot logins in the form REST and webhooks use, and a rollup longer than one page.
 */
import { describe, expect, it } from "vitest";
import { readPull } from "../../src/github/read-pull.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";

useNock();

const REPO = { owner: "acme", repo: "agent" };
const HEAD = "a".repeat(40);

/** A GraphQL client over nock, as Octokit's `graphql` posts it. */
async function graphql(query: string, variables: Record<string, unknown>): Promise<unknown> {
  const response = await fetch(`${API}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data: unknown };
  return body.data;
}

function answer(contexts: object[], page: { hasNextPage: boolean; endCursor: string | null }, extra: Record<string, unknown> = {}) {
  return {
    data: {
      repository: {
        deleteBranchOnMerge: true,
        pullRequest: {
          id: "PR_kwDO",
          number: 7,
          title: "T",
          body: "B",
          state: "MERGED",
          merged: true,
          url: "https://github.com/acme/agent/pull/7",
          updatedAt: "2026-11-20T10:00:00Z",
          additions: 3,
          deletions: 1,
          mergedBy: { __typename: "Bot", login: "upgrade-queue" },
          mergeCommit: { oid: "c".repeat(40) },
          author: { __typename: "User", login: "agent" },
          headRefName: "self-modify/x",
          headRefOid: HEAD,
          headRepository: { nameWithOwner: "acme/agent" },
          baseRefName: "main",
          labels: { nodes: [{ name: "upgrade:approved" }, { name: "needs-docs" }] },
          commits: { nodes: [{ commit: { oid: HEAD, statusCheckRollup: { contexts: { pageInfo: page, nodes: contexts } } } }] },
          ...extra,
        },
      },
    },
  };
}

const run = (id: number, name: string, status: string, conclusion: string | null, app = 99, startedAt = `2026-11-20T09:0${id % 10}:00Z`) => ({
  __typename: "CheckRun",
  databaseId: id,
  name,
  status,
  conclusion,
  url: `https://ci/${id}`,
  detailsUrl: null,
  startedAt,
  checkSuite: { app: { databaseId: app } },
});

describe("readPull", () => {
  it("maps one page: the PR, labels, the gate's checks without the app's own, its own run's id, bots as REST names them", async () => {
    nock(API)
      .post("/graphql", (body) => body.query.includes("query UpgradeQueuePull") && JSON.stringify(body.variables) === JSON.stringify({ owner: "acme", repo: "agent", number: 7, reviews: false, after: null }))
      .reply(
        200,
        answer(
          [
            run(2, "lint", "COMPLETED", "FAILURE", 99, "2026-11-20T09:05:00Z"),
            run(1, "test", "IN_PROGRESS", null, 99, "2026-11-20T09:01:00Z"),
            run(55, "Upgrade Queue", "IN_PROGRESS", null, 1),
            { __typename: "StatusContext", context: "ci/legacy", state: "SUCCESS", targetUrl: "https://legacy", createdAt: "2026-11-20T09:00:00Z" },
            { __typename: "StatusContext", context: "required/missing", state: "EXPECTED", targetUrl: null, createdAt: "2026-11-20T09:00:01Z" },
          ],
          { hasNextPage: false, endCursor: null },
        ),
      );
    const pull = await readPull(graphql, REPO, 7, { reviews: false, appId: 1 });
    expectAllMocksUsed();
    expect(pull).toMatchObject({
      number: 7,
      nodeId: "PR_kwDO",
      state: "closed",
      merged: true,
      mergedBy: "upgrade-queue[bot]",
      mergeCommitSha: "c".repeat(40),
      author: "agent",
      headSha: HEAD,
      headRef: "self-modify/x",
      headRepoFullName: "acme/agent",
      baseRef: "main",
      labels: ["upgrade:approved", "needs-docs"],
      deleteBranchOnMerge: true,
      ownCheckRunId: "55",
      reviews: null,
    });
    expect(pull.checks).toEqual([
      { name: "test", completed: false, conclusion: null, url: "https://ci/1" },
      { name: "lint", completed: true, conclusion: "failure", url: "https://ci/2" },
      { name: "ci/legacy", completed: true, conclusion: "success", url: "https://legacy" },
      { name: "required/missing", completed: false, conclusion: "expected", url: null },
    ]);
  });

  it("follows the rollup's pages with the cursor, asking for reviews only on the first", async () => {
    const first = Array.from({ length: 100 }, (_, i) => run(1000 + i, `job-${i}`, "COMPLETED", "SUCCESS"));
    const reviews = { reviews: { nodes: [{ databaseId: 9, state: "APPROVED", authorCanPushToRepository: true, author: { __typename: "User", login: "alice" }, commit: { oid: HEAD } }] } };
    nock(API)
      .post("/graphql", (body) => body.variables.after === null && body.variables.reviews === true)
      .reply(200, answer(first, { hasNextPage: true, endCursor: "Y3Vyc29yOjEwMA==" }, reviews));
    nock(API)
      .post("/graphql", (body) => body.variables.after === "Y3Vyc29yOjEwMA==" && body.variables.reviews === false)
      .reply(200, answer([run(2000, "last", "COMPLETED", "NEUTRAL", 99, "2026-11-20T09:59:00Z")], { hasNextPage: false, endCursor: null }));
    const pull = await readPull(graphql, REPO, 7, { reviews: true, appId: 1 });
    expectAllMocksUsed();
    expect(pull.checks).toHaveLength(101);
    expect(pull.checks.at(-1)).toEqual({ name: "last", completed: true, conclusion: "neutral", url: "https://ci/2000" });
    expect(pull.reviews).toEqual([{ id: 9, author: "alice", state: "APPROVED", commitSha: HEAD, authorCanPush: true }]);
  });

  it("a page read after the head moved is not mixed in: the first page's head wins", async () => {
    nock(API).post("/graphql").reply(200, answer([run(1, "test", "COMPLETED", "SUCCESS")], { hasNextPage: true, endCursor: "next" }));
    nock(API)
      .post("/graphql")
      .reply(200, answer([run(2, "test", "COMPLETED", "FAILURE")], { hasNextPage: false, endCursor: null }, { headRefOid: "b".repeat(40) }));
    const pull = await readPull(graphql, REPO, 7, { reviews: false, appId: 1 });
    expect(pull.headSha).toBe(HEAD);
    expect(pull.checks).toEqual([{ name: "test", completed: true, conclusion: "success", url: "https://ci/1" }]);
  });

  it("no checks at all: the rollup is null and the gate sees none", async () => {
    const none = answer([], { hasNextPage: false, endCursor: null });
    (none.data.repository.pullRequest.commits.nodes[0]!.commit as { statusCheckRollup: unknown }).statusCheckRollup = null;
    nock(API).post("/graphql").reply(200, none);
    const pull = await readPull(graphql, REPO, 7, { reviews: false, appId: null });
    expect(pull.checks).toEqual([]);
    expect(pull.ownCheckRunId).toBeNull();
  });

  it("a PR GitHub does not return is an error that names it", async () => {
    nock(API).post("/graphql").reply(200, { data: { repository: { deleteBranchOnMerge: false, pullRequest: null } } });
    await expect(readPull(graphql, REPO, 7, { reviews: false, appId: 1 })).rejects.toThrow("acme/agent#7: GitHub returned no pull request");
  });
});
