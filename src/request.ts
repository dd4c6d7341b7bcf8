/**
 * REST calls to the jupyterlab-llmds server extension.
 *
 * Every failure becomes an {@link LlmdsError} whose `message` is the server's
 * own sentence (the `{"error", "message"}` JSON of docs/architecture.md), or,
 * when the route itself is missing, a sentence saying the server extension is
 * not enabled.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';

import {
  ICardReply,
  IErrorReply,
  IFramesReply,
  ISuggestion,
  PrivacyMode
} from './tokens';

/** What went wrong, as far as the frontend needs to know. */
export type LlmdsErrorKind =
  /** The route does not exist or the server cannot be reached. */
  | 'server_missing'
  /** The kernel is busy or starting (`kernel_busy`, `kernel_starting`). */
  | 'busy'
  /** Any other error the server reported (its `error` field is in `serverError`). */
  | 'server';

/** An error of a jupyterlab-llmds REST call, carrying the server's message. */
export class LlmdsError extends Error {
  constructor(
    message: string,
    readonly kind: LlmdsErrorKind,
    readonly status: number,
    readonly serverError: string = ''
  ) {
    super(message);
    this.name = 'LlmdsError';
  }
}

/** Options shared by the requests. */
export interface IRequestOptions {
  /** Server settings; the default settings when omitted. */
  settings?: ServerConnection.ISettings;
  /** Strings for the frontend's own error sentences. */
  trans: TranslationBundle;
}

function serverMissing(trans: TranslationBundle, status: number): LlmdsError {
  return new LlmdsError(
    trans.__(
      'The jupyterlab-llmds server extension is not enabled. Check with `jupyter server extension list`, enable it with `jupyter server extension enable jupyterlab_llmds` and restart JupyterLab.'
    ),
    'server_missing',
    status
  );
}

function isErrorReply(value: unknown): value is IErrorReply {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as IErrorReply).error === 'string' &&
    typeof (value as IErrorReply).message === 'string'
  );
}

/**
 * Call a route under `<base_url>/llmds/` and return its JSON answer.
 *
 * @param path - The route below `llmds/`, e.g. `frames`.
 * @param init - The fetch options (method, body).
 * @param options - Settings and translation bundle.
 * @param query - Query parameters, encoded here.
 */
export async function requestAPI<T>(
  path: string,
  init: RequestInit,
  options: IRequestOptions,
  query: Record<string, string> = {}
): Promise<T> {
  const settings = options.settings ?? ServerConnection.makeSettings();
  const url =
    URLExt.join(settings.baseUrl, 'llmds', path) +
    URLExt.objectToQueryString(query);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (reason) {
    // ServerConnection.NetworkError: the server cannot be reached at all.
    throw serverMissing(options.trans, 0);
  }
  const text = await response.text();
  let body: unknown = undefined;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (response.ok) {
    if (body === undefined) {
      throw new LlmdsError(
        options.trans.__(
          'The jupyterlab-llmds server extension sent an answer that is not JSON (HTTP %1).',
          response.status
        ),
        'server',
        response.status
      );
    }
    return body as T;
  }
  if (!isErrorReply(body)) {
    // A 404 without our error JSON is Jupyter's own "page not found": the
    // route is not registered, so the server extension is not loaded.
    if (response.status === 404) {
      throw serverMissing(options.trans, 404);
    }
    throw new LlmdsError(
      options.trans.__(
        'The server answered HTTP %1 %2.',
        response.status,
        response.statusText
      ),
      response.status === 409 ? 'busy' : 'server',
      response.status
    );
  }
  // Switch on the server's `error` kind, not on the HTTP status
  // (docs/architecture.md): busy and starting kernels are worth a retry.
  const retry = RETRY_ERRORS.has(body.error);
  throw new LlmdsError(
    body.message,
    retry ? 'busy' : 'server',
    response.status,
    body.error
  );
}

/** Error kinds after which the frontend retries once the kernel is idle. */
const RETRY_ERRORS = new Set(['kernel_busy', 'kernel_starting']);

/** `GET /llmds/frames?kernel=ID`: the DataFrames of a kernel. */
export function fetchFrames(
  kernelId: string,
  options: IRequestOptions
): Promise<IFramesReply> {
  return requestAPI<IFramesReply>(
    'frames',
    { method: 'GET' },
    options,
    { kernel: kernelId }
  );
}

/** `POST /llmds/suggest`: cells for `task` on the frame `frame`. */
export function fetchSuggestion(
  kernelId: string,
  frame: string,
  task: string,
  options: IRequestOptions
): Promise<ISuggestion> {
  return requestAPI<ISuggestion>(
    'suggest',
    {
      method: 'POST',
      body: JSON.stringify({ kernel: kernelId, frame, task })
    },
    options
  );
}

/** What to ask `GET /llmds/card` for, besides the kernel and the frame. */
export interface ICardQuery {
  /** The privacy mode (the server's default when omitted). */
  privacy?: PrivacyMode;
  /** The prompt budget in estimated tokens (the server's default when omitted). */
  budget?: number;
}

/**
 * `GET /llmds/card?kernel=ID&frame=NAME[&privacy=MODE][&budget=N]`: the card
 * of a frame and exactly the prompt that would be sent for it.
 */
export function fetchCard(
  kernelId: string,
  frame: string,
  query: ICardQuery,
  options: IRequestOptions
): Promise<ICardReply> {
  const params: Record<string, string> = { kernel: kernelId, frame };
  if (query.privacy) {
    params.privacy = query.privacy;
  }
  if (typeof query.budget === 'number' && Number.isFinite(query.budget)) {
    params.budget = String(Math.round(query.budget));
  }
  return requestAPI<ICardReply>('card', { method: 'GET' }, options, params);
}
