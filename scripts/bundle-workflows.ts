/**
 * Bundle the workflows once, ahead of time (`npm run build` calls it): a worker given the file
 * (WORKER_WORKFLOW_BUNDLE) starts without bundling them itself. Usage: bundle-workflows.ts [out].
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export async function bundleWorkflowsTo(file: string): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: console.warn,
      error: console.error,
    },
  });
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, code);
  return file;
}

if (require.main === module) {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'dist', 'workflows.bundle.js'));
  bundleWorkflowsTo(out)
    .then((file) => console.log(`workflows bundled into ${file}`))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
