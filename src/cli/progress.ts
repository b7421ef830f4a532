import chalk from './colours.ts';
import type { Progress } from '../actions/progress.ts';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Progress on stderr: on a terminal, a spinner with what is being waited for, redrawn in place; elsewhere (CI, pipes,
 * logs), one plain line each time what is waited for changes. Results go to stdout, so scripts can still parse them.
 */
export function stderrProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? new Spinner(stream) : new PlainProgress(stream);
}

class PlainProgress implements Progress {
  private lastWaiting = '';
  constructor(private readonly stream: NodeJS.WriteStream) {}
  info(message: string): void {
    this.stream.write(`${message}\n`);
  }
  warn(message: string): void {
    this.stream.write(`${chalk.yellow(`Warning: ${message}`)}\n`);
  }
  waiting(message: string): void {
    if (message === this.lastWaiting) return;
    this.lastWaiting = message;
    this.stream.write(`${message}\n`);
  }
  doneWaiting(): void {
    this.lastWaiting = '';
  }
}

class Spinner implements Progress {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private message = '';
  constructor(private readonly stream: NodeJS.WriteStream) {}
  info(message: string): void {
    this.clear();
    this.stream.write(`${message}\n`);
    this.draw();
  }
  warn(message: string): void {
    this.info(chalk.yellow(`Warning: ${message}`));
  }
  waiting(message: string): void {
    this.message = message;
    if (!this.timer) {
      this.timer = setInterval(() => this.draw(), 100);
      this.timer.unref();
    }
    this.draw();
  }
  doneWaiting(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
    this.message = '';
  }
  private draw(): void {
    if (!this.message) return;
    this.frame = (this.frame + 1) % FRAMES.length;
    const width = (this.stream.columns || 100) - 3;
    const text = this.message.length > width ? `${this.message.slice(0, width - 1)}…` : this.message;
    this.stream.write(`\r\x1b[2K${chalk.cyan(FRAMES[this.frame])} ${text}`);
  }
  private clear(): void {
    if (this.message) this.stream.write('\r\x1b[2K');
  }
}
