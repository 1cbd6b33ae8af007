/**
 * Slash commands in a new PR comment (CONTRACT §3). A command is a line that begins with one of
 * the known words; lines inside fenced code blocks and quoted lines are not commands, and other
 * `/words` are left for other bots.
 */
import type { Command } from "./types.js";

export interface ParsedCommand {
  command: Command;
  /** Text after the command word (the reason of `/reject`), trimmed; null when empty. */
  argument: string | null;
}

const COMMANDS: readonly Command[] = ["approve", "reject", "apply", "retry", "rollback", "freeze", "unfreeze", "status", "help"];
const FENCE = /^ {0,3}(```|~~~)/;

export function parseCommands(body: string): ParsedCommand[] {
  const found: ParsedCommand[] = [];
  let fence: string | null = null;
  for (const rawLine of body.split(/\r?\n/)) {
    const fenceMatch = FENCE.exec(rawLine);
    if (fenceMatch) {
      const marker = fenceMatch[1] as string;
      if (fence === null) fence = marker;
      else if (marker === fence) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const line = rawLine.trim();
    if (line.startsWith(">")) continue;
    const match = /^\/([a-z]+)(?:\s+(.*))?$/i.exec(line);
    if (!match) continue;
    const word = (match[1] as string).toLowerCase() as Command;
    if (!COMMANDS.includes(word)) continue;
    const argument = match[2]?.trim() ?? "";
    found.push({ command: word, argument: argument === "" ? null : argument });
  }
  return found;
}
