import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchemaText } from './schema';

describe('schema.gql', () => {
  it('is committed and matches the resolvers (run `npm run schema:print` after changing them)', async () => {
    const committed = readFileSync(path.resolve(__dirname, '..', 'schema.gql'), 'utf8');
    expect(await buildSchemaText()).toBe(committed);
  });

  it('never exposes a secret, but for the one a new personal access token shows once', async () => {
    const schema = await buildSchemaText();
    const types = schema.split(/\n(?=type |input |enum )/).filter((block) => block.startsWith('type '));
    // Root types list arguments (inputs), not what is returned: their fields' types are checked here.
    const outputs = types.filter((block) => !/^type (Query|Mutation|Subscription) /.test(block));
    const secretField =
      /\b(password|privateKey|passphrase|enableSecret|secret\w*|totp\w*|recoveryCodes?)\s*:/gi;
    const found = outputs.flatMap((block) =>
      [...block.matchAll(secretField)].map((m) => `${/^type (\w+)/.exec(block)?.[1]}.${m[1]}`),
    );
    // Mutation.createApiToken returns the token's value this once (it is stored hashed).
    expect(found).toEqual(['CreatedApiToken.secret']);
  });
});
