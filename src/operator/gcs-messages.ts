// The few messages of Ray's AutoscalerStateService (ray.rpc.autoscaler, Ray 2.60) that the operator uses, with a
// small protocol-buffers wire codec of our own: field numbers from Ray's public interface (autoscaler.proto),
// everything else ours. Decoding skips fields it does not know, as protobuf does, so newer Rays stay readable.
import type { Demand, GangStrategy, RayNode, Resources } from './autoscaler.ts';

// --- wire format: varints, 64-bit doubles, length-delimited bytes ---

const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const FIXED32 = 5;

/** Reads one message's fields: (field number, wire type, value reader). */
class Reader {
  private offset = 0;
  constructor(private readonly buffer: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.buffer.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.offset >= this.buffer.length) throw new Error('protobuf: truncated varint');
      const byte = this.buffer[this.offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  }

  tag(): { field: number; wire: number } {
    const key = Number(this.varint());
    return { field: key >>> 3, wire: key & 7 };
  }

  bytes(): Uint8Array {
    const length = Number(this.varint());
    if (this.offset + length > this.buffer.length) throw new Error('protobuf: truncated field');
    const slice = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  double(): number {
    const view = new DataView(this.buffer.buffer, this.buffer.byteOffset + this.offset, 8);
    this.offset += 8;
    return view.getFloat64(0, true);
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === FIXED64) this.offset += 8;
    else if (wire === BYTES) this.bytes();
    else if (wire === FIXED32) this.offset += 4;
    else throw new Error(`protobuf: wire type ${wire} not supported`);
  }
}

/** Calls `on(field, wire, reader)` for every field; fields `on` does not consume are skipped. */
function eachField(buffer: Uint8Array, on: (field: number, wire: number, reader: Reader) => boolean): void {
  const reader = new Reader(buffer);
  while (!reader.done) {
    const { field, wire } = reader.tag();
    if (!on(field, wire, reader)) reader.skip(wire);
  }
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

/** A map<string, double> entry (key = 1, value = 2). */
function resourceEntry(bytes: Uint8Array, into: Resources): void {
  let key = '';
  let value = 0;
  eachField(bytes, (field, wire, r) => {
    if (field === 1 && wire === BYTES) key = text(r.bytes());
    else if (field === 2 && wire === FIXED64) value = r.double();
    else return false;
    return true;
  });
  into[key] = value;
}

class Writer {
  private readonly chunks: Buffer[] = [];

  private varint(value: bigint): void {
    const bytes: number[] = [];
    let v = BigInt.asUintN(64, value);
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v > 0n);
    this.chunks.push(Buffer.from(bytes));
  }

  int(field: number, value: number | bigint): this {
    if (value === 0 || value === 0n) return this; // proto3 default: not written
    this.varint(BigInt((field << 3) | VARINT));
    this.varint(BigInt(value));
    return this;
  }

  bytes(field: number, value: Uint8Array | string): this {
    const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
    this.varint(BigInt((field << 3) | BYTES));
    this.varint(BigInt(data.length));
    this.chunks.push(data);
    return this;
  }

  /** Proto3 leaves a zero out, except inside map entries, where Ray writes it: `always` for those. */
  double(field: number, value: number, always = false): this {
    if (value === 0 && !always) return this;
    this.varint(BigInt((field << 3) | FIXED64));
    const data = Buffer.alloc(8);
    data.writeDoubleLE(value);
    this.chunks.push(data);
    return this;
  }

  message(field: number, writer: Writer): this {
    return this.bytes(field, writer.finish());
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

// --- GetClusterResourceState ---

export function encodeGetClusterResourceStateRequest(lastSeenVersion = 0): Buffer {
  return new Writer().int(1, lastSeenVersion).finish();
}

export interface ClusterResourceState {
  version: number;
  sessionName: string;
  nodes: (RayNode & { nodeId: Buffer; ip: string })[];
  demand: Demand;
}

const NODE_STATUS: Record<number, RayNode['status']> = { 1: 'RUNNING', 2: 'DEAD', 3: 'IDLE', 4: 'DRAINING' };

function decodeNode(bytes: Uint8Array): ClusterResourceState['nodes'][number] {
  const node: ClusterResourceState['nodes'][number] = {
    nodeId: Buffer.alloc(0),
    instanceId: '',
    nodeType: '',
    status: 'RUNNING',
    idleMs: 0,
    total: {},
    available: {},
    ip: '',
  };
  let status = 0;
  eachField(bytes, (field, wire, r) => {
    if (wire === BYTES && field === 1) node.nodeId = Buffer.from(r.bytes());
    else if (wire === BYTES && field === 2) node.instanceId = text(r.bytes());
    else if (wire === BYTES && field === 3) node.nodeType = text(r.bytes());
    else if (wire === BYTES && field === 4) resourceEntry(r.bytes(), node.available);
    else if (wire === BYTES && field === 5) resourceEntry(r.bytes(), node.total);
    else if (wire === VARINT && field === 8) status = Number(r.varint());
    else if (wire === VARINT && field === 9) node.idleMs = Number(r.varint());
    else if (wire === BYTES && field === 10) node.ip = text(r.bytes());
    else return false;
    return true;
  });
  // UNSPECIFIED (0) is treated as RUNNING: never idle, never removed.
  node.status = NODE_STATUS[status] ?? 'RUNNING';
  return node;
}

/** ResourceRequest: its bundle, and whether it must be apart from (anti-affinity) or with (affinity) its gang. */
function decodeRequest(bytes: Uint8Array): { bundle: Resources; antiAffinity: boolean; affinity: boolean } {
  const request = { bundle: {} as Resources, antiAffinity: false, affinity: false };
  eachField(bytes, (field, wire, r) => {
    if (wire === BYTES && field === 1) resourceEntry(r.bytes(), request.bundle);
    else if (wire === BYTES && field === 2)
      eachField(r.bytes(), (f, w, inner) => {
        if (w !== BYTES) return false;
        inner.bytes();
        if (f === 1) request.antiAffinity = true;
        else if (f === 2) request.affinity = true;
        return true;
      });
    else return false;
    return true;
  });
  return request;
}

function decodeByCount(bytes: Uint8Array): { bundle: Resources; count: number } {
  let bundle: Resources = {};
  let count = 0;
  eachField(bytes, (field, wire, r) => {
    if (wire === BYTES && field === 1) bundle = decodeRequest(r.bytes()).bundle;
    else if (wire === VARINT && field === 2) count = Number(r.varint());
    else return false;
    return true;
  });
  return { bundle, count };
}

/**
 * A placement group waiting for resources. Ray expresses STRICT_SPREAD as anti-affinity between the group's bundles
 * and STRICT_PACK as affinity; without either the bundles may share or not share nodes (PACK, SPREAD).
 */
function decodeGang(bytes: Uint8Array): { bundles: Resources[]; strategy: GangStrategy } {
  const requests: ReturnType<typeof decodeRequest>[] = [];
  eachField(bytes, (field, wire, r) => {
    if (wire === BYTES && field === 1) requests.push(decodeRequest(r.bytes()));
    else return false;
    return true;
  });
  const strategy: GangStrategy = requests.some((q) => q.antiAffinity)
    ? 'STRICT_SPREAD'
    : requests.some((q) => q.affinity)
      ? 'STRICT_PACK'
      : 'PACK';
  return { bundles: requests.map((q) => q.bundle), strategy };
}

export function decodeGetClusterResourceStateReply(buffer: Uint8Array): ClusterResourceState {
  const state: ClusterResourceState = {
    version: 0,
    sessionName: '',
    nodes: [],
    demand: { requests: [], gangs: [], constraints: [] },
  };
  eachField(buffer, (field, wire, r) => {
    if (field !== 1 || wire !== BYTES) return false;
    eachField(r.bytes(), (f, w, s) => {
      if (w === VARINT && f === 1) state.version = Number(s.varint());
      else if (w === BYTES && f === 3) state.nodes.push(decodeNode(s.bytes()));
      else if (w === BYTES && f === 4) state.demand.requests.push(decodeByCount(s.bytes()));
      else if (w === BYTES && f === 5) state.demand.gangs.push(decodeGang(s.bytes()));
      else if (w === BYTES && f === 6)
        eachField(s.bytes(), (cf, cw, c) => {
          if (cf !== 1 || cw !== BYTES) return false;
          state.demand.constraints.push(decodeByCount(c.bytes()));
          return true;
        });
      else if (w === BYTES && f === 7) state.sessionName = text(s.bytes());
      else return false;
      return true;
    });
    return true;
  });
  return state;
}

// --- DrainNode ---

export function encodeDrainNodeRequest(nodeId: Uint8Array, message: string, deadlineMs = 0): Buffer {
  // reason 1: DRAIN_NODE_REASON_IDLE_TERMINATION (Ray rejects it if the node is not idle).
  return new Writer().bytes(1, nodeId).int(2, 1).bytes(3, message).int(4, deadlineMs).finish();
}

export function decodeDrainNodeReply(buffer: Uint8Array): { accepted: boolean; rejection: string } {
  const reply = { accepted: false, rejection: '' };
  eachField(buffer, (field, wire, r) => {
    if (field === 1 && wire === VARINT) reply.accepted = r.varint() !== 0n;
    else if (field === 2 && wire === BYTES) reply.rejection = text(r.bytes());
    else return false;
    return true;
  });
  return reply;
}

// --- ReportAutoscalingState: what `ray status` shows as the autoscaler's view ---

export interface AutoscalingReport {
  clusterResourceStateVersion: number;
  autoscalerStateVersion: number;
  /** Workers launched and not yet in Ray: pod name and type. */
  pending: { instanceId: string; nodeType: string }[];
  infeasible: Resources[];
}

/** A map<string, double> as protobuf writes it: one entry message (key = 1, value = 2) per key. */
function resourceMap(field: number, resources: Resources, writer: Writer): void {
  for (const [key, value] of Object.entries(resources))
    writer.message(field, new Writer().bytes(1, key).double(2, value, true));
}

export function encodeReportAutoscalingStateRequest(report: AutoscalingReport): Buffer {
  // Fields in number order, as protobuf writes them.
  const state = new Writer().int(1, report.clusterResourceStateVersion).int(2, report.autoscalerStateVersion);
  for (const bundle of report.infeasible) {
    const request = new Writer();
    resourceMap(1, bundle, request);
    state.message(4, request);
  }
  for (const pending of report.pending)
    state.message(7, new Writer().bytes(2, pending.nodeType).bytes(3, pending.instanceId));
  return new Writer().message(1, state).finish();
}
