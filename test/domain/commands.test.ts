/** parseCommands (CONTRACT §3): slash commands in a new PR comment. */
import { describe, expect, it } from "vitest";
import { type ParsedCommand, parseCommands } from "../../src/domain/commands.js";

const cmd = (command: ParsedCommand["command"], argument: string | null = null): ParsedCommand => ({ command, argument });

const rows: Record<string, [body: string, expected: ParsedCommand[]]> = {
  "/approve": ["/approve", [cmd("approve")]],
  "/reject without a reason": ["/reject", [cmd("reject")]],
  "/reject reason text": ["/reject this breaks the cache   ", [cmd("reject", "this breaks the cache")]],
  "/apply": ["/apply", [cmd("apply")]],
  "/retry": ["/retry", [cmd("retry")]],
  "/rollback": ["/rollback", [cmd("rollback")]],
  "/status": ["/status", [cmd("status")]],
  "/help": ["/help", [cmd("help")]],
  "upper case command word": ["/APPROVE", [cmd("approve")]],
  "a command on a later line": ["Looks good to me.\n/approve", [cmd("approve")]],
  "leading spaces": ["   /approve", [cmd("approve")]],
  "CRLF line endings": ["LGTM\r\n/approve\r\nthanks", [cmd("approve")]],
  "several commands in one comment": ["/approve\n/status\n/reject nope", [cmd("approve"), cmd("status"), cmd("reject", "nope")]],
  "unknown /words are left for other bots": ["/deploy prod\n/lgtm\n/assign @me", []],
  "/approved is not /approve": ["/approved", []],
  "/approve in the middle of a line is not a command": ["I will /approve later", []],
  "quoted > /approve is ignored": ["> /approve\n>/approve", []],
  "indented quote is ignored": ["  > /approve", []],
  "inside a ``` fence is ignored": ["```\n/approve\n```\n/status", [cmd("status")]],
  "inside a ~~~ fence is ignored": ["~~~sh\n/approve\n~~~", []],
  "a ``` fence with a language is ignored": ["```text\n/rollback\n```", []],
  "a ~~~ line inside a ``` fence does not close it": ["```\n~~~\n/approve\n```", []],
  "an unclosed fence hides the rest": ["```\n/approve", []],
  "empty comment": ["", []],
};

describe("parseCommands", () => {
  it.each(Object.entries(rows))("%s", (_name, [body, expected]) => {
    expect(parseCommands(body)).toEqual(expected);
  });
});
