import chalk from 'chalk';

/** Colours only for a person at a terminal: never in pipes or when NO_COLOR is set. */
export function configureColours(stream: NodeJS.WriteStream = process.stderr): void {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') chalk.level = 0;
  else if (!stream.isTTY && process.env.FORCE_COLOR === undefined) chalk.level = 0;
}

export function printError(message: string, hint?: string): void {
  process.stderr.write(`${chalk.red(`Error: ${message}`)}\n`);
  if (hint) process.stderr.write(`${chalk.dim(`Hint: ${hint}`)}\n`);
}

export function printWarning(message: string): void {
  process.stderr.write(`${chalk.yellow(`Warning: ${message}`)}\n`);
}
