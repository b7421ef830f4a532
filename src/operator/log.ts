export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** `2026-01-21 09:27:17,883`, the timestamp format of the original operator's log lines. */
function timestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
}

/**
 * The operator's log. Every line about a cluster starts with `<cluster>,<namespace>:` (as the original operator's
 * did) so `grep example-cluster2,ray` finds them, in text and in JSON format alike.
 */
export class OperatorLog implements Logger {
  private readonly minimum: number;

  constructor(
    private readonly format: LogFormat = 'text',
    level: LogLevel = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(line),
    private readonly now: () => Date = () => new Date(),
  ) {
    this.minimum = LEVELS.indexOf(level);
  }

  forCluster(name: string, namespace: string): Logger {
    const prefix = `${name},${namespace}:`;
    const emit = (level: LogLevel) => (message: string) =>
      this.emit(level, message, prefix, { cluster: name, namespace });
    return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
  }

  debug(message: string): void {
    this.emit('debug', message);
  }
  info(message: string): void {
    this.emit('info', message);
  }
  warn(message: string): void {
    this.emit('warn', message);
  }
  error(message: string): void {
    this.emit('error', message);
  }

  private emit(level: LogLevel, message: string, prefix = '', fields: Record<string, string> = {}): void {
    if (LEVELS.indexOf(level) < this.minimum) return;
    const time = this.now();
    const body =
      this.format === 'json'
        ? JSON.stringify({ time: time.toISOString(), level, ...fields, msg: message })
        : `${timestamp(time)}\t${level.toUpperCase()} operator -- ${message}`;
    this.write(`${prefix}${body}\n`);
  }
}
