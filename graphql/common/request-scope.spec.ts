import { OperationTypeNode } from 'graphql';
import { RequestScope } from './request-scope';

describe('RequestScope', () => {
  it("aborts a query's signal when its client goes, with CLIENT_CLOSED_REQUEST", () => {
    const scope = new RequestScope();
    scope.operationResolved(OperationTypeNode.QUERY);
    expect(scope.signal.aborted).toBe(false);
    scope.clientGone();
    expect(scope.signal.aborted).toBe(true);
    expect(scope.signal.reason).toMatchObject({ extensions: { code: 'CLIENT_CLOSED_REQUEST' } });
  });

  it('aborts once the operation is known to be a query when the client went before', () => {
    const scope = new RequestScope();
    scope.clientGone();
    expect(scope.signal.aborted).toBe(false);
    scope.operationResolved(OperationTypeNode.QUERY);
    expect(scope.signal.aborted).toBe(true);
  });

  it('never aborts a mutation: its writes go to their end', () => {
    const scope = new RequestScope();
    scope.clientGone();
    scope.operationResolved(OperationTypeNode.MUTATION);
    scope.clientGone();
    expect(scope.signal.aborted).toBe(false);
  });

  it('runs an abort listener added after the abort (as a Temporal call started then adds one)', async () => {
    const scope = new RequestScope();
    scope.operationResolved(OperationTypeNode.QUERY);
    const before = jest.fn();
    scope.signal.addEventListener('abort', before);
    scope.clientGone();
    expect(before).toHaveBeenCalledTimes(1);
    const after = await new Promise<Event>((resolve) => scope.signal.addEventListener('abort', resolve));
    expect(after.type).toBe('abort');
    const handler = { handleEvent: jest.fn() };
    scope.signal.addEventListener('abort', handler);
    await Promise.resolve();
    expect(handler.handleEvent).toHaveBeenCalledTimes(1);
    expect(before).toHaveBeenCalledTimes(1);
  });
});
