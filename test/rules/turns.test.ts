import { describe, expect, it } from "vitest";
import type { PipelineDeps } from "../../src/pipeline/deps.js";
import { Turns, perPipeline } from "../../src/pipeline/turns.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe("Turns", () => {
  it("runs work on one key one after another, even after a failure, and other keys meanwhile", async () => {
    const turns = new Turns<string>();
    const log: string[] = [];
    const step = (name: string, fail = false) => async () => {
      log.push(`${name} starts`);
      await tick();
      log.push(`${name} ends`);
      if (fail) throw new Error(name);
      return name;
    };
    const a1 = turns.take("a", step("a1", true));
    const a2 = turns.take("a", step("a2"));
    const b1 = turns.take("b", step("b1"));
    await expect(a1).rejects.toThrow("a1");
    expect(await a2).toBe("a2");
    expect(await b1).toBe("b1");
    expect(log.indexOf("a2 starts")).toBeGreaterThan(log.indexOf("a1 ends"));
    expect(log.indexOf("b1 starts")).toBeLessThan(log.indexOf("a1 ends"));
  });
});

describe("perPipeline", () => {
  it("keeps one value per pipeline's deps", () => {
    const counter = perPipeline(() => ({ n: 0 }));
    const one = {} as PipelineDeps;
    const other = {} as PipelineDeps;
    counter(one).n++;
    counter(one).n++;
    expect([counter(one).n, counter(other).n]).toEqual([2, 0]);
  });
});
