/** The shape of steps the DAG functions read: names and what each waits for. */
type Steps = Readonly<Record<string, { readonly after?: readonly string[] }>>;

/**
 * The DAG's problems: unknown dependencies, a step depending on itself, a dependency listed
 * twice, and every cycle, each as a sentence naming the steps (`a → b → a`).
 *
 * @example
 * ```ts
 * validateDag({ a: { after: ["b"] }, b: { after: ["a"] } }); // ["cycle: a → b → a"]
 * ```
 */
export function validateDag(steps: Steps): string[] {
  const names = Object.keys(steps);
  const issues: string[] = [];
  for (const [name, s] of Object.entries(steps)) {
    const after = s?.after ?? [];
    if (!Array.isArray(after)) {
      issues.push(`step '${name}': after must be a list of step names`);
      continue;
    }
    const seen = new Set<string>();
    for (const dep of after) {
      if (dep === name) issues.push(`step '${name}' depends on itself`);
      else if (!(dep in steps))
        issues.push(
          `step '${name}': unknown dependency '${dep}' in after (steps: ${names.join(", ")})`,
        );
      if (seen.has(dep)) issues.push(`step '${name}': '${dep}' is listed twice in after`);
      seen.add(dep);
    }
  }
  if (issues.length === 0) issues.push(...findCycles(steps).map((c) => `cycle: ${c.join(" → ")}`));
  return issues;
}

/** Each cycle once, found by a depth-first search (white/grey/black). */
function findCycles(steps: Steps): string[][] {
  const state = new Map<string, "grey" | "black">();
  const cycles: string[][] = [];
  const path: string[] = [];
  const visit = (name: string): void => {
    state.set(name, "grey");
    path.push(name);
    for (const dep of steps[name]?.after ?? []) {
      const s = state.get(dep);
      if (s === "grey") cycles.push([...path.slice(path.indexOf(dep)), dep]);
      else if (s === undefined) visit(dep);
    }
    path.pop();
    state.set(name, "black");
  };
  for (const name of Object.keys(steps)) if (!state.has(name)) visit(name);
  // A cycle is walked against the dependency direction; report it in execution order.
  return cycles.map((c) => c.reverse());
}

/**
 * The steps in an order where every step comes after its dependencies (Kahn's algorithm,
 * ties in declaration order). Assumes a valid DAG.
 *
 * @example
 * ```ts
 * topologicalOrder({ b: { after: ["a"] }, a: {} }); // ["a", "b"]
 * ```
 */
export function topologicalOrder(steps: Steps): string[] {
  const names = Object.keys(steps);
  const waiting = new Map(names.map((n) => [n, new Set(steps[n]?.after ?? [])]));
  const order: string[] = [];
  while (order.length < names.length) {
    const ready = names.filter((n) => waiting.get(n)?.size === 0 && !order.includes(n));
    if (ready.length === 0) break;
    for (const n of ready) {
      order.push(n);
      for (const deps of waiting.values()) deps.delete(n);
    }
  }
  return order;
}

/**
 * Every step downstream of `name` (its dependants, transitively).
 *
 * @example
 * ```ts
 * downstreamOf({ a: {}, b: { after: ["a"] }, c: { after: ["b"] } }, "a"); // Set { "b", "c" }
 * ```
 */
export function downstreamOf(steps: Steps, name: string): Set<string> {
  const out = new Set<string>();
  const grow = (n: string) => {
    for (const [other, s] of Object.entries(steps))
      if ((s.after ?? []).includes(n) && !out.has(other)) {
        out.add(other);
        grow(other);
      }
  };
  grow(name);
  return out;
}
