import chalk from 'chalk';

// Colours only for a person at a terminal: never in pipes or when NO_COLOR is set. Decided here, where chalk is
// loaded, so no output sees it undecided; the CLI imports chalk from this module only (eslint enforces it).
if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') chalk.level = 0;
else if ((!process.stdout.isTTY || !process.stderr.isTTY) && process.env.FORCE_COLOR === undefined) chalk.level = 0;

export default chalk;
