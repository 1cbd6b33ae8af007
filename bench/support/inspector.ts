/**
 * A full garbage collection in another Node process, asked through its inspector (the Chrome
 * DevTools Protocol's `HeapProfiler.collectGarbage`): the benchmark starts the app with
 * `--inspect=127.0.0.1:0` and reads the WebSocket address the process prints.
 */
import WebSocket from "ws";

export interface Collector {
  collect(): Promise<void>;
  close(): void;
}

/** The inspector address from the process's output ("Debugger listening on ws://..."). */
export function inspectorUrl(output: string): string {
  const match = /Debugger listening on (ws:\/\/\S+)/.exec(output);
  if (!match?.[1]) throw new Error(`no inspector address in the app's output:\n${output}`);
  return match[1];
}

export async function connectCollector(url: string): Promise<Collector> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  let nextId = 0;
  const waiting = new Map<number, () => void>();
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number };
    if (message.id !== undefined) waiting.get(message.id)?.();
  });
  return {
    collect: () =>
      new Promise<void>((resolve) => {
        const id = ++nextId;
        waiting.set(id, resolve);
        socket.send(JSON.stringify({ id, method: "HeapProfiler.collectGarbage" }));
      }),
    close: () => socket.close(),
  };
}
