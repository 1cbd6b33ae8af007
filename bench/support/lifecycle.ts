/**
 * One full upgrade lifecycle against the fake GitHub, as the outside world drives it: the agent
 * pushes `self-modify/<slug>` (push webhook) -> the app opens the PR -> CI goes green (check_run
 * webhook) -> an approver approves (review webhook) -> the app merges. The webhooks GitHub sends
 * for the app's own changes (PR opened, labels, check runs, the merge's close and push) are sent
 * by the fake's autoDeliver, so the app also pays for dropping its own echoes.
 */
import { performance } from "node:perf_hooks";
import type { FakeGitHub, WebhookSender } from "../../test/support/fake-github/index.js";
import { until } from "./processes.js";
import { AGENT, APPROVER } from "./world.js";

export interface LifecycleResult {
  pullNumber: number;
  ms: number;
}

function repoState(fake: FakeGitHub, repo: string) {
  const r = fake.state.repos.get(repo.toLowerCase());
  if (!r) throw new Error(`no repo ${repo}`);
  return r;
}

function queueCheckRun(fake: FakeGitHub, repo: string, sha: string) {
  return [...repoState(fake, repo).checkRuns].reverse().find((c) => c.headSha === sha && c.name === "Upgrade Queue");
}

export async function runLifecycle(fake: FakeGitHub, hooks: WebhookSender, repo: string, slug: string, timeoutMs = 60_000): Promise<LifecycleResult> {
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  const branch = `self-modify/${slug}`;
  const head = fake.pushCommit({ repo, branch, message: `Upgrade ${slug}\n\nWritten by the agent.`, files: { [`src/${slug}.ts`]: `export const name = "${slug}";\n` }, author: AGENT, pusher: AGENT });
  await hooks.send("push", fake.payloads.push(repo, branch));
  const pull = await until(() => [...repoState(fake, repo).pulls.values()].find((p) => p.headRef === branch && p.state === "open"), `${repo}: the PR for ${branch}`, left());
  await until(() => pull.labels.includes("upgrade:proposed") && queueCheckRun(fake, repo, head), `${repo}#${pull.number}: proposed`, left());

  const run = fake.completeCheckRun({ repo, sha: head, name: "test", conclusion: "success" });
  await hooks.send("check_run", fake.payloads.checkRun("completed", repo, run.id));
  await until(() => queueCheckRun(fake, repo, head)?.output.summary?.includes("**Tests:** passed"), `${repo}#${pull.number}: tests passed`, left());

  await hooks.send("pull_request_review", fake.payloads.review(repo, pull.number, APPROVER, "approved"));
  await until(() => pull.merged && pull.labels.includes("upgrade:applied") && fake.getBranchSha(repo, branch) === undefined, `${repo}#${pull.number}: merged`, left());
  return { pullNumber: pull.number, ms: performance.now() - started };
}
