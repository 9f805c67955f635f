import { Metric, MetricState, Option, type MetricLabel } from "effect";

/**
 * Effect's metric registry in the Prometheus text exposition format (0.0.4). Effect 3 has no
 * exporter of its own; counters, gauges and histograms map one to one (its histogram buckets
 * are cumulative already, the last one +Inf).
 */

const value = (n: number | bigint) =>
  typeof n === "bigint" ? n.toString() : Number.isNaN(n) ? "NaN" : n === Infinity ? "+Inf" : n === -Infinity ? "-Inf" : String(n);

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

const labels = (tags: ReadonlyArray<MetricLabel.MetricLabel>, extra?: readonly [string, string]) => {
  const all = extra === undefined ? tags.map((t) => [t.key, t.value] as const) : [...tags.map((t) => [t.key, t.value] as const), extra];
  return all.length === 0 ? "" : `{${all.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
};

interface Family {
  type: "counter" | "gauge" | "histogram";
  help: string;
  readonly lines: string[];
}

/**
 * Our counters, gauges and histograms, each family once with its HELP and TYPE. Effect's own
 * fiber metrics are left out: they count active fibers in a counter, against the conventions.
 */
export const exposition = (): string => {
  const families = new Map<string, Family>();
  const family = (name: string, type: Family["type"], help: Option.Option<string>) => {
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { type, help: Option.getOrElse(help, () => name), lines: [] }));
    return f;
  };
  for (const { metricKey: key, metricState: state } of Metric.unsafeSnapshot()) {
    if (!key.name.startsWith("rendezvous_")) continue;
    if (MetricState.isCounterState(state)) {
      family(key.name, "counter", key.description).lines.push(`${key.name}${labels(key.tags)} ${value(state.count)}`);
    } else if (MetricState.isGaugeState(state)) {
      family(key.name, "gauge", key.description).lines.push(`${key.name}${labels(key.tags)} ${value(state.value)}`);
    } else if (MetricState.isHistogramState(state)) {
      const f = family(key.name, "histogram", key.description);
      for (const [bound, count] of state.buckets) f.lines.push(`${key.name}_bucket${labels(key.tags, ["le", value(bound)])} ${count}`);
      if (state.buckets.at(-1)?.[0] !== Infinity) f.lines.push(`${key.name}_bucket${labels(key.tags, ["le", "+Inf"])} ${state.count}`);
      f.lines.push(`${key.name}_sum${labels(key.tags)} ${value(state.sum)}`, `${key.name}_count${labels(key.tags)} ${state.count}`);
    }
  }
  let text = "";
  for (const [name, f] of [...families].sort(([a], [b]) => a.localeCompare(b))) {
    text += `# HELP ${name} ${escapeHelp(f.help)}\n# TYPE ${name} ${f.type}\n${f.lines.join("\n")}\n`;
  }
  return text;
};
