// The REST client: JSON in and out, bearer token, and every failure turned into an ApiError that can be shown in
// words (RFC 9457 problem+json title, detail, code and field errors), never swallowed.

export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  status: number;
  title: string;
  detail: string | null;
  code: string;
  requestId: string | null;
  errors: FieldError[];
}

export class ApiError extends Error implements Problem {
  readonly status: number;
  readonly title: string;
  readonly detail: string | null;
  readonly code: string;
  readonly requestId: string | null;
  readonly errors: FieldError[];

  constructor(problem: Problem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.title = problem.title;
    this.detail = problem.detail;
    this.code = problem.code;
    this.requestId = problem.requestId;
    this.errors = problem.errors;
  }

  /** The message for one field (`title`, `config.commands[0].command`, …), for showing next to an input. */
  fieldMessage(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message;
  }

  get unauthorized(): boolean {
    return this.status === 401;
  }
}

/** A problem found before asking the server (shown the same way as the server's). */
export function localProblem(title: string, detail: string, field?: string): ApiError {
  return new ApiError({
    status: 0,
    title,
    detail,
    code: 'invalid_input',
    requestId: null,
    errors: field ? [{ field, message: detail }] : [],
  });
}

/** Anything thrown while talking to the API, as an ApiError (network failures and bugs included). */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DOMException && error.name === 'AbortError') {
    return new ApiError({
      status: 0,
      title: 'Request cancelled',
      detail: null,
      code: 'aborted',
      requestId: null,
      errors: [],
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError({
    status: 0,
    title: 'Cannot reach the server',
    detail: message || null,
    code: 'network_error',
    requestId: null,
    errors: [],
  });
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function asString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function fieldErrors(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
    .map((e) => ({
      field: asString(e.field) ?? asString(e.path) ?? 'body',
      message: asString(e.message) ?? 'is not valid',
    }));
}

/**
 * Maps an error response to a Problem. problem+json (or any JSON object with title/detail/code) is read as it is;
 * anything else (an HTML error page from a proxy, plain text) still yields a readable title and a `http_<status>`
 * code, with the start of the body as detail.
 */
export async function problemFromResponse(response: Response): Promise<Problem> {
  const status = response.status;
  const fallbackTitle = asString(response.statusText) ?? REASONS[status] ?? `HTTP ${status}`;
  const requestId = response.headers.get('x-request-id');
  let text = '';
  try {
    text = await response.text();
  } catch {
    // the body could not be read: the status is all there is
  }
  const contentType = response.headers.get('content-type') ?? '';
  if (text && (contentType.includes('json') || text.trimStart().startsWith('{'))) {
    try {
      const body: unknown = JSON.parse(text);
      if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
        const b = body as Record<string, unknown>;
        return {
          status,
          title: asString(b.title) ?? fallbackTitle,
          detail: asString(b.detail) ?? asString(b.message),
          code: asString(b.code) ?? asString(b.error) ?? `http_${status}`,
          requestId: asString(b.requestId) ?? requestId,
          errors: fieldErrors(b.errors),
        };
      }
    } catch {
      // not JSON after all: fall through to the text
    }
  }
  const plain = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return {
    status,
    title: fallbackTitle,
    detail: plain ? plain.slice(0, 300) : null,
    code: `http_${status}`,
    requestId,
    errors: [],
  };
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

export interface HttpClient {
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
}

export interface HttpClientOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
  token?: () => string | null;
  /** Told about every 401, so the app can point at Settings. */
  onUnauthorized?: (error: ApiError) => void;
}

export function buildUrl(baseUrl: string, path: string, query?: Query): string {
  let url = baseUrl.replace(/\/$/, '') + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
    }
    const qs = params.toString();
    if (qs) url += (url.includes('?') ? '&' : '?') + qs;
  }
  return url;
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const baseUrl = options.baseUrl ?? '';
  return {
    async request<T>(method: string, path: string, request: RequestOptions = {}): Promise<T> {
      const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
      const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
      const token = options.token?.();
      if (token) headers.Authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (request.body !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(request.body);
      }
      let response: Response;
      try {
        response = await doFetch(buildUrl(baseUrl, path, request.query), {
          method,
          headers,
          body,
          signal: request.signal,
        });
      } catch (error) {
        throw toApiError(error);
      }
      if (!response.ok) {
        const error = new ApiError(await problemFromResponse(response));
        if (error.unauthorized) options.onUnauthorized?.(error);
        throw error;
      }
      if (response.status === 204) return undefined as T;
      const text = await response.text();
      if (!text) return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new ApiError({
          status: response.status,
          title: 'Unexpected response',
          detail: 'The server answered with something that is not JSON',
          code: 'invalid_response',
          requestId: response.headers.get('x-request-id'),
          errors: [],
        });
      }
    },
  };
}
