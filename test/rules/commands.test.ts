/**
 * Slash commands (CONTRACT §3): `/status` and `/help` answer anyone; a refused command is
 * answered with why and recorded as `upgrade.command_denied`; edited and deleted comments,
 * quoted lines, lines inside code blocks and unknown `/words` never act: no GitHub request at
 * all (not even an installation token), no database write.
 */
import { describe, expect, it } from "vitest";
import { HELP_TEXT } from "../../src/domain/messages.js";
import type { TestApp } from "../support/app.js";
import { useTestApp } from "../support/use-test-app.js";
import { API, expectAllMocksUsed, nock, useNock } from "../support/nock.js";
import { comment } from "../support/payloads.js";
import { SEED_HEAD, eventsOf, seedUpgrade } from "../support/seed.js";
import { config, permission, repoPath, token } from "./github.js";

useNock();

let app: TestApp;
useTestApp((created) => (app = created));

/** The one comment the app posts, compared whole. */
function expectExactComment(body: string) {
  nock(API).post(`${repoPath}/issues/12/comments`, { body }).reply(201, { id: 1 });
}

describe("/status and /help", () => {
  it("/status from anyone says where the upgrade stands; nobody's permission is looked up", async () => {
    const id = await seedUpgrade(app.db, { approvals: [{ login: "alice", permission: "write" }], testResults: { state: "passed" } });
    token();
    config("requiredApprovals: 2\n");
    expectExactComment(
      [
        "**Status:** `proposed`",
        "**Head:** `ddddddd`",
        "**Approvals of the head:** 1 of 2 (@alice)",
        "**Tests:** passed (1 of 1 checks passed)",
      ].join("\n"),
    );
    await app.send("issue_comment", comment({ number: 12, login: "visitor", body: "/status" }));
    expectAllMocksUsed();
    expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed"]);
  });

  it("/help lists the commands", async () => {
    await seedUpgrade(app.db);
    token();
    config(null);
    expectExactComment(HELP_TEXT);
    await app.send("issue_comment", comment({ number: 12, login: "visitor", body: "  /HELP" }));
    expectAllMocksUsed();
  });

  it("an unknown /word beside a command is left alone; the command still acts", async () => {
    await seedUpgrade(app.db);
    token();
    config(null);
    expectExactComment(HELP_TEXT);
    await app.send("issue_comment", comment({ number: 12, login: "visitor", body: "/deploy staging\n/help\n/approved" }));
    expectAllMocksUsed();
  });
});

describe("refused commands", () => {
  it.each([
    { body: "/reject not like this", login: "rita", level: "read" as const, command: "reject", reply: "`reject` was not accepted: @rita has read permission" },
    { body: "/apply", login: "tom", level: "triage" as const, command: "/apply", reply: "`/apply` was not accepted: @tom has triage permission" },
    { body: "/rollback", login: "wendy", level: "write" as const, command: "/rollback", reply: "`/rollback` was not accepted: `/rollback` needs admin or maintain permission; @wendy has write permission." },
  ])("$body from a $level user is answered and recorded", async ({ body, login, level, command, reply }) => {
    const id = await seedUpgrade(app.db);
    token();
    config(null);
    permission(login, level);
    nock(API)
      .post(`${repoPath}/issues/12/comments`, (b) => String(b.body).startsWith(reply))
      .reply(201, { id: 1 });
    await app.send("issue_comment", comment({ number: 12, login, body }));
    expectAllMocksUsed();
    const last = (await eventsOf(app.db, id)).at(-1);
    expect(last).toMatchObject({ type: "upgrade.command_denied", actor: login, via: "comment" });
    expect(JSON.parse(last!.details)).toMatchObject({ command });
    expect((await app.db.upgrade.findUniqueOrThrow({ where: { id } })).status).toBe("proposed");
  });
});

describe("comments that never act", () => {
  it.each([
    { what: "an edited comment", action: "edited", body: "/approve" },
    { what: "a deleted comment", action: "deleted", body: "/approve" },
    { what: "a quoted line", action: "created", body: "> /approve\n\nWhy would I?" },
    { what: "a quoted line with spaces", action: "created", body: "   >   /reject no" },
    { what: "a fenced code block", action: "created", body: "Try this:\n```\n/approve\n/rollback\n```" },
    { what: "a tilde-fenced code block", action: "created", body: "~~~sh\n/approve\n~~~" },
    { what: "inline code", action: "created", body: "`/approve` approves it" },
    { what: "a command in the middle of a line", action: "created", body: "please /approve this" },
    { what: "a word that starts with a command", action: "created", body: "/approved by the team" },
    { what: "an unknown /word", action: "created", body: "/deploy production" },
  ])("$what: no request at all, nothing stored", async ({ action, body }) => {
    const id = await seedUpgrade(app.db, { approvals: [] });
    await app.send("issue_comment", comment({ number: 12, login: "alice", body, action }));
    expectAllMocksUsed(); // no mock at all: not even an installation token was asked for
    expect(await app.db.delivery.count()).toBe(0);
    expect(await app.db.approval.count()).toBe(0);
    expect((await eventsOf(app.db, id)).map((e) => e.type)).toEqual(["upgrade.proposed"]);
    expect(await app.db.upgrade.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "proposed", headSha: SEED_HEAD });
  });
});
