import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The operator's Prometheus metrics, kept by prom-client: ours, plus the process and Node.js metrics that
 * dashboards for Node services expect (CPU, resident memory, open file descriptors, event-loop lag, heap, GC).
 * Each operator has its own registry, so several in one process (tests) do not share counts.
 */
export class OperatorMetrics {
  readonly registry = new Registry();

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  readonly reconciles = this.counter('rayctl_operator_reconciles_total', 'Reconciles of RayClusters, by result.', [
    'result',
  ]);
  readonly errors = this.counter('rayctl_operator_reconcile_errors_total', 'Reconciles that failed.');
  readonly podActions = this.counter('rayctl_operator_pod_actions_total', 'Pods created and deleted, by action.', [
    'action',
  ]);
  readonly duration = new Histogram({
    name: 'rayctl_operator_reconcile_duration_seconds',
    help: 'Time to reconcile one RayCluster.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly queueDepth = this.gauge('rayctl_operator_queue_depth', 'RayClusters waiting to be reconciled.');
  readonly clusters = this.gauge('rayctl_operator_clusters', 'RayClusters watched, by phase.', ['phase']);
  readonly pods = this.gauge('rayctl_operator_pods', 'Ray pods, by phase.', ['phase']);
  readonly leader = this.gauge('rayctl_operator_leader', '1 while this replica is the leader.');
  readonly decisions = this.counter(
    'rayctl_operator_autoscaler_decisions_total',
    'Autoscaler decisions: workers launched (scale_up), drained (scale_down), new infeasible demand.',
    ['action'],
  );
  readonly gcsPollSeconds = new Histogram({
    name: 'rayctl_operator_gcs_poll_duration_seconds',
    help: "Time to read one cluster's load from Ray's GCS.",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly gcsPollErrors = this.counter(
    'rayctl_operator_gcs_poll_errors_total',
    "Polls of a cluster's GCS that failed (head starting, restarting or gone).",
  );

  constructor(options: { processMetrics?: boolean } = {}) {
    // The process metrics describe the whole process: only the operator that owns it collects them.
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Prometheus text format 0.0.4. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
