import {
  ApolloClient,
  ApolloLink,
  CombinedGraphQLErrors,
  HttpLink,
  InMemoryCache,
  ServerError,
} from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';
import { CSRF_HEADER, csrfToken } from '../features/auth/auth-api';

/**
 * The one GraphQL client of the portal: queries and mutations over HTTP at /graphql with the session
 * cookie (mutations add the CSRF header), subscriptions over graphql-ws on the same path (the
 * browser sends the session cookie with the upgrade request). Only the public API is used.
 */
export function createApolloClient(onSignedOut: () => void): ApolloClient {
  const http = new HttpLink({
    uri: '/graphql',
    credentials: 'same-origin',
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      const token = csrfToken();
      if (token) headers.set(CSRF_HEADER, token);
      return fetch(input, { ...init, headers });
    },
  });
  const wsUrl = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`;
  const ws = new GraphQLWsLink(createClient({ url: wsUrl, lazy: true, retryAttempts: 5 }));
  // A session that ended (expired, revoked, signed out elsewhere): back to the login page.
  const signedOut = new ErrorLink(({ error }) => {
    const unauthenticated =
      (ServerError.is(error) && error.statusCode === 401) ||
      (CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED'));
    if (unauthenticated) onSignedOut();
  });
  const transport = ApolloLink.split(
    (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
    ws,
    http,
  );
  return new ApolloClient({
    link: ApolloLink.from([signedOut, transport]),
    cache: new InMemoryCache(),
    defaultOptions: { watchQuery: { fetchPolicy: 'cache-and-network' } },
  });
}
