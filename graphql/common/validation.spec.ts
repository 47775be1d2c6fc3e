import 'reflect-metadata';
import * as classTransformer from 'class-transformer';
import { GraphQLError } from 'graphql';
import { BatchRunsInput } from '../tasks/dto/task.input';
import { StartCollectionInput } from '../runs/dto/start-collection.input';
import { CreateDeviceInput } from '../devices/dto/create-device.input';
import { createValidationPipe } from './validation';

const pipe = createValidationPipe();
const args = (metatype: unknown, data = 'input') =>
  ({ type: 'body', metatype, data }) as Parameters<typeof pipe.transform>[1];

async function refusal(value: unknown, metadata: Parameters<typeof pipe.transform>[1]) {
  try {
    await pipe.transform(value, metadata);
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    return (error as GraphQLError).extensions;
  }
  throw new Error('not refused');
}

describe('the input pipe', () => {
  afterEach(() => jest.restoreAllMocks());

  it('refuses a NUL anywhere in an argument, naming its path inside the input', async () => {
    const value = {
      name: 'r1',
      host: '10.0.0.1',
      platform: 'cisco_ios',
      credentialId: 'x',
      tags: ['a', 'b', 'c\u0000'],
    };
    expect(await refusal(value, args(CreateDeviceInput))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'tags[2]',
    });
    expect(await refusal('a\u0000', args(String, 'reason'))).toMatchObject({ field: 'reason' });
  });

  it('leaves parents and the context alone (Nest hands them over as custom)', async () => {
    const parent = { name: 'a\u0000' };
    await expect(pipe.transform(parent, { type: 'custom', metatype: Object, data: undefined })).resolves.toBe(
      parent,
    );
  });

  it('refuses a list longer than its input allows before building the input (400,000 batch items)', async () => {
    const build = jest.spyOn(classTransformer, 'plainToInstance');
    const items = Array.from({ length: 400_000 }, () => ({ op: 'START', task: 'noop' }));
    expect(await refusal({ items }, args(BatchRunsInput))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'items',
      fields: [{ field: 'items', message: 'must contain no more than 500 elements' }],
    });
    expect(build).not.toHaveBeenCalled();
  });

  it('follows nested inputs to their lists', async () => {
    const build = jest.spyOn(classTransformer, 'plainToInstance');
    const value = {
      commands: ['show version'],
      commandsByPlatform: [{ platform: 'cisco_ios', commands: Array.from({ length: 101 }, () => 'x') }],
    };
    expect(await refusal(value, args(StartCollectionInput))).toMatchObject({
      field: 'commandsByPlatform[0].commands',
    });
    expect(build).not.toHaveBeenCalled();
  });

  it('builds and validates inputs within their limits as before', async () => {
    const input = await pipe.transform({ items: [{ op: 'START', task: ' t ' }] }, args(BatchRunsInput));
    expect(input).toBeInstanceOf(BatchRunsInput);
  });
});
