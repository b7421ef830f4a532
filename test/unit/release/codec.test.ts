import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { UserError } from '../../../src/errors.ts';
import { decodeRelease, encodeRelease, releaseLabels, secretName } from '../../../src/release/codec.ts';
import type { Release } from '../../../src/release/model.ts';

const release: Release = {
  name: 'example-cluster',
  namespace: 'ray',
  version: 3,
  info: {
    first_deployed: '2026-01-01T00:00:00Z',
    last_deployed: '2026-01-02T00:00:00Z',
    deleted: '',
    description: 'Upgrade complete',
    status: 'deployed',
    notes: '',
  },
  chart: {
    metadata: { apiVersion: 'v2', name: 'ray', version: '0.1.0' },
    lock: null,
    templates: [],
    values: {},
    files: [],
  },
  config: { clusterOnly: true },
  manifest: '---\n# Source: ray/templates/raycluster.yaml\n',
  hooks: [],
  apply_method: 'ssa',
};

describe("Helm's release codec", () => {
  it('names Secrets sh.helm.release.v1.<name>.v<revision>', () => {
    assert.equal(secretName('example-cluster', 12), 'sh.helm.release.v1.example-cluster.v12');
  });

  it('encodes base64(gzip(JSON)); on the wire (base64 once more) it starts SDRzSUFB like every Helm record', () => {
    const encoded = encodeRelease(release);
    const bytes = Buffer.from(encoded, 'base64');
    assert.deepEqual([...bytes.subarray(0, 3)], [0x1f, 0x8b, 0x08]);
    assert.ok(Buffer.from(encoded).toString('base64').startsWith('SDRzSUFB'));
  });

  it('round-trips', () => {
    assert.deepEqual(decodeRelease(encodeRelease(release), 's'), release);
  });

  it('decodes raw (not gzipped) JSON, as older Helm wrote', () => {
    const raw = Buffer.from(JSON.stringify(release)).toString('base64');
    assert.deepEqual(decodeRelease(raw, 's'), release);
  });

  it("fills fields Helm 4 omits (zero times, empty config), so readers don't have to", () => {
    const helm4 = {
      ...release,
      config: undefined,
      info: { status: 'deployed', description: 'Install complete', last_deployed: '2026-01-02T00:00:00Z' },
    };
    const decoded = decodeRelease(gzipSync(JSON.stringify(helm4)).toString('base64'), 's');
    assert.deepEqual(decoded.config, {});
    assert.equal(decoded.info.first_deployed, '');
    assert.equal(decoded.info.deleted, '');
  });

  for (const [what, encoded, reason] of [
    ['broken gzip', Buffer.from([0x1f, 0x8b, 0x08, 1, 2, 3]).toString('base64'), /gzip:/],
    ['not JSON', Buffer.from('hello').toString('base64'), /JSON:/],
    ['a JSON list', Buffer.from('[]').toString('base64'), /not a JSON object/],
    [
      'an unknown status',
      gzipSync(JSON.stringify({ ...release, info: { ...release.info, status: 'happy' } })).toString('base64'),
      /unknown status "happy"/,
    ],
    // 64 MiB of zeros gzips to 64 KiB; past the decoding cap, it is refused instead of inflated.
    [
      'a gzip bomb',
      gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }).toString('base64'),
      /gzip:.*(larger|length)/i,
    ],
  ] as const) {
    it(`reports ${what} with the record's name instead of skipping it`, () => {
      assert.throws(
        () => decodeRelease(encoded, 'ray/sh.helm.release.v1.x.v1'),
        (err: Error) => {
          assert.match(err.message, /^release record ray\/sh\.helm\.release\.v1\.x\.v1 cannot be decoded/);
          assert.match(err.message, reason);
          assert.ok(err instanceof UserError, 'corrupt data is the user\'s to fix, not "a bug in rayctl"');
          return true;
        },
      );
    });
  }

  it('labels agree with the JSON', () => {
    assert.deepEqual(releaseLabels(release), {
      name: 'example-cluster',
      owner: 'helm',
      status: 'deployed',
      version: '3',
    });
  });
});
