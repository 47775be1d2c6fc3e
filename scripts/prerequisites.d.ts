// Types of scripts/prerequisites.js (plain JavaScript so that scripts/bootstrap.js can load it before
// `npm install`; the TypeScript side imports it through these declarations).

/** Probes of the machine; each defaults to the real one (PATH lookups use `env.PATH`). */
export interface PrerequisiteProbes {
  env?: NodeJS.ProcessEnv;
  exists?: (file: string) => boolean;
  /** The first PATH entry holding `name`. */
  which?: (name: string) => string | undefined;
  /** Entries of a directory, [] when it does not exist. */
  readdir?: (dir: string) => string[];
  /** `$(go env GOPATH)/bin`, undefined without Go. */
  goBin?: () => string | undefined;
}

export interface MissingPrerequisite {
  what: string;
  /** The Debian package that provides it. */
  apt?: string;
  /** The Go module `go install` builds it from. */
  go?: string;
  why?: string;
  /** A setting to fix by hand (nothing to install). */
  problem?: string;
}

export interface InstallPlan {
  packages: string[];
  build: boolean;
  /** Why nothing can be installed here, and the command to run instead. */
  blocked: string | undefined;
}

export const TEMPORAL_CLI_MODULE: string;
export function findPgBinDir(options?: PrerequisiteProbes): string | undefined;
export function findTemporalCli(options?: PrerequisiteProbes): string | undefined;
export function findOrBuildTemporalCli(log?: (line: string) => void, options?: PrerequisiteProbes): string;
export function needsServices(mode: 'start' | 'test', args?: string[]): boolean;
export function missingPrerequisites(
  options: PrerequisiteProbes & { mode: 'start' | 'test'; args?: string[] },
): MissingPrerequisite[];
export function installPlan(
  missing: MissingPrerequisite[],
  options?: PrerequisiteProbes & { uid?: number },
): InstallPlan;
