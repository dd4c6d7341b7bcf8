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
  ChatStreamLine,
  ICardReply,
  IChatRequest,
  IEngineReply,
  IErrorReply,
  IFramesReply,
  IPreviewRequest,
  ISuggestion,
  PreviewStreamLine,
  PrivacyMode,
  SchemaLibrary
} from './tokens';

/** What went wrong, as far as the frontend needs to know. */
export type LlmdsErrorKind =
  /** The route does not exist or the server cannot be reached. */
  | 'server_missing'
  /** The kernel is busy or starting (`kernel_busy`, `kernel_starting`). */
  | 'busy'
  /** Any other error the server reported (its `error` field is in `serverError`). */
  | 'server'
  /** The caller aborted the request (a Stop button). */
  | 'aborted';

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
  const body = parseJSON(text);
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
  throw errorOfResponse(response, body, options.trans);
}

/** `text` parsed as JSON, or undefined when it is empty or not JSON. */
function parseJSON(text: string): unknown {
  if (text.length === 0) {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The {@link LlmdsError} of a failed answer whose body was `body`. */
function errorOfResponse(
  response: Response,
  body: unknown,
  trans: TranslationBundle
): LlmdsError {
  if (!isErrorReply(body)) {
    // A 404 without our error JSON is Jupyter's own "page not found": the
    // route is not registered, so the server extension is not loaded.
    if (response.status === 404) {
      return serverMissing(trans, 404);
    }
    return new LlmdsError(
      trans.__(
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
  return new LlmdsError(
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

/**
 * `POST /llmds/suggest`: cells for `task` on the frame `frame`, from its
 * card in `privacy` (the server's mode when omitted; a locked mode wins).
 */
export function fetchSuggestion(
  kernelId: string,
  frame: string,
  task: string,
  options: IRequestOptions,
  privacy?: PrivacyMode,
  schema?: SchemaLibrary
): Promise<ISuggestion> {
  return requestAPI<ISuggestion>(
    'suggest',
    {
      method: 'POST',
      body: JSON.stringify({ kernel: kernelId, frame, task, privacy, schema })
    },
    options
  );
}

/** `GET /llmds/engine`: which engine and model answer and what they do. */
export function fetchEngine(options: IRequestOptions): Promise<IEngineReply> {
  return requestAPI<IEngineReply>('engine', { method: 'GET' }, options);
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

/** The error of an aborted request (the user pressed Stop). */
function aborted(trans: TranslationBundle): LlmdsError {
  return new LlmdsError(trans.__('Stopped.'), 'aborted', 0);
}

/**
 * POST `body` to a streaming route under `<base_url>/llmds/` and hand each
 * line of its `application/x-ndjson` answer to `onLine` as it arrives.
 *
 * Errors found before the stream starts are the route's JSON error answers
 * and reject like {@link requestAPI}; once the stream runs, its own `error`
 * lines are lines like any other. Aborting `signal` closes the connection
 * (the server then stops its work, the model's request included) and
 * rejects with an `aborted` {@link LlmdsError}.
 *
 * @param path - The route below `llmds/`, e.g. `chat`.
 * @param body - The JSON body.
 * @param onLine - Called with every parsed line, in order.
 * @param options - Settings and translation bundle.
 * @param signal - Aborts the request.
 */
export async function requestStream(
  path: string,
  body: unknown,
  onLine: (line: unknown) => void,
  options: IRequestOptions,
  signal?: AbortSignal
): Promise<void> {
  const settings = options.settings ?? ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'llmds', path);
  const { trans } = options;
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      url,
      { method: 'POST', body: JSON.stringify(body), signal },
      settings
    );
  } catch (reason) {
    // makeRequest turns an abort into a NetworkError: tell them apart.
    throw signal?.aborted ? aborted(trans) : serverMissing(trans, 0);
  }
  if (!response.ok) {
    throw errorOfResponse(response, parseJSON(await readText(response)), trans);
  }
  if (!response.body) {
    throw new LlmdsError(
      trans.__('The browser cannot read streamed answers; update it.'),
      'server',
      response.status
    );
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const flushLines = (final: boolean) => {
    const parts = buffer.split('\n');
    buffer = final ? '' : parts.pop() ?? '';
    for (const part of parts) {
      if (part.trim().length === 0) {
        continue;
      }
      const line = parseJSON(part);
      if (typeof line !== 'object' || line === null) {
        throw new LlmdsError(
          trans.__(
            'The jupyterlab-llmds server extension sent a line that is not JSON; check the Jupyter server log.'
          ),
          'server',
          response.status
        );
      }
      onLine(line);
    }
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        buffer += decoder.decode();
        flushLines(true);
        return;
      }
      buffer += decoder.decode(value, { stream: true });
      flushLines(false);
    }
  } catch (reason) {
    if (signal?.aborted) {
      throw aborted(trans);
    }
    if (reason instanceof LlmdsError) {
      throw reason;
    }
    throw new LlmdsError(
      trans.__(
        'The connection to the Jupyter server broke during the answer; what arrived is kept. Check that the server is running and ask again.'
      ),
      'server',
      response.status
    );
  } finally {
    if (signal?.aborted) {
      void reader.cancel().catch(() => undefined);
    }
  }
}

/** A response's text, or an empty string when it cannot be read. */
async function readText(response: Response): Promise<string> {
  try {
    return await response.text();
  } catch {
    return '';
  }
}

/** `POST /llmds/chat`: the answer's lines, handed to `onLine` as they arrive. */
export function streamChat(
  request: IChatRequest,
  onLine: (line: ChatStreamLine) => void,
  options: IRequestOptions,
  signal?: AbortSignal
): Promise<void> {
  return requestStream(
    'chat',
    request,
    line => onLine(line as ChatStreamLine),
    options,
    signal
  );
}

/** `POST /llmds/preview`: the preview's lines, handed to `onLine` as they arrive. */
export function streamPreview(
  request: IPreviewRequest,
  onLine: (line: PreviewStreamLine) => void,
  options: IRequestOptions,
  signal?: AbortSignal
): Promise<void> {
  return requestStream(
    'preview',
    request,
    line => onLine(line as PreviewStreamLine),
    options,
    signal
  );
}
