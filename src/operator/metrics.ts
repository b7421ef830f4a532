/** A minimal Prometheus registry: counters and gauges with labels, and one histogram, in text format 0.0.4. */
type Labels = Record<string, string>;

const labelText = (labels: Labels) => {
  const entries = Object.entries(labels);
  return entries.length === 0
    ? ''
    : `{${entries.map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`).join(',')}}`;
};

class Family {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }
  set(labels: Labels, value: number): void {
    this.values.set(labelText(labels), { labels, value });
  }
  reset(): void {
    this.values.clear();
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join('\n');
  }
}

class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: number[],
  ) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    this.buckets.forEach((bound, i) => {
      if (value <= bound) this.counts[i]! += 1;
    });
  }
  render(): string {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} histogram`,
      ...this.buckets.map((bound, i) => `${this.name}_bucket{le="${bound}"} ${this.counts[i]}`),
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${this.sum}`,
      `${this.name}_count ${this.count}`,
    ].join('\n');
  }
}

export class OperatorMetrics {
  readonly reconciles = new Family(
    'rayctl_operator_reconciles_total',
    'Reconciles of RayClusters, by result.',
    'counter',
  );
  readonly errors = new Family('rayctl_operator_reconcile_errors_total', 'Reconciles that failed.', 'counter');
  readonly podActions = new Family(
    'rayctl_operator_pod_actions_total',
    'Pods created and deleted, by action.',
    'counter',
  );
  readonly duration = new Histogram(
    'rayctl_operator_reconcile_duration_seconds',
    'Time to reconcile one RayCluster.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );
  readonly queueDepth = new Family('rayctl_operator_queue_depth', 'RayClusters waiting to be reconciled.', 'gauge');
  readonly clusters = new Family('rayctl_operator_clusters', 'RayClusters watched, by phase.', 'gauge');
  readonly pods = new Family('rayctl_operator_pods', 'Ray pods, by phase.', 'gauge');
  readonly leader = new Family('rayctl_operator_leader', '1 while this replica is the leader.', 'gauge');
  readonly decisions = new Family(
    'rayctl_operator_autoscaler_decisions_total',
    'Autoscaler decisions: workers launched (scale_up), drained (scale_down), new infeasible demand.',
    'counter',
  );
  readonly gcsPollSeconds = new Histogram(
    'rayctl_operator_gcs_poll_duration_seconds',
    "Time to read one cluster's load from Ray's GCS.",
    [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  );
  readonly gcsPollErrors = new Family(
    'rayctl_operator_gcs_poll_errors_total',
    "Polls of a cluster's GCS that failed (head starting, restarting or gone).",
    'counter',
  );

  render(): string {
    return `${[this.reconciles, this.errors, this.podActions, this.duration, this.queueDepth, this.clusters, this.pods, this.leader, this.decisions, this.gcsPollSeconds, this.gcsPollErrors].map((m) => m.render()).join('\n')}\n`;
  }
}
