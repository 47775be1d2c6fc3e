import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchemaText } from './schema';

/** npm run schema:print — regenerate the committed schema.gql. */
buildSchemaText()
  .then((text) => {
    const file = path.resolve(__dirname, '..', 'schema.gql');
    writeFileSync(file, text);
    console.log(`wrote ${file}`);
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
