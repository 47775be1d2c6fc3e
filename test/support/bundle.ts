import type { WorkflowBundleOption } from '@temporalio/worker';

/** The workflows, bundled once per test run by the global setup (test/support/global-setup.ts). */
export function workflowBundle(): Promise<WorkflowBundleOption> {
  const codePath = process.env.SWITCHBOARD_TEST_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('integration tests must run through jest --selectProjects integration');
  return Promise.resolve({ codePath });
}
