// The API client: openapi-fetch over the types npm run gen generates from
// the OpenAPI document (schema.d.ts). Paths are checked against the
// document at compile time. A refusal is thrown as ApiError carrying the
// RFC 9457 problem (code, reason, detail, limit, errors) for the screens to
// show; a 401 refreshes the session once, then sends the person back to
// sign in.
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';
import { config } from '../config';
import { accessToken, refresh, signOut } from '../auth';

export type Problem = components['schemas']['Problem'];
export type ApiPath = keyof paths;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export class ApiError extends Error {
  constructor(
    public status: number,
    public problem: Partial<Problem>,
  ) {
    super(problem.detail || problem.title || `HTTP ${status}`);
  }
}

let client: ReturnType<typeof createClient<paths>> | null = null;
function http() {
  if (!client) client = createClient<paths>({ baseUrl: config().apiUrl });
  return client;
}

export interface CallOptions {
  path?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
}

// Response bodies are read as JSON values: the document's schemas name
// them, and the screens read the fields the document gives.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

async function once(method: Method, path: ApiPath, o: CallOptions): Promise<{ status: number; data: Json; error: Json }> {
  const token = await accessToken();
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.query || {})) {
    if (v !== undefined && v !== '') query[k] = String(v);
  }
  const c = http() as unknown as Record<Method, (p: string, init: object) => Promise<{ data?: Json; error?: Json; response: Response }>>;
  const init: Record<string, unknown> = {
    params: { path: o.path, query },
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  };
  if (o.body !== undefined) init.body = o.body;
  let out;
  try {
    out = await c[method](path as string, init);
  } catch {
    return { status: 0, data: null, error: { title: 'Network error', detail: 'The API cannot be reached. Is the stack running?' } };
  }
  return { status: out.response.status, data: out.data, error: out.error };
}

/** Calls the API; resolves with the body, or throws ApiError. */
export async function api(method: Method, path: ApiPath, o: CallOptions = {}): Promise<Json> {
  let r = await once(method, path, o);
  if (r.status === 401 && (await refresh())) r = await once(method, path, o);
  if (r.status === 401) {
    signOut('Your session has ended. Please sign in again.');
    throw new ApiError(401, { title: 'Signed out', detail: 'Your session has ended. Please sign in again.' });
  }
  if (r.status >= 200 && r.status < 300) return r.data ?? null;
  const p: Partial<Problem> = typeof r.error === 'object' && r.error ? r.error : { title: `HTTP ${r.status}`, detail: String(r.error || '') };
  throw new ApiError(r.status, p);
}

/** A page of any list route, as the document's *Page schemas give it. */
type AnyPage = components['schemas'][Extract<keyof components['schemas'], `${string}Page`>];
export type Page = { items: Json[]; nextCursor?: AnyPage['nextCursor'] };
