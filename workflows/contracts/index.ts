// What workflows and their callers (the API, activities, tests) agree on: inputs, results, plans,
// signal payloads and activity interfaces. Types only: nothing here runs.
export type * from './runs';
export type * from './collection';
export type * from './change';
export type * from './task';
export type * from './schedule';
export type * from './safety';
export type * from './alerts';

/** Workflow types the worker registers, by the name clients start them with. */
export type WorkflowName =
  | 'collectionWorkflow'
  | 'changeWorkflow'
  | 'taskRunWorkflow'
  | 'taskShardWorkflow'
  | 'scheduledTaskWorkflow'
  | 'alertsEvaluatorWorkflow'
  | 'alertWorkflow';
