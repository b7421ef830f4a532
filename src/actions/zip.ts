// A zip archive of a directory, as Ray takes a job's working directory: the files at the archive's root, deflated.
// Written by us (the format is small: one local header per file, a central directory, an end record) so the CLI
// needs no archive library. Deterministic: sorted paths and a fixed timestamp, so the same directory always gives
// the same bytes, and so the same content address on the cluster.
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { UserError } from '../errors.ts';

/** Ray refuses packages above 500 MiB (its GCS object limit is 512 MiB). */
export const MAX_PACKAGE_BYTES = 500 * 1024 ** 2;
/** Never part of a job's code: version control and Python's byte-code caches. */
const SKIPPED = new Set(['.git', '__pycache__']);
/** 1980-01-01 00:00, the earliest DOS date: no build time leaks into the archive. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;
const UTF8_NAMES = 0x0800;

export interface ZipEntry {
  /** Path inside the archive, with forward slashes. */
  name: string;
  data: Buffer;
  /** Unix permission bits (e.g. 0o755 keeps a script executable). */
  mode: number;
}

/** Every regular file under `dir`, sorted, skipping .git and __pycache__; symbolic links are refused. */
export function directoryEntries(dir: string): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let total = 0;
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      if (SKIPPED.has(name)) continue;
      const path = join(current, name);
      const stat = lstatSync(path);
      if (stat.isDirectory()) walk(path);
      else if (stat.isSymbolicLink())
        throw new UserError(`--working-dir: ${path} is a symbolic link`, 'copy the file it points to instead');
      else if (stat.isFile()) {
        total += stat.size;
        if (total > MAX_PACKAGE_BYTES)
          throw new UserError(
            `--working-dir ${dir} holds more than ${MAX_PACKAGE_BYTES / 1024 ** 2} MiB, Ray's limit for a package`,
            'keep data out of the working directory: read it from storage in the job',
          );
        entries.push({
          name: relative(dir, path).split(sep).join('/'),
          data: readFileSync(path),
          mode: stat.mode & 0o777,
        });
      }
    }
  };
  walk(dir);
  return entries;
}

export function zip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const compressed = deflateRawSync(entry.data);
    const file = { crc: crc32(entry.data), compressed: compressed.length, size: entry.data.length, name: name.length };
    const local = Buffer.alloc(30); // no extra field
    local.writeUInt32LE(0x04034b50, 0);
    describeFile(local, 4, file);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the external attributes carry the mode
    describeFile(central, 6, file);
    // Extra, comment, disk number and internal attributes: all 0.
    central.writeUInt32LE(((0o100000 | entry.mode) << 16) >>> 0, 38); // a regular file with its permissions
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * The fields both headers share, in the same order (at 4 in a local header, at 6 in a central one): version needed
 * (2.0, for deflate), flags (UTF-8 names), method (deflate), time, date, CRC-32, sizes, name length.
 */
function describeFile(
  header: Buffer,
  at: number,
  file: { crc: number; compressed: number; size: number; name: number },
): void {
  header.writeUInt16LE(20, at);
  header.writeUInt16LE(UTF8_NAMES, at + 2);
  header.writeUInt16LE(8, at + 4);
  header.writeUInt16LE(DOS_TIME, at + 6);
  header.writeUInt16LE(DOS_DATE, at + 8);
  header.writeUInt32LE(file.crc, at + 10);
  header.writeUInt32LE(file.compressed, at + 14);
  header.writeUInt32LE(file.size, at + 18);
  header.writeUInt16LE(file.name, at + 22);
}
