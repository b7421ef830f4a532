import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Informer,
  parseWatchEvent,
  type ChangeType,
  type ListWatch,
  type WatchStream,
} from '../../../src/operator/informer.ts';
import { OperatorLog } from '../../../src/operator/log.ts';
import { settle } from '../fakes/fake-clock.ts';

interface Obj {
  metadata: { name: string; namespace: string; resourceVersion: string };
  label?: string;
}
const obj = (name: string, resourceVersion: string, label?: string): Obj => ({
  metadata: { name, namespace: 'ray', resourceVersion },
  ...(label ? { label } : {}),
});

/** A watch body the test writes to, chunk by chunk (a chunk may hold half an event), and ends. */
class FakeWatch implements WatchStream {
  private chunks: (string | null)[] = [];
  private wake: (() => void) | undefined;
  destroyed = false;

  send(type: string, object: unknown): void {
    this.write(`${JSON.stringify({ type, object })}\n`);
  }
  write(chunk: string): void {
    this.chunks.push(chunk);
    this.wake?.();
  }
  end(): void {
    this.chunks.push(null);
    this.wake?.();
  }
  destroy(): void {
    this.destroyed = true;
    this.end();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk === null) return;
      if (chunk !== undefined) yield chunk;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/** The API server's side: what each list returns, and the watches the informer opened (with their resourceVersion). */
class FakeSource implements ListWatch<Obj> {
  readonly kind = 'things';
  listed: { resourceVersion: string; items: Obj[] } = { resourceVersion: '1', items: [] };
  lists = 0;
  watches: { from: string; stream: FakeWatch }[] = [];
  failWatches = 0;

  async list() {
    await Promise.resolve();
    this.lists++;
    return structuredClone(this.listed);
  }
  async watch(from: string) {
    await Promise.resolve();
    if (this.failWatches > 0) {
      this.failWatches--;
      throw new Error('connect ECONNREFUSED');
    }
    const stream = new FakeWatch();
    this.watches.push({ from, stream });
    return stream;
  }
  get current(): FakeWatch {
    return this.watches.at(-1)!.stream;
  }
}

function informerOn(source: FakeSource) {
  const changes: string[] = [];
  const informer = new Informer<Obj>(
    source,
    (type: ChangeType, o) => changes.push(`${type} ${o.metadata.name}@${o.metadata.resourceVersion}`),
    new OperatorLog('text', 'error', () => {}),
    (o) => o.label,
  );
  informer.start();
  return { informer, changes };
}

describe('informer', () => {
  it('lists, then applies watch events to the cache and its index, across split chunks', async () => {
    const source = new FakeSource();
    source.listed = { resourceVersion: '10', items: [obj('a', '5', 'x')] };
    const { informer, changes } = informerOn(source);
    await informer.synced;
    await settle();
    assert.equal(source.watches[0]?.from, '10');
    const event = JSON.stringify({ type: 'ADDED', object: obj('b', '11', 'x') });
    source.current.write(event.slice(0, 20));
    source.current.write(`${event.slice(20)}\n`);
    source.current.send('MODIFIED', obj('a', '12', 'y'));
    source.current.send('DELETED', obj('b', '13', 'x'));
    await settle();
    assert.deepEqual(changes, ['added a@5', 'added b@11', 'modified a@12', 'deleted b@13']);
    assert.deepEqual(
      informer.list().map((o) => o.metadata.name),
      ['a'],
    );
    assert.deepEqual(informer.byIndex('x'), []);
    assert.deepEqual(
      informer.byIndex('y').map((o) => o.metadata.name),
      ['a'],
    );
    informer.stop();
  });

  it('a bookmark moves the resourceVersion: the next watch resumes from it without a relist', async () => {
    const source = new FakeSource();
    const { informer, changes } = informerOn(source);
    await informer.synced;
    await settle();
    source.current.send('BOOKMARK', { metadata: { resourceVersion: '99' } });
    source.current.end(); // the server's timeoutSeconds ran out
    await settle();
    assert.equal(source.lists, 1);
    assert.deepEqual(
      source.watches.map((w) => w.from),
      ['1', '99'],
    );
    assert.deepEqual(changes, []);
    informer.stop();
  });

  it('410 Gone relists: objects that vanished meanwhile are reported deleted, changed ones modified', async () => {
    const source = new FakeSource();
    source.listed = { resourceVersion: '1', items: [obj('a', '1'), obj('b', '1')] };
    const { informer, changes } = informerOn(source);
    await informer.synced;
    await settle();
    source.listed = { resourceVersion: '50', items: [obj('a', '40')] };
    source.current.send('ERROR', { kind: 'Status', code: 410, message: 'too old resource version: 1 (45)' });
    await settle();
    assert.equal(source.lists, 2);
    assert.deepEqual(changes.slice(2), ['modified a@40', 'deleted b@1']);
    assert.equal(source.watches.at(-1)?.from, '50');
    informer.stop();
  });

  it('reconnects after the watch cannot be opened (an API server restart), from the same resourceVersion', async () => {
    const source = new FakeSource();
    const { informer } = informerOn(source);
    await informer.synced;
    await settle();
    source.current.send('ADDED', obj('a', '7'));
    source.failWatches = 2;
    source.current.end();
    // Two refused attempts back off 200 ms, then 400 ms.
    await new Promise((resolve) => setTimeout(resolve, 800));
    await settle();
    assert.deepEqual(
      source.watches.map((w) => w.from),
      ['1', '7'],
    );
    assert.equal(source.lists, 1);
    informer.stop();
    assert.equal(source.current.destroyed, true);
  });
});

describe('parseWatchEvent', () => {
  const pod = (managedFields?: unknown[]) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      namespace: 'ray',
      annotations: { note: 'a]},"spec":{"x":1}' },
      ownerReferences: [{ uid: 'u', controller: true }],
      ...(managedFields ? { managedFields } : {}),
    },
    spec: { containers: [{ name: 'ray', args: [']},"spec":{'] }] },
    status: { phase: 'Running' },
  });
  const managed = [
    { manager: 'x]},', operation: 'Update', fieldsV1: { 'f:spec': { 'k:{"name":"ray"}': { '.': {} } } } },
    { manager: 'kwok', operation: 'Update', fieldsV1: { 'f:status': {} }, subresource: 'status' },
  ];

  it('parses an event without its object’s managedFields, and everything else as it was', () => {
    const event = parseWatchEvent<ReturnType<typeof pod>>(JSON.stringify({ type: 'MODIFIED', object: pod(managed) }));
    assert.deepEqual(event, { type: 'MODIFIED', object: pod() });
  });

  it('without the spec too, when asked; a spec that holds a "status" object is parsed whole', () => {
    const line = JSON.stringify({ type: 'ADDED', object: pod(managed) });
    const { spec: _spec, ...withoutSpec } = pod();
    assert.deepEqual(parseWatchEvent(line, true), { type: 'ADDED', object: withoutSpec });
    const odd = { metadata: { name: 'p' }, spec: { a: {}, status: { x: 1 }, b: 2 }, status: { phase: 'Running' } };
    assert.deepEqual(parseWatchEvent(JSON.stringify({ type: 'ADDED', object: odd }), true), {
      type: 'ADDED',
      object: odd,
    });
  });

  it('parses whole what has another layout: no managedFields, no spec after them, bookmarks, errors', () => {
    for (const object of [
      pod(),
      { metadata: { name: 'p', managedFields: managed }, data: { a: ']},"spec":{' } },
      { kind: 'Status', code: 410, message: 'too old' },
      { metadata: { resourceVersion: '9' } },
    ])
      assert.deepEqual(parseWatchEvent(JSON.stringify({ type: 'X', object })), { type: 'X', object });
  });
});
