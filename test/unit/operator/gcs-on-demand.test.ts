import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GcsApi } from '../../../src/operator/autoscaling.ts';
import type { AutoscalingReport, ClusterResourceState } from '../../../src/operator/gcs-messages.ts';
import { connectOnDemand, type GcsModule } from '../../../src/operator/gcs-on-demand.ts';

/** A GCS module whose clients record what they were asked, by address. */
function recordingModule() {
  const calls: string[] = [];
  class GcsClient implements GcsApi {
    constructor(private readonly address: string) {
      calls.push(`new ${address}`);
    }
    getClusterResourceState() {
      calls.push(`state ${this.address}`);
      return Promise.resolve({ clusterResourceStateVersion: 7 } as unknown as ClusterResourceState);
    }
    drainNode(nodeId: Uint8Array, message: string) {
      calls.push(`drain ${this.address} ${nodeId.length} ${message}`);
      return Promise.resolve({ accepted: false, rejection: 'busy' });
    }
    reportAutoscalingState() {
      calls.push(`report ${this.address}`);
      return Promise.resolve();
    }
    close() {
      calls.push(`close ${this.address}`);
    }
  }
  return { calls, module: { GcsClient } satisfies GcsModule };
}

describe('GCS connections on demand', () => {
  it('loads the module at the first connection, once for all addresses', async () => {
    const { calls, module } = recordingModule();
    let loads = 0;
    const connect = connectOnDemand(() => {
      loads++;
      return Promise.resolve(module);
    });
    assert.equal(loads, 0, 'nothing loads before a connection');

    const a = connect('10.0.0.1:6379');
    const b = connect('10.0.0.2:6379');
    assert.equal(loads, 1);
    assert.deepEqual(await a.getClusterResourceState(), { clusterResourceStateVersion: 7 });
    assert.deepEqual(await b.drainNode(new Uint8Array(28), 'idle'), { accepted: false, rejection: 'busy' });
    await a.reportAutoscalingState({} as AutoscalingReport);
    assert.equal(loads, 1);
    assert.deepEqual(calls, [
      'new 10.0.0.1:6379',
      'new 10.0.0.2:6379',
      'state 10.0.0.1:6379',
      'drain 10.0.0.2:6379 28 idle',
      'report 10.0.0.1:6379',
    ]);
  });

  it('closes the client of a connection once, also when closed before the module has loaded', async () => {
    const { calls, module } = recordingModule();
    let loaded!: (m: GcsModule) => void;
    const connect = connectOnDemand(() => new Promise((resolve) => (loaded = resolve)));
    const gcs = connect('10.0.0.3:6379');
    gcs.close();
    gcs.close();
    loaded(module);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(calls, ['new 10.0.0.3:6379', 'close 10.0.0.3:6379']);
  });

  it('a module that fails to load fails each call with its error, and nothing is left unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const connect = connectOnDemand(() => Promise.reject(new Error('Cannot find package @grpc/grpc-js')));
      connect('10.0.0.4:6379'); // a connection the autoscaler has not called yet
      const gcs = connect('10.0.0.5:6379');
      await assert.rejects(gcs.getClusterResourceState(), /Cannot find package @grpc\/grpc-js/);
      gcs.close();
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
