import { describe, expect, it, vi } from 'vitest';
import { ApiError, buildUrl, createHttpClient, problemFromResponse, toApiError } from './client';
import { createApi } from './api';

function respond(status: number, body: string, contentType = 'application/problem+json', headers: Record<string, string> = {}) {
  return new Response(body, { status, headers: { 'content-type': contentType, ...headers } });
}

describe('problemFromResponse', () => {
  it('reads problem+json: title, detail, code, request id and field errors', async () => {
    const problem = await problemFromResponse(
      respond(
        400,
        JSON.stringify({
          type: 'https://agent-center.dev/problems/validation-failed',
          title: 'Bad Request',
          status: 400,
          detail: 'The request is not valid',
          code: 'validation_failed',
          requestId: 'req-1',
          errors: [
            { field: 'title', message: 'must not be blank' },
            { field: 'config.commands[0].command', message: 'must not be blank' },
          ],
        }),
      ),
    );
    expect(problem).toEqual({
      status: 400,
      title: 'Bad Request',
      detail: 'The request is not valid',
      code: 'validation_failed',
      requestId: 'req-1',
      errors: [
        { field: 'title', message: 'must not be blank' },
        { field: 'config.commands[0].command', message: 'must not be blank' },
      ],
    });
  });

  it('gives a readable title and http_<status> code for an HTML error page', async () => {
    const problem = await problemFromResponse(
      respond(502, '<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>', 'text/html', { 'x-request-id': 'r9' }),
    );
    expect(problem.title).toBe('Bad Gateway');
    expect(problem.code).toBe('http_502');
    expect(problem.detail).toBe('502 Bad Gateway nginx');
    expect(problem.requestId).toBe('r9');
  });

  it('copes with an empty body and with broken JSON', async () => {
    expect(await problemFromResponse(new Response(null, { status: 503 }))).toMatchObject({
      title: 'Service Unavailable',
      detail: null,
      code: 'http_503',
    });
    expect(await problemFromResponse(respond(500, '{"title": oops'))).toMatchObject({ code: 'http_500', detail: '{"title": oops' });
  });
});

describe('createHttpClient', () => {
  it('sends JSON with the bearer token and parses the answer', async () => {
    const fetch = vi.fn(async () => respond(201, JSON.stringify({ id: 't1' }), 'application/json'));
    const http = createHttpClient({ fetch, token: () => 'secret' });
    const created = await http.request<{ id: string }>('POST', '/api/tasks', { body: { title: 'x' }, query: { a: 1, b: null } });
    expect(created).toEqual({ id: 't1' });
    expect(fetch).toHaveBeenCalledWith('/api/tasks?a=1', {
      method: 'POST',
      headers: {
        Accept: 'application/json, application/problem+json',
        Authorization: 'Bearer secret',
        'Content-Type': 'application/json',
      },
      body: '{"title":"x"}',
      signal: undefined,
    });
  });

  it('throws an ApiError carrying the problem, with field messages, and reports 401s', async () => {
    const unauthorized = vi.fn();
    const http = createHttpClient({
      fetch: async (input) =>
        String(input).includes('secure')
          ? respond(401, JSON.stringify({ title: 'Unauthorized', detail: 'This server requires an API token', code: 'unauthorized' }))
          : respond(409, JSON.stringify({ title: 'Conflict', detail: 'The task already has an active run', code: 'task_has_active_run' })),
      onUnauthorized: unauthorized,
    });
    const conflict = await http.request('POST', '/api/runs').catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ApiError);
    expect(conflict).toMatchObject({ status: 409, code: 'task_has_active_run', message: 'Conflict: The task already has an active run' });
    expect(unauthorized).not.toHaveBeenCalled();
    const denied = (await http.request('GET', '/api/secure').catch((e: unknown) => e)) as ApiError;
    expect(denied.unauthorized).toBe(true);
    expect(unauthorized).toHaveBeenCalledWith(denied);
  });

  it('turns a network failure into an ApiError instead of a bare TypeError', async () => {
    const http = createHttpClient({
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await expect(http.request('GET', '/api/tasks')).rejects.toMatchObject({
      name: 'ApiError',
      code: 'network_error',
      title: 'Cannot reach the server',
      detail: 'Failed to fetch',
    });
  });

  it('returns undefined for 204', async () => {
    const http = createHttpClient({ fetch: async () => new Response(null, { status: 204 }) });
    await expect(http.request('DELETE', '/api/automations/x')).resolves.toBeUndefined();
  });
});

describe('ApiError', () => {
  it('finds the message of a field', () => {
    const error = new ApiError({ status: 400, title: 'Bad Request', detail: null, code: 'validation_failed', requestId: null, errors: [{ field: 'slug', message: 'is taken' }] });
    expect(error.fieldMessage('slug')).toBe('is taken');
    expect(error.fieldMessage('name')).toBeUndefined();
    expect(toApiError(error)).toBe(error);
    expect(toApiError('boom')).toMatchObject({ code: 'network_error', detail: 'boom' });
  });
});

describe('api resources', () => {
  it('builds the documented routes', async () => {
    const calls: string[] = [];
    const api = createApi({
      request: async <T,>(method: string, path: string, options?: { query?: Record<string, unknown>; body?: unknown }) => {
        calls.push(`${method} ${buildUrl('', path, options?.query as never)} ${options?.body === undefined ? '' : JSON.stringify(options.body)}`.trim());
        return undefined as T;
      },
    });
    await api.tasks.list('w1', 'running');
    await api.runs.start('t1');
    await api.tasks.followUp('t1', 'more');
    await api.automations.preview('0 * * * *', 'UTC', 3);
    await api.repoConnections.test('c1');
    expect(calls).toEqual([
      'GET /api/tasks?workspaceId=w1&status=running&limit=100',
      'POST /api/runs {"taskId":"t1"}',
      'POST /api/tasks/t1/follow-ups {"prompt":"more"}',
      'POST /api/automations/preview-schedule?count=3 {"cronExpression":"0 * * * *","timezone":"UTC"}',
      'POST /api/repo-connections/c1/test',
    ]);
  });
});
