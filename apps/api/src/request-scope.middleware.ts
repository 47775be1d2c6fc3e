import type { Client } from '@temporalio/client';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestScope } from '../../../graphql/common/request-scope';
import { withScheduleReads } from '../../../core/schedules/schedules.repository';

export type ScopedRequest = IncomingMessage & { requestScope?: RequestScope };

/**
 * Express middleware for the GraphQL endpoint: gives the request its RequestScope (the GraphQL
 * context carries it and its signal) and runs the rest of the request inside it, so that
 * - every Temporal call made for it is cancelled once the client of a query has gone
 *   (`Client.withAbortSignal` scopes every call made from here down, in any service);
 * - each schedule is described at most once (`withScheduleReads`), and not at all once it has gone.
 */
export function requestScopeMiddleware(temporal: Client) {
  return (req: ScopedRequest, res: ServerResponse, next: () => void): void => {
    const scope = new RequestScope();
    req.requestScope = scope;
    res.once('close', () => {
      if (!res.writableFinished) scope.clientGone();
    });
    withScheduleReads(() => void temporal.withAbortSignal(scope.signal, async () => next()), scope.signal);
  };
}
