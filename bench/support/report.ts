/**
 * Output of every benchmark: plain `name: value unit` lines (easy to grep and diff between
 * runs), a short table, and `target_<name>: PASS|MISS (...)` verdicts. Targets are printed,
 * never asserted: a noisy machine must not fail a build.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

export function line(name: string, value: number, unit: string): void {
  const digits = unit === "x" ? 2 : Number.isInteger(value) ? 0 : unit === "ms" ? 3 : unit === "%" ? 2 : 1;
  console.log(`${name}: ${Number.isFinite(value) ? value.toFixed(digits) : "n/a"} ${unit}`);
}

export function verdict(name: string, pass: boolean, detail: string): boolean {
  console.log(`target_${name}: ${pass ? "PASS" : "MISS"} (${detail})`);
  return pass;
}

/** A small fixed-width table (first row is the header). */
export function table(rows: ReadonlyArray<ReadonlyArray<string | number>>): void {
  const cells = rows.map((row) => row.map((c) => (typeof c === "number" ? formatNumber(c) : c)));
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length))) ?? [];
  const render = (row: string[]) => `| ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  console.log("");
  cells.forEach((row, i) => {
    console.log(render(row));
    if (i === 0) console.log(`|${widths.map((w, j) => (j === 0 ? `-${"-".repeat(w)}-` : `${"-".repeat(w + 1)}:`)).join("|")}|`);
  });
  console.log("");
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return "n/a";
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/** The machine a run came from, printed at the top of each benchmark. */
export async function printMachine(): Promise<void> {
  const os = await import("node:os");
  line("machine_cpus", os.availableParallelism(), "cores");
  line("machine_memory", Math.round(os.totalmem() / 2 ** 30), "GiB");
  console.log(`machine_cpu_model: ${os.cpus()[0]?.model ?? "unknown"}`);
  console.log(`machine_node: ${process.version}`);
}
