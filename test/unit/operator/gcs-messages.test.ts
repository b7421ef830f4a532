// Our protobuf codec for Ray's AutoscalerStateService against bytes written by Ray's own generated classes
// (test/fixtures/ray-gcs/make-fixtures.py, Ray 2.60.0): decoding Ray's bytes, and encoding the same bytes Ray does.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  decodeDrainNodeReply,
  decodeGetClusterResourceStateReply,
  encodeDrainNodeRequest,
  encodeGetClusterResourceStateRequest,
  encodeReportAutoscalingStateRequest,
} from '../../../src/operator/gcs-messages.ts';

const fixture = (name: string) =>
  Buffer.from(readFileSync(new URL(`../../fixtures/ray-gcs/${name}`, import.meta.url), 'utf8').trim(), 'hex');

describe('GetClusterResourceState', () => {
  const state = decodeGetClusterResourceStateReply(fixture('cluster-resource-state.hex'));

  it('decodes the nodes: pod name, type, status, idle time, total and available resources, IP', () => {
    assert.equal(state.version, 7);
    assert.equal(state.sessionName, 'session_x');
    assert.deepEqual(
      state.nodes.map((n) => ({ ...n, nodeId: n.nodeId.toString('hex') })),
      [
        {
          nodeId: 'aa01',
          instanceId: 'rc-head-abcde',
          nodeType: 'rayHeadType',
          status: 'RUNNING',
          idleMs: 0,
          // Map entries carry their value even when it is zero: the head's CPU: 0 is there.
          total: { CPU: 0, memory: 1073741824 },
          available: {},
          ip: '10.213.1.2',
        },
        {
          nodeId: 'bb02',
          instanceId: 'rc-worker-fghij',
          nodeType: 'rayWorkerType',
          status: 'IDLE',
          idleMs: 120000,
          total: { CPU: 1 },
          available: { CPU: 1, 'example-resource-a': 1 },
          ip: '10.213.1.3',
        },
      ],
    );
  });

  it('decodes the demand: requests by count, gangs with their strategy, constraints', () => {
    assert.deepEqual(state.demand, {
      requests: [{ bundle: { CPU: 1 }, count: 3 }],
      gangs: [
        { bundles: [{ CPU: 1 }, { CPU: 1 }], strategy: 'STRICT_SPREAD' },
        { bundles: [{ GPU: 1 }], strategy: 'STRICT_PACK' },
      ],
      constraints: [{ bundle: { CPU: 2 }, count: 1 }],
    });
  });

  it('encodes the request as Ray does (version 0 is the default and not written)', () => {
    assert.equal(encodeGetClusterResourceStateRequest(0).length, 0);
    assert.equal(encodeGetClusterResourceStateRequest(7).toString('hex'), '0807');
  });
});

describe('DrainNode and ReportAutoscalingState', () => {
  it('encodes DrainNodeRequest byte for byte as Ray does', () => {
    assert.equal(
      encodeDrainNodeRequest(Buffer.from('bb02', 'hex'), 'idle for 2m').toString('hex'),
      fixture('drain-node-request.hex').toString('hex'),
    );
  });

  it('decodes DrainNodeReply', () => {
    // is_accepted = false (absent), rejection_reason_message = "busy": field 2, length 4.
    assert.deepEqual(decodeDrainNodeReply(Buffer.from('120462757379', 'hex')), { accepted: false, rejection: 'busy' });
    assert.deepEqual(decodeDrainNodeReply(Buffer.from('0801', 'hex')), { accepted: true, rejection: '' });
  });

  it('encodes ReportAutoscalingStateRequest byte for byte as Ray does', () => {
    const encoded = encodeReportAutoscalingStateRequest({
      clusterResourceStateVersion: 7,
      autoscalerStateVersion: 3,
      pending: [{ instanceId: 'rc-worker-new', nodeType: 'rayWorkerType' }],
      infeasible: [{ GPU: 1 }],
    });
    assert.equal(encoded.toString('hex'), fixture('report-autoscaling-state.hex').toString('hex'));
  });
});
