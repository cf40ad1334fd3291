/** Versions named in the banner and --version. */
export const VERSION = {
  package: '0.1.0',
  /** The p0f release whose behaviour and output this package reproduces. */
  p0f: '3.09b',
} as const;
