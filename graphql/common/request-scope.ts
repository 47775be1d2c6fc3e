import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type OperationTypeNode } from 'graphql';
import { setMaxListeners } from 'node:events';

/** The error every field gets once the client of a query has gone (nobody reads it). */
export function clientGoneError(): GraphQLError {
  return new GraphQLError(
    'The client closed the connection before the response was sent; the query was stopped',
    {
      extensions: { code: 'CLIENT_CLOSED_REQUEST' },
    },
  );
}

/**
 * One GraphQL HTTP request, from its arrival to its response. `signal` aborts when the client
 * closes the connection before the response was sent, for queries only: a mutation that has
 * started goes to its end (its writes to PostgreSQL and Temporal are not cut half-way), like a
 * change push a cancel never interrupts.
 *
 * The API runs each request inside this signal's scope (`Client.withAbortSignal`, and
 * `withScheduleReads` of core/schedules), so every Temporal call made for it is cancelled then;
 * requestScopePlugin stops the fields that have not started.
 */
export class RequestScope {
  private readonly controller = new AbortController();
  readonly signal: AbortSignal = this.controller.signal;
  private gone = false;
  private kind: OperationTypeNode | null = null;

  constructor() {
    const signal = this.signal;
    // One listener per Temporal call in flight: a large query has many, all dropped with the request.
    setMaxListeners(0, signal);
    // The Temporal client cancels a call by an 'abort' listener it adds as the call starts; one added
    // after the abort would never run (DOM semantics) and the call would go on. On this signal such
    // a listener runs at once, so a call started after the client has gone (by a service's loop) is
    // cancelled too.
    const add = signal.addEventListener.bind(signal) as (type: string, ...rest: unknown[]) => void;
    signal.addEventListener = ((type: string, listener: unknown, ...rest: unknown[]) => {
      if (type !== 'abort' || !signal.aborted || !listener) return add(type, listener, ...rest);
      queueMicrotask(() => {
        const event = new Event('abort');
        if (typeof listener === 'function') listener.call(signal, event);
        else (listener as { handleEvent(event: Event): void }).handleEvent(event);
      });
    }) as AbortSignal['addEventListener'];
  }

  /** The HTTP connection closed before the response was sent. */
  clientGone(): void {
    this.gone = true;
    this.abortIfQuery();
  }

  /** The operation is known (didResolveOperation): a query or a subscription may be stopped. */
  operationResolved(kind: OperationTypeNode): void {
    this.kind = kind;
    this.abortIfQuery();
  }

  private abortIfQuery(): void {
    if (this.gone && this.kind !== null && this.kind !== 'mutation' && !this.signal.aborted) {
      this.controller.abort(clientGoneError());
    }
  }
}

/** What the API's GraphQL context holds for an HTTP request. */
export interface ScopedContext {
  signal?: AbortSignal;
  requestScope?: RequestScope;
}

/**
 * Tells the request scope what the operation is, refuses to start a query whose client has
 * already gone, and once it has gone, lets no further field resolver start.
 */
export function requestScopePlugin(): ApolloServerPlugin<ScopedContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          if (!operation) return;
          contextValue.requestScope?.operationResolved(operation.operation);
          contextValue.signal?.throwIfAborted();
        },
        async executionDidStart() {
          return {
            willResolveField({ contextValue }) {
              contextValue.signal?.throwIfAborted();
            },
          };
        },
      };
    },
  };
}
