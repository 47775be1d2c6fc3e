export { renderConfig, validateTemplate, toTemplateIssues, TemplateError, TEMPLATE_FILTERS } from './render';
export type { RenderInput, TemplateErrorKind, TemplateIssue, TemplateValidation } from './render';
export { NETWORK_FILTERS } from './filters';
export type { NetworkFilterName } from './filters';
export {
  assertVariables,
  bindVariables,
  BINDING_LAYERS,
  checkVariables,
  explainBinding,
  pointerToPath,
} from './variables';
export type { BindingExplanation, BindingLayer, BindingLayers, Variables, VariablesCheck } from './variables';
export { DEFAULT_FORBIDDEN_COMMANDS, lintConfig } from './lint';
export type { LintIssue, LintOptions, LintRule } from './lint';
export { exportConfigs, sanitiseFileName } from './archive';
export type { ArchiveFormat, ConfigFile } from './archive';
export { loadBuiltinTemplates, META_SCHEMA } from './builtin';
export type { BuiltinTemplate, TemplateMeta } from './builtin';
