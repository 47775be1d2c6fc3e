// Every workflow the worker registers. Keep this file free of anything but workflow exports.
export { collectionWorkflow } from './collection.workflow';
export { changeWorkflow } from './change.workflow';
export { taskRunWorkflow, taskShardWorkflow } from './task.workflow';
export { scheduledTaskWorkflow } from './schedule.workflow';
export { alertsEvaluatorWorkflow, alertWorkflow } from './alerts.workflow';
