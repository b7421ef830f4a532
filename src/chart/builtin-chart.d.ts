// The virtual module that src/build/bundle.ts generates: the Ray chart with its templates and schema precompiled.
// An ambient module cannot import relative types at the top, hence import() types.
/* eslint-disable @typescript-eslint/consistent-type-imports */
declare module 'rayctl:builtin-chart' {
  export const chart: import('./chart.ts').Chart;
  export const precompiled: import('./compile.ts').Precompiled;
}
