/**
 * The state of the Data co-pilot panel, without any DOM.
 *
 * The model follows the active notebook (through the notebook tracker), its
 * kernel, and the `NotebookActions.executed` signal; it asks the server for
 * the kernel's DataFrames and emits `stateChanged` whenever anything the
 * panel shows changes.
 *
 * It never refreshes on plain kernel status changes: the server's own silent
 * requests make the kernel busy then idle, which would loop. The only status
 * changes it reacts to are a restart, a dead kernel, and the first `idle`
 * after the server said "busy" (HTTP 409), with a cap on those retries.
 */
import type { ISessionContext } from '@jupyterlab/apputils';
import type { Cell } from '@jupyterlab/cells';
import {
  INotebookTracker,
  Notebook,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import type { Kernel, ServerConnection } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { fetchFrames, fetchSuggestion, LlmdsError } from './request';
import {
  IFrameInfo,
  ISuggestion,
  PrivacyMode,
  SchemaLibrary
} from './tokens';

/** What the panel is showing about the active notebook's frames. */
export type FramesState =
  /** No notebook is active. */
  | 'no_notebook'
  /** The active notebook has no kernel (or it died). */
  | 'no_kernel'
  /** A request is on its way (or the kernel is starting / restarting). */
  | 'loading'
  /** The list is current. */
  | 'ok'
  /** pandas is not imported in the kernel. */
  | 'no_pandas'
  /** The kernel is not a Python kernel. */
  | 'not_python'
  /** jupyterlab_llmds cannot be imported in the kernel's environment. */
  | 'not_installed'
  /** The kernel is busy; the list is refreshed when the cell finishes. */
  | 'busy'
  /** The server extension is not enabled (route missing or no server). */
  | 'server_missing'
  /** Any other error: `message` holds the server's sentence. */
  | 'error';

/** Progress of a task (e.g. "clean") started from the panel. */
export interface ITaskState {
  phase: 'idle' | 'running' | 'done' | 'error';
  /** The frame the task is about. */
  frame: string;
  /** What to tell the user (empty when idle). */
  message: string;
}

/** A suggestion together with where it was asked from. */
export interface ISuggestionResult {
  /** The notebook whose kernel holds the frame. */
  panel: NotebookPanel;
  /** The id of the cell that was active when the task was started. */
  anchorCellId: string | null;
  suggestion: ISuggestion;
}

/** How long to wait before refreshing after a cell ran (coalesces "run all"). */
const REFRESH_DELAY_MS = 200;
/** How many times in a row an `idle` status may trigger a retry after a 409. */
const MAX_BUSY_RETRIES = 5;

/** The Data co-pilot model. */
export class FramesModel implements IDisposable {
  constructor(options: FramesModel.IOptions) {
    this._tracker = options.tracker;
    this._trans = options.trans;
    this._serverSettings = options.serverSettings;
    this._tracker.currentChanged.connect(this._onCurrentChanged, this);
    NotebookActions.executed.connect(this._onExecuted, this);
    this._setNotebook(this._tracker.currentWidget);
  }

  /** Emitted whenever anything below changes. */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  /** The notebook whose kernel is listed, if any. */
  get notebook(): NotebookPanel | null {
    return this._panel;
  }

  /** The active notebook's file name (empty without a notebook). */
  get notebookName(): string {
    return this._panel?.context.path.split('/').pop() ?? '';
  }

  /** The kernel id of the active notebook (null without a kernel). */
  get kernelId(): string | null {
    return this._kernel()?.id ?? null;
  }

  /** The listing state. */
  get state(): FramesState {
    return this._state;
  }

  /** The sentence that goes with `state` (empty when there is nothing to add). */
  get message(): string {
    return this._message;
  }

  /** The frames last listed for the active notebook's kernel. */
  get frames(): ReadonlyArray<IFrameInfo> {
    return this._frames;
  }

  /** The selected frame's name, or null. */
  get selected(): string | null {
    return this._selected;
  }

  /** Progress of the last task started from the panel. */
  get task(): ITaskState {
    return this._task;
  }

  /** Whether a task can start now: a frame is selected and no task runs. */
  get canRunTask(): boolean {
    return (
      this._selected !== null &&
      this._panel !== null &&
      this.kernelId !== null &&
      this._task.phase !== 'running'
    );
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Select a frame by name (null clears the selection). */
  select(name: string | null): void {
    if (name !== null && !this._frames.some(frame => frame.name === name)) {
      return;
    }
    if (name === this._selected) {
      return;
    }
    this._selected = name;
    this._emit();
  }

  /**
   * List the active notebook's frames again.
   *
   * Never rejects: failures end up in `state` and `message`.
   */
  async refresh(): Promise<void> {
    this._clearTimer();
    const generation = ++this._generation;
    const panel = this._panel;
    if (panel === null) {
      this._set('no_notebook', '');
      return;
    }
    const context = panel.sessionContext;
    if (!context.isReady) {
      this._set('loading', this._trans.__("Waiting for the notebook's kernel…"));
      return;
    }
    const kernel = this._kernel();
    if (kernel === null) {
      this._frames = [];
      this._selected = null;
      this._set(
        'no_kernel',
        this._trans.__(
          'This notebook has no kernel. Pick one with Kernel ▸ Change Kernel… to see its DataFrames.'
        )
      );
      return;
    }
    if (kernel.status === 'dead') {
      this._frames = [];
      this._selected = null;
      this._set(
        'no_kernel',
        this._trans.__(
          "This notebook's kernel is dead. Restart it with Kernel ▸ Restart Kernel…"
        )
      );
      return;
    }
    if (this._state !== 'ok') {
      // A list that is on screen stays there while it is refreshed (no
      // flicker after every cell); anything else shows progress.
      this._set('loading', '');
    }
    try {
      const reply = await fetchFrames(kernel.id, this._requestOptions());
      if (generation !== this._generation || this._isDisposed) {
        return;
      }
      this._busyRetries = 0;
      this._retryOnIdle = false;
      this._frames = Array.isArray(reply.frames) ? reply.frames : [];
      if (
        this._selected !== null &&
        !this._frames.some(frame => frame.name === this._selected)
      ) {
        this._selected = null;
      }
      const status = reply.status;
      if (
        status === 'ok' ||
        status === 'no_pandas' ||
        status === 'not_python' ||
        status === 'not_installed'
      ) {
        this._set(status, reply.message ?? '');
      } else {
        this._set('error', reply.message ?? String(status));
      }
    } catch (reason) {
      if (generation !== this._generation || this._isDisposed) {
        return;
      }
      this._onRequestError(reason);
    }
  }

  /**
   * Ask the server for cells for `task` on the selected frame.
   *
   * Resolves with the suggestion and the notebook it is for, or null when it
   * failed (then `task` holds the server's message) or could not start.
   */
  async requestSuggestion(
    task: string,
    privacy?: PrivacyMode,
    schema?: SchemaLibrary
  ): Promise<ISuggestionResult | null> {
    const panel = this._panel;
    const frame = this._selected;
    const kernelId = this.kernelId;
    if (!this.canRunTask || panel === null || frame === null || !kernelId) {
      return null;
    }
    const anchorCellId = panel.content.activeCell?.model.id ?? null;
    this._task = {
      phase: 'running',
      frame,
      message: this._trans.__('Writing cells for `%1`…', frame)
    };
    this._emit();
    try {
      const suggestion = await fetchSuggestion(
        kernelId,
        frame,
        task,
        this._requestOptions(),
        privacy,
        schema
      );
      if (!suggestion || !Array.isArray(suggestion.cells)) {
        throw new LlmdsError(
          this._trans.__('The server sent a suggestion without cells.'),
          'server',
          200
        );
      }
      return { panel, anchorCellId, suggestion };
    } catch (reason) {
      this.finishTask('error', frame, errorMessage(reason));
      return null;
    }
  }

  /** Record how a task ended (what the panel shows under the button). */
  finishTask(phase: 'done' | 'error', frame: string, message: string): void {
    this._task = { phase, frame, message };
    this._emit();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._clearTimer();
    this._disconnectSession();
    this._tracker.currentChanged.disconnect(this._onCurrentChanged, this);
    NotebookActions.executed.disconnect(this._onExecuted, this);
    Signal.clearData(this);
  }

  private _requestOptions() {
    return { trans: this._trans, settings: this._serverSettings };
  }

  private _kernel(): Kernel.IKernelConnection | null {
    return this._panel?.sessionContext.session?.kernel ?? null;
  }

  private _onRequestError(reason: unknown): void {
    if (reason instanceof LlmdsError) {
      if (reason.kind === 'busy') {
        // Retry when the running cell finishes (executed signal) or, for a
        // kernel that is starting, when it first reports idle.
        this._retryOnIdle = this._busyRetries < MAX_BUSY_RETRIES;
        this._busyRetries++;
        this._set('busy', reason.message);
        return;
      }
      if (reason.kind === 'server_missing') {
        this._frames = [];
        this._selected = null;
        this._set('server_missing', reason.message);
        return;
      }
    }
    this._set('error', errorMessage(reason));
  }

  private _onCurrentChanged(
    _tracker: INotebookTracker,
    panel: NotebookPanel | null
  ): void {
    this._setNotebook(panel);
  }

  private _setNotebook(panel: NotebookPanel | null): void {
    if (panel === this._panel) {
      return;
    }
    this._disconnectSession();
    this._panel = panel;
    this._frames = [];
    this._selected = null;
    this._busyRetries = 0;
    this._retryOnIdle = false;
    if (this._task.phase !== 'running') {
      this._task = { phase: 'idle', frame: '', message: '' };
    }
    if (panel === null) {
      this._generation++;
      this._set('no_notebook', '');
      return;
    }
    const context = panel.sessionContext;
    context.kernelChanged.connect(this._onKernelChanged, this);
    context.statusChanged.connect(this._onStatusChanged, this);
    panel.disposed.connect(this._onPanelDisposed, this);
    if (!context.isReady) {
      void context.ready.then(() => {
        if (this._panel === panel && !this._isDisposed) {
          void this.refresh();
        }
      });
    }
    void this.refresh();
  }

  private _disconnectSession(): void {
    const panel = this._panel;
    if (panel === null) {
      return;
    }
    panel.sessionContext.kernelChanged.disconnect(this._onKernelChanged, this);
    panel.sessionContext.statusChanged.disconnect(this._onStatusChanged, this);
    panel.disposed.disconnect(this._onPanelDisposed, this);
  }

  private _onPanelDisposed(panel: NotebookPanel): void {
    if (panel === this._panel) {
      this._setNotebook(this._tracker.currentWidget);
    }
  }

  private _onKernelChanged(): void {
    this._frames = [];
    this._selected = null;
    this._busyRetries = 0;
    // A new kernel is usually still starting: the server answers 409 and we
    // retry on its first idle.
    this._retryOnIdle = true;
    void this.refresh();
  }

  private _onStatusChanged(
    _context: ISessionContext,
    status: Kernel.Status
  ): void {
    if (status === 'restarting' || status === 'autorestarting') {
      this._generation++;
      this._clearTimer();
      this._frames = [];
      this._selected = null;
      this._restarting = true;
      this._set('loading', this._trans.__('The kernel is restarting…'));
      return;
    }
    if (status === 'dead') {
      this._restarting = false;
      void this.refresh();
      return;
    }
    if (status === 'idle' && (this._restarting || this._retryOnIdle)) {
      this._restarting = false;
      this._retryOnIdle = false;
      this._scheduleRefresh();
    }
  }

  private _onExecuted(
    _sender: unknown,
    args: { notebook: Notebook; cell: Cell; success: boolean }
  ): void {
    if (this._panel !== null && args.notebook === this._panel.content) {
      this._busyRetries = 0;
      this._scheduleRefresh();
    }
  }

  private _scheduleRefresh(): void {
    this._clearTimer();
    this._timer = window.setTimeout(() => {
      this._timer = null;
      void this.refresh();
    }, REFRESH_DELAY_MS);
  }

  private _clearTimer(): void {
    if (this._timer !== null) {
      window.clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _set(state: FramesState, message: string): void {
    this._state = state;
    this._message = message;
    this._emit();
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._stateChanged.emit();
    }
  }

  private _tracker: INotebookTracker;
  private _trans: TranslationBundle;
  private _serverSettings: ServerConnection.ISettings | undefined;
  private _panel: NotebookPanel | null = null;
  private _state: FramesState = 'no_notebook';
  private _message = '';
  private _frames: IFrameInfo[] = [];
  private _selected: string | null = null;
  private _task: ITaskState = { phase: 'idle', frame: '', message: '' };
  private _generation = 0;
  private _timer: number | null = null;
  private _restarting = false;
  private _retryOnIdle = false;
  private _busyRetries = 0;
  private _isDisposed = false;
  private _stateChanged = new Signal<this, void>(this);
}

/** The namespace of {@link FramesModel} statics. */
export namespace FramesModel {
  export interface IOptions {
    tracker: INotebookTracker;
    trans: TranslationBundle;
    /** Server settings; defaults to `ServerConnection.makeSettings()`. */
    serverSettings?: ServerConnection.ISettings;
  }
}

/** The user-facing sentence of any rejection. */
export function errorMessage(reason: unknown): string {
  if (reason instanceof Error) {
    return reason.message;
  }
  return String(reason);
}
