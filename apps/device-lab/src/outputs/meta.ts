/** Volatile facts of a configuration (updated on every change). */
export interface ConfigMeta {
  lastChange: Date;
  lastChangeBy: string;
  savedAt: Date;
  clockPeriod: number;
}
