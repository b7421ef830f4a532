// The zip writer, checked by a reader we did not write: Python's zipfile (the test ground's Python, as Ray itself
// unpacks working directories with it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { directoryEntries, zip } from '../../../src/actions/zip.ts';

const scratch = mkdtempSync(join(tmpdir(), 'rayctl-zip-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function pythonRead(archive: string): { name: string; mode: number; text: string }[] {
  const script = [
    'import json, sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    'assert z.testzip() is None',
    'print(json.dumps([{"name": i.filename, "mode": (i.external_attr >> 16) & 0o777,',
    '  "text": z.read(i).decode()} for i in z.infolist()]))',
  ].join('\n');
  const run = spawnSync('python3', ['-c', script, archive], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as { name: string; mode: number; text: string }[];
}

describe('zipping a working directory', () => {
  it('holds every file at the root with its content and mode, skipping .git and __pycache__', () => {
    const dir = join(scratch, 'app');
    mkdirSync(join(dir, 'lib', 'ünïcode'), { recursive: true });
    mkdirSync(join(dir, '.git'));
    mkdirSync(join(dir, '__pycache__'));
    writeFileSync(join(dir, 'main.py'), 'import lib.helper\n'.repeat(100));
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\necho hi\n');
    writeFileSync(join(dir, 'lib', 'helper.py'), 'VALUE = 42\n');
    writeFileSync(join(dir, 'lib', 'ünïcode', 'data.txt'), '');
    // Modes set here, not left to the umask.
    for (const file of ['main.py', 'lib/helper.py', 'lib/ünïcode/data.txt']) chmodSync(join(dir, file), 0o644);
    chmodSync(join(dir, 'run.sh'), 0o755);
    writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(dir, '__pycache__', 'main.cpython-311.pyc'), 'x');
    const archive = join(scratch, 'app.zip');
    const bytes = zip(directoryEntries(dir));
    writeFileSync(archive, bytes);
    assert.deepEqual(pythonRead(archive), [
      { name: 'lib/helper.py', mode: 0o644, text: 'VALUE = 42\n' },
      { name: 'lib/ünïcode/data.txt', mode: 0o644, text: '' },
      { name: 'main.py', mode: 0o644, text: 'import lib.helper\n'.repeat(100) },
      { name: 'run.sh', mode: 0o755, text: '#!/bin/sh\necho hi\n' },
    ]);
    // Deflated, and the same directory gives the same bytes (its name on the cluster is its content hash).
    assert.ok(bytes.length < 1000, `${bytes.length} bytes`);
    assert.deepEqual(zip(directoryEntries(dir)), bytes);
  });

  it('an empty directory is a valid, empty archive', () => {
    const dir = join(scratch, 'empty');
    mkdirSync(dir);
    const archive = join(scratch, 'empty.zip');
    writeFileSync(archive, zip(directoryEntries(dir)));
    assert.deepEqual(pythonRead(archive), []);
  });
});
