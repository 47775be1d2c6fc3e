export { compliance } from './compliance';
export type { ComplianceLine, ComplianceOptions, ComplianceResult } from './compliance';
export { hierarchicalDiff, isOrderedBlock, unifiedDiff } from './diff';
export type { HierarchicalChange, UnifiedDiffOptions } from './diff';
export { enterConfig, exitConfig, negate, planPush, planRestore } from './plan';
export { verifyChange } from './verify';
export type { ChangeVerification } from './verify';
export type { PlanOptions, RestoreOptions } from './plan';
export { junosStatements, parseConfig, parseJunosSnippet, statementText } from './tree';
export type { ConfigNode, ConfigStyle, JunosStatement } from './tree';
export {
  contentHash,
  DEFAULT_VOLATILE_RULES,
  isVolatileLine,
  normaliseConfig,
  volatileRules,
  configureVolatileRules,
  configuredVolatileRules,
} from './volatile';
export type { VolatileRule } from './volatile';
export { applyVolatileRulesFile } from './volatile-file';
