/** A minimal GraphQL-over-HTTP client for the launcher, the benchmarks and the tests. */
export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; field?: string; fields?: { field: string; message: string }[] };
}

export class GraphQLRequestError extends Error {
  constructor(readonly errors: GraphQLErrorShape[]) {
    super(errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '));
  }
}

export interface GraphQLResponse<T> {
  data?: T;
  errors?: GraphQLErrorShape[];
}

export function graphqlClient(url: string, token?: string) {
  async function raw<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    try {
      return JSON.parse(text) as GraphQLResponse<T>;
    } catch {
      throw new Error(`HTTP ${response.status} from ${url}: ${text.slice(0, 200)}`);
    }
  }
  return {
    raw,
    /** Resolves with data, rejects with GraphQLRequestError when the response has errors. */
    async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const result = await raw<T>(query, variables);
      if (result.errors?.length) throw new GraphQLRequestError(result.errors);
      return result.data as T;
    },
  };
}
