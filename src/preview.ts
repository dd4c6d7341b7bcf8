/**
 * One preview of a generated code block on a copy of a frame, without DOM:
 * it runs `POST /llmds/preview` and keeps what its lines say (the safety
 * findings, each attempt with its report, the repairs, the final code).
 *
 * Nothing here touches the user's namespace: the server runs the code in the
 * kernel against a copy, in a namespace of its own.
 */
import type { ServerConnection } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from './model';
import { LlmdsError, streamPreview } from './request';
import type {
  ISafetyFinding,
  PreviewStatus,
  PreviewStreamLine
} from './tokens';

/** Where a preview stands. */
export type PreviewPhase =
  /** The request runs (an attempt, or the model writing a fix). */
  | 'running'
  /** The static check flagged the code: nothing ran, the user decides. */
  | 'flagged'
  /** The preview ended (`done` line): see `status`. */
  | 'done'
  /** The request failed or the stream said `error`: see `error`. */
  | 'error'
  /** The user stopped it. */
  | 'stopped';

/** One attempt as the `attempt` line gave it. */
export interface IPreviewAttempt {
  attempt: number;
  code: string;
  status: PreviewStatus;
  markdown: string;
}

/** What a preview needs to know. */
export interface IPreviewTarget {
  kernel: string;
  frame: string;
  code: string;
  /** The task that wrote the code (guides the repair prompt). */
  task?: string;
}

/** The preview of one code block. */
export class PreviewRun {
  constructor(options: PreviewRun.IOptions) {
    this.target = options.target;
    this._trans = options.trans;
    this._serverSettings = options.serverSettings;
  }

  /** The block, kernel and frame this preview is about. */
  readonly target: IPreviewTarget;

  /** Emitted whenever anything below changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get phase(): PreviewPhase {
    return this._phase;
  }

  /** The attempts so far, in order. */
  get attempts(): ReadonlyArray<IPreviewAttempt> {
    return this._attempts;
  }

  /** The safety findings of the last run (empty when nothing was flagged). */
  get findings(): ReadonlyArray<ISafetyFinding> {
    return this._findings;
  }

  /** The safety report as Markdown (empty when nothing was flagged). */
  get safetyMarkdown(): string {
    return this._safetyMarkdown;
  }

  /** The attempt the model is writing now (0 when none). */
  get repairing(): number {
    return this._repairing;
  }

  /** The final status (`done` line), else empty. */
  get status(): string {
    return this._status;
  }

  /** The code to insert: the final (possibly repaired) code, else the original. */
  get finalCode(): string {
    return this._finalCode || this.target.code;
  }

  /** How many attempts the preview took (`done` line), else the attempts seen. */
  get attemptCount(): number {
    return this._attemptCount || this._attempts.length;
  }

  /** Whether the final code is a repair (the `done` line says so). */
  get repaired(): boolean {
    return this._phase === 'done' && this._repaired;
  }

  /** The server's sentence on how the preview ended (`done` line), else empty. */
  get outcome(): string {
    return this._outcome;
  }

  /** The `start` line's engine and model, once known. */
  get engine(): string {
    return this._engine;
  }

  get model(): string | null {
    return this._model;
  }

  /** The rows the copy holds at most (from `start`; 0 before). */
  get maxRows(): number {
    return this._maxRows;
  }

  /** The error sentence (phase `error`). */
  get error(): string {
    return this._error;
  }

  get isRunning(): boolean {
    return this._phase === 'running';
  }

  /**
   * Run the preview (again). With `allowFlagged` the user has read the
   * safety findings and asked to run the code anyway.
   *
   * Never rejects: failures end up in `phase` and `error`.
   */
  async run(allowFlagged = false): Promise<void> {
    this.stop();
    const controller = new AbortController();
    this._controller = controller;
    this._phase = 'running';
    this._attempts = [];
    this._findings = [];
    this._safetyMarkdown = '';
    this._repairing = 0;
    this._status = '';
    this._finalCode = '';
    this._attemptCount = 0;
    this._repaired = false;
    this._outcome = '';
    this._error = '';
    this._emit();
    const { kernel, frame, code, task } = this.target;
    try {
      await streamPreview(
        {
          kernel,
          frame,
          code,
          ...(task ? { task } : {}),
          repair: true,
          allow_flagged: allowFlagged
        },
        line => this._onLine(line),
        { trans: this._trans, settings: this._serverSettings },
        controller.signal
      );
      if (this._phase === 'running') {
        // The stream ended without `done`: keep what came, say so.
        this._phase = 'error';
        this._error = this._trans.__(
          'The preview ended before it finished; run it again.'
        );
      }
    } catch (reason) {
      if (reason instanceof LlmdsError && reason.kind === 'aborted') {
        this._phase = 'stopped';
      } else {
        this._phase = 'error';
        this._error = this._errorSentence(reason);
      }
    } finally {
      if (this._controller === controller) {
        this._controller = null;
      }
      this._emit();
    }
  }

  /** Stop a running preview (the server stops a model request in flight). */
  stop(): void {
    if (this._controller !== null) {
      this._controller.abort();
      this._controller = null;
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.stop();
    Signal.clearData(this);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  private _onLine(line: PreviewStreamLine): void {
    switch (line.type) {
      case 'start':
        this._engine = String(line.engine ?? '');
        this._model = typeof line.model === 'string' ? line.model : null;
        this._maxRows = Number(line.max_rows) || 0;
        break;
      case 'safety':
        this._findings = Array.isArray(line.findings) ? line.findings : [];
        this._safetyMarkdown = String(line.markdown ?? '');
        break;
      case 'attempt':
        this._repairing = 0;
        this._attempts = [
          ...this._attempts,
          {
            attempt: Number(line.attempt) || this._attempts.length + 1,
            code: String(line.code ?? ''),
            status: line.status,
            markdown: String(line.markdown ?? '')
          }
        ];
        break;
      case 'repairing':
        this._repairing = Number(line.attempt) || this._attempts.length + 1;
        break;
      case 'error':
        // `done` follows; it decides whether there is code to insert.
        this._error = String(line.message ?? '');
        break;
      case 'done':
        this._repairing = 0;
        this._status = String(line.status ?? '');
        this._finalCode = String(line.code ?? '');
        this._attemptCount = Number(line.attempts) || this._attempts.length;
        this._repaired =
          typeof line.repaired === 'boolean'
            ? line.repaired
            : this._finalCode.trim() !== '' &&
              this._finalCode.trim() !== this.target.code.trim();
        this._outcome = typeof line.message === 'string' ? line.message : '';
        if (this._phase === 'running') {
          if (this._status === 'flagged' && this._findings.length > 0) {
            // Flagged code that was not run waits for the user's decision.
            this._phase = 'flagged';
          } else if (this._attempts.length === 0 && this._error) {
            // Nothing ran (the frame is gone, the kernel refused).
            this._phase = 'error';
          } else {
            this._phase = 'done';
          }
        }
        break;
      default:
        return;
    }
    this._emit();
  }

  private _errorSentence(reason: unknown): string {
    if (
      reason instanceof LlmdsError &&
      reason.kind === 'server_missing' &&
      reason.status === 404
    ) {
      return this._trans.__(
        'This Jupyter server has no preview route: update jupyterlab-llmds on the server and restart it.'
      );
    }
    return errorMessage(reason);
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _trans: TranslationBundle;
  private _serverSettings: ServerConnection.ISettings | undefined;
  private _controller: AbortController | null = null;
  private _phase: PreviewPhase = 'running';
  private _attempts: IPreviewAttempt[] = [];
  private _findings: ISafetyFinding[] = [];
  private _safetyMarkdown = '';
  private _repairing = 0;
  private _status = '';
  private _finalCode = '';
  private _attemptCount = 0;
  private _repaired = false;
  private _outcome = '';
  private _engine = '';
  private _model: string | null = null;
  private _maxRows = 0;
  private _error = '';
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

/** The namespace of {@link PreviewRun} statics. */
export namespace PreviewRun {
  export interface IOptions {
    target: IPreviewTarget;
    trans: TranslationBundle;
    serverSettings?: ServerConnection.ISettings;
  }
}
