import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchemaText } from './schema';

describe('schema.gql', () => {
  it('is committed and matches the resolvers (run `npm run schema:print` after changing them)', async () => {
    const committed = readFileSync(path.resolve(__dirname, '..', 'schema.gql'), 'utf8');
    expect(await buildSchemaText()).toBe(committed);
  });

  it('never exposes a secret', async () => {
    const schema = await buildSchemaText();
    const types = schema.split(/\n(?=type |input |enum )/).filter((block) => block.startsWith('type '));
    for (const block of types)
      expect(block).not.toMatch(/\b(password|privateKey|passphrase|enableSecret|secret\w*)\s*:/i);
  });
});
