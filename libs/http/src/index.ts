export { extractPath, parsePath, PathSyntaxError } from './extract';
export type { PathSegment } from './extract';
export { DEFAULT_MAX_BODY_BYTES, HTTP_METHODS, httpRequest, HttpStepError, isHttpStepError } from './request';
export type {
  HttpAuth,
  HttpMethod,
  HttpRequestSpec,
  HttpResponseSummary,
  HttpStepErrorKind,
} from './request';
