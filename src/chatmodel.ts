/**
 * The chat of the Data co-pilot panel, without any DOM: one conversation per
 * notebook (keyed by its path, kept in IStateDB across reloads), the draft
 * and the frames in play, streaming answers from `POST /llmds/chat`, what
 * the engine can do, the cards that will be sent, code-block actions and
 * previews.
 */
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { ServerConnection } from '@jupyterlab/services';
import type { IStateDB } from '@jupyterlab/statedb';
import type { TranslationBundle } from '@jupyterlab/translation';
import { UUID } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { ISendCard, SendCards } from './chatcards';
import {
  codeCellsOf,
  contextCells,
  frameForCode,
  framesInPlay,
  historyOf,
  mentionedFrames
} from './chatcontext';
import {
  cannotDoSentence,
  engineDoes,
  IEngineInfo,
  fetchEngineInfo,
  UNKNOWN_ENGINE
} from './chatengine';
import {
  ChatMessageStatus,
  IChatMessage,
  IConversation,
  loadConversations,
  saveConversations
} from './chatstore';
import { errorMessage, FramesModel } from './model';
import { insertCellsBelow, originOf, replaceActiveCell } from './notebook';
import { PreviewRun } from './preview';
import { LlmdsError, streamChat } from './request';
import {
  ChatStreamLine,
  ChatTask,
  ICellOrigin,
  ISendOptions,
  ISuggestedCell
} from './tokens';

export type { IChatMessage, ChatMessageStatus, IEngineInfo, ISendCard };

/** Refusals that mean the chat's idea of the engine is out of date. */
const ENGINE_ERRORS = new Set(['unknown_task', 'engine_config']);

/** Wait after the last change before saving the conversations. */
const SAVE_DELAY_MS = 400;

/** Longest wait between saves while an answer streams. */
const STREAM_SAVE_INTERVAL_MS = 2000;

/** Wait after the frames in play change before asking for their cards. */
const CARD_DELAY_MS = 300;

/** A short-lived line under the input (what an action did, or why not). */
export interface IChatNotice {
  kind: 'info' | 'error';
  text: string;
}

/** The chat model. */
export class ChatModel implements IDisposable {
  constructor(options: ChatModel.IOptions) {
    this._frames = options.frames;
    this._trans = options.trans;
    this._serverSettings = options.serverSettings;
    this._state = options.state ?? null;
    this._sendOptions = options.sendOptions ?? null;
    this._cards = new SendCards({
      trans: options.trans,
      serverSettings: options.serverSettings,
      sendOptions: options.sendOptions
    });
    this._cards.changed.connect(this._emit, this);
    this._frames.stateChanged.connect(this._onFramesChanged, this);
    this._onFramesChanged();
    this.restored = this._restore();
  }

  /** Resolves once the stored conversations are loaded (or there are none). */
  readonly restored: Promise<void>;

  /** Emitted whenever anything below changes. */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  /** The frames model (the active notebook, its kernel, frames, selection). */
  get frames(): FramesModel {
    return this._frames;
  }

  /** The key of the active conversation: the notebook's path (null without one). */
  get key(): string | null {
    return this._key;
  }

  /** The active notebook's conversation, oldest first. */
  get messages(): ReadonlyArray<IChatMessage> {
    return this._conversation()?.messages ?? [];
  }

  /** What the user is typing (kept per notebook while the page lives). */
  get draft(): string {
    return this._key === null ? '' : this._drafts.get(this._key) ?? '';
  }

  /** The frames the next request is about: the selection, then `@` mentions. */
  get framesInPlay(): string[] {
    return framesInPlay(this._frames.selected, this.mentioned);
  }

  /** The live frames mentioned with `@name` in the draft. */
  get mentioned(): string[] {
    return mentionedFrames(this.draft, this.frameNames);
  }

  /** The names of the live frames of the active notebook's kernel. */
  get frameNames(): string[] {
    return this._frames.frames.map(frame => frame.name);
  }

  /** Whether an answer is streaming into the active conversation. */
  get isStreaming(): boolean {
    return this._key !== null && this._active.has(this._key);
  }

  /** What is known of the engine. */
  get engine(): IEngineInfo {
    return this._engine;
  }

  /** The cards the frames in play will send (in play order). */
  get sendCards(): ISendCard[] {
    return this._cards.cardsOf(this.framesInPlay);
  }

  /** The last action's notice (null when none). */
  get notice(): IChatNotice | null {
    return this._notice;
  }

  /** Whether the engine does `task` (true while unknown). */
  canDo(task: ChatTask): boolean {
    return engineDoes(this._engine, task);
  }

  /** Why a request cannot start now (empty when it can). */
  blocker(task: ChatTask = 'ask'): string {
    if (this._frames.notebook === null) {
      return this._trans.__('Open a notebook to chat about its DataFrames.');
    }
    if (this._frames.kernelId === null) {
      return this._trans.__(
        'This notebook has no running kernel: start one to chat about its DataFrames.'
      );
    }
    if (this.isStreaming) {
      return this._trans.__('An answer is on its way: stop it or wait.');
    }
    if (this.framesInPlay.length === 0) {
      return this._trans.__(
        'Select a DataFrame in the Frames list, or mention one with @name.'
      );
    }
    if (!this.canDo(task)) {
      return cannotDoSentence(this._engine, task, this._trans);
    }
    return '';
  }

  /** Set the draft (the input's text). */
  setDraft(text: string): void {
    if (this._key === null || text === this.draft) {
      return;
    }
    this._drafts.set(this._key, text);
    this._emit();
    this._scheduleCards();
  }

  /**
   * Tell the model whether the chat is on screen: the cards of the frames in
   * play are read (in the kernel) only while it is, and the first time it
   * shows, the engine is asked what it can do.
   */
  setVisible(visible: boolean): void {
    if (visible === this._visible) {
      return;
    }
    this._visible = visible;
    if (visible) {
      this._scheduleCards();
      if (!this._probed) {
        this._probed = true;
        void this._fetchEngine();
      }
    }
  }

  /** Show a notice under the input (replaces the previous one). */
  setNotice(notice: IChatNotice | null): void {
    this._notice = notice;
    this._emit();
  }

  /**
   * Send the draft (task `ask`), or run a quick action (`clean`, ...) on the
   * frames in play with the draft as extra instructions.
   *
   * Never rejects: failures become the answer's error.
   */
  async send(task: ChatTask = 'ask'): Promise<void> {
    const text = this.draft.trim();
    if (task === 'ask' && text.length === 0) {
      return;
    }
    const blocker = this.blocker(task);
    if (blocker) {
      this.setNotice({ kind: 'error', text: blocker });
      return;
    }
    const key = this._key as string;
    // The mentions live in the draft: read the frames before clearing it.
    const frames = this.framesInPlay;
    this._drafts.set(key, '');
    await this._ask(key, task, text, frames);
  }

  /**
   * Ask again what the last answer was asked (after an error or a stop);
   * the failed answer is replaced.
   */
  async retry(): Promise<void> {
    const conversation = this._conversation();
    const key = this._key;
    if (!conversation || key === null || this.isStreaming) {
      return;
    }
    const messages = conversation.messages;
    const last = messages[messages.length - 1];
    const question = messages[messages.length - 2];
    if (
      !last ||
      !question ||
      last.role !== 'assistant' ||
      question.role !== 'user' ||
      last.status === 'done'
    ) {
      return;
    }
    messages.splice(messages.length - 2, 2);
    await this._ask(key, question.task, question.text, question.frames);
  }

  /** Stop the answer streaming into the active conversation. */
  stop(): boolean {
    const controller = this._key !== null ? this._active.get(this._key) : null;
    if (!controller) {
      return false;
    }
    controller.abort();
    return true;
  }

  /** Forget the active notebook's conversation (and stop its answer). */
  clear(): void {
    if (this._key === null) {
      return;
    }
    this.stop();
    const conversation = this._conversations.get(this._key);
    for (const message of conversation?.messages ?? []) {
      this._disposePreviews(message.id);
    }
    this._conversations.delete(this._key);
    this._notice = null;
    this._emit();
    this._save();
  }

  /** The last answer of the active conversation that has cells, or null. */
  lastAnswerWithCells(): IChatMessage | null {
    const messages = this.messages;
    for (let i = messages.length - 1; i >= 0; i--) {
      const message = messages[i];
      if (message.role === 'assistant' && (message.cells?.length ?? 0) > 0) {
        return message;
      }
    }
    return null;
  }

  /**
   * Insert `cells` of the answer `message` below the active cell of the
   * active notebook, tagged with where they came from.
   *
   * @returns the number of cells inserted (the notice says what happened).
   */
  insertCells(
    message: IChatMessage,
    cells: ReadonlyArray<ISuggestedCell>,
    preview?: string
  ): number {
    const panel = this._notebookFor(message);
    if (panel === null) {
      return 0;
    }
    const notebook = panel.content;
    const at = insertCellsBelow(
      notebook,
      notebook.activeCellIndex,
      cells,
      this.originOf(message, preview)
    );
    if (at < 0) {
      this.setNotice({
        kind: 'error',
        text: this._trans.__('There was nothing to insert.')
      });
      return 0;
    }
    this.setNotice({
      kind: 'info',
      text: this._trans._n(
        'Inserted %1 cell below the active cell. Review it, then run it.',
        'Inserted %1 cells below the active cell. Review them, then run them.',
        cells.length
      )
    });
    return cells.length;
  }

  /**
   * Replace the active code cell's source with `source` (one undo brings the
   * old one back).
   *
   * @returns whether the cell was replaced.
   */
  replaceActive(message: IChatMessage, source: string): boolean {
    const panel = this._notebookFor(message);
    if (panel === null) {
      return false;
    }
    const index = replaceActiveCell(
      panel.content,
      source,
      this.originOf(message)
    );
    if (index < 0) {
      this.setNotice({
        kind: 'error',
        text: this._trans.__(
          'The active cell is not a code cell, so nothing was replaced: select a code cell, or use Insert below.'
        )
      });
      return false;
    }
    this.setNotice({
      kind: 'info',
      text: this._trans.__(
        'Replaced cell %1. Press Ctrl+Z in the cell to get the old code back.',
        index + 1
      )
    });
    return true;
  }

  /** The `llmds` metadata of cells taken from the answer `message`. */
  originOf(message: IChatMessage, preview?: string): ICellOrigin {
    return originOf(
      {
        task: message.task,
        frame: message.frames[0] ?? '',
        engine: message.engine ?? ''
      },
      { model: message.model ?? undefined, frames: message.frames, preview }
    );
  }

  /** The preview of code cell `cellIndex` of `message`, if one was started. */
  preview(messageId: string, cellIndex: number): PreviewRun | undefined {
    return this._previews.get(`${messageId}:${cellIndex}`);
  }

  /**
   * Preview code cell `cellIndex` of `message` on a copy of the frame it
   * works on: the first frame in play the code names, else the first in
   * play (again, when it ran before).
   */
  startPreview(
    message: IChatMessage,
    cellIndex: number,
    allowFlagged = false
  ): PreviewRun | null {
    const cell = message.cells?.[cellIndex];
    const kernel = this._frames.kernelId;
    if (!cell || cell.cell_type !== 'code') {
      return null;
    }
    const frame = frameForCode(cell.source, message.frames);
    if (kernel === null || !frame) {
      this.setNotice({
        kind: 'error',
        text: this._trans.__(
          'A preview needs the notebook’s running kernel and a frame; start the kernel and try again.'
        )
      });
      return null;
    }
    const id = `${message.id}:${cellIndex}`;
    let run = this._previews.get(id);
    if (!run || run.target.kernel !== kernel) {
      run?.dispose();
      run = new PreviewRun({
        target: { kernel, frame, code: cell.source, task: message.task },
        trans: this._trans,
        serverSettings: this._serverSettings
      });
      run.changed.connect(this._emit, this);
      this._previews.set(id, run);
    }
    void run.run(allowFlagged);
    this._emit();
    return run;
  }

  /** Close the preview of code cell `cellIndex` of `messageId` (stops it). */
  discardPreview(messageId: string, cellIndex: number): void {
    const id = `${messageId}:${cellIndex}`;
    const run = this._previews.get(id);
    if (run) {
      run.dispose();
      this._previews.delete(id);
      this._emit();
    }
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    for (const controller of this._active.values()) {
      controller.abort();
    }
    for (const run of this._previews.values()) {
      run.dispose();
    }
    this._previews.clear();
    this._clearTimers();
    this._cards.dispose();
    this._frames.stateChanged.disconnect(this._onFramesChanged, this);
    this._watchPath(null);
    Signal.clearData(this);
  }

  /** Ask `task` about `frames` in the conversation `key` and stream the answer. */
  private async _ask(
    key: string,
    task: ChatTask,
    text: string,
    frames: string[]
  ): Promise<void> {
    const kernel = this._frames.kernelId;
    const panel = this._frames.notebook;
    if (kernel === null || panel === null) {
      return;
    }
    const conversation = this._conversationFor(key);
    const history = historyOf(conversation.messages);
    const now = Date.now();
    const question: IChatMessage = {
      id: UUID.uuid4(),
      role: 'user',
      text,
      task,
      frames,
      time: now
    };
    const answer: IChatMessage = {
      id: UUID.uuid4(),
      role: 'assistant',
      text: '',
      task,
      frames,
      time: now,
      status: 'streaming'
    };
    conversation.messages.push(question, answer);
    conversation.updated = now;
    const controller = new AbortController();
    this._active.set(key, controller);
    this._notice = null;
    this._emit();
    this._save();

    const onLine = (line: ChatStreamLine) => {
      this._onLine(answer, line);
      conversation.updated = Date.now();
      this._emit();
      this._saveWhileStreaming();
    };
    try {
      await streamChat(
        {
          kernel,
          frames,
          task,
          message: text,
          notebook_cells: contextCells(codeCellsOf(panel), frames),
          history,
          ...(this._sendOptions?.() ?? {})
        },
        onLine,
        { trans: this._trans, settings: this._serverSettings },
        controller.signal
      );
      if (answer.status === 'streaming') {
        // The stream ended without `done`: the connection was cut short.
        answer.status = 'error';
        answer.error = {
          kind: 'incomplete',
          message: this._trans.__(
            'The answer stopped before it was complete; what arrived is kept. Press Retry to ask again.'
          )
        };
      }
    } catch (reason) {
      if (reason instanceof LlmdsError && reason.kind === 'aborted') {
        answer.status = 'stopped';
      } else {
        answer.status = 'error';
        answer.error = {
          kind: reason instanceof LlmdsError ? reason.serverError || reason.kind : 'error',
          message: errorMessage(reason)
        };
        if (
          reason instanceof LlmdsError &&
          ENGINE_ERRORS.has(reason.serverError)
        ) {
          // the server's engine is not what the chat thought: ask it again
          void this._fetchEngine(true);
        }
      }
    } finally {
      if (this._active.get(key) === controller) {
        this._active.delete(key);
      }
      conversation.updated = Date.now();
      this._emit();
      this._save();
    }
  }

  /** Apply one line of the chat stream to the answer `answer`. */
  private _onLine(answer: IChatMessage, line: ChatStreamLine): void {
    switch (line.type) {
      case 'start':
        answer.engine = String(line.engine ?? '');
        answer.model = typeof line.model === 'string' ? line.model : null;
        answer.privacy = String(line.privacy ?? '');
        if (Array.isArray(line.frames) && line.frames.length > 0) {
          answer.frames = line.frames.map(String);
        }
        if (
          answer.engine !== this._engine.name ||
          (answer.model ?? null) !== this._engine.model
        ) {
          // the server's settings changed since the chat asked (a restart
          // with a model configured): show who answers, then ask what it does
          this._engine = {
            name: answer.engine,
            model: answer.model ?? null,
            tasks: null,
            problem: ''
          };
          void this._fetchEngine(true);
        }
        break;
      case 'delta':
        answer.text += typeof line.text === 'string' ? line.text : '';
        break;
      case 'cells':
        answer.cells = Array.isArray(line.cells) ? line.cells : [];
        if (Array.isArray(line.notes) && line.notes.length > 0) {
          answer.notes = line.notes.map(String);
        }
        break;
      case 'usage':
        answer.usage = {
          prompt: numberOrNull(line.prompt_tokens),
          completion: numberOrNull(line.completion_tokens)
        };
        break;
      case 'error':
        answer.status = 'error';
        answer.error = {
          kind: String(line.error ?? 'error'),
          message: String(line.message ?? '')
        };
        break;
      case 'done':
        if (answer.status === 'streaming') {
          answer.status = 'done';
        }
        break;
      default:
        break;
    }
  }

  /** Learn what the engine does before the first request (`GET /llmds/engine`). */
  private async _fetchEngine(again = false): Promise<void> {
    const learnt = await fetchEngineInfo({
      trans: this._trans,
      settings: this._serverSettings
    });
    // The first time, an answer that arrived meanwhile knows better.
    if (
      learnt &&
      !this._isDisposed &&
      (again || this._engine.name === '')
    ) {
      this._engine = learnt;
      this._emit();
    }
  }

  /** The notebook an action on `message` applies to (null: a notice says why). */
  private _notebookFor(message: IChatMessage): NotebookPanel | null {
    const panel = this._frames.notebook;
    if (panel === null || panel.isDisposed || !panel.content.model) {
      this.setNotice({
        kind: 'error',
        text: this._trans.__('Open the notebook to insert cells into it.')
      });
      return null;
    }
    if (!this._conversation()?.messages.includes(message)) {
      this.setNotice({
        kind: 'error',
        text: this._trans.__(
          'This answer belongs to another notebook’s conversation.'
        )
      });
      return null;
    }
    return panel;
  }

  private _conversation(): IConversation | undefined {
    return this._key === null ? undefined : this._conversations.get(this._key);
  }

  private _conversationFor(key: string): IConversation {
    let conversation = this._conversations.get(key);
    if (!conversation) {
      conversation = { updated: Date.now(), messages: [] };
      this._conversations.set(key, conversation);
    }
    return conversation;
  }

  private _onFramesChanged(): void {
    const panel = this._frames.notebook;
    if (panel !== this._panel) {
      this._watchPath(panel);
    }
    const key = panel?.context.path ?? null;
    if (key !== this._key) {
      this._key = key;
      this._notice = null;
    }
    this._emit();
    this._scheduleCards();
  }

  /** Follow renames of the active notebook: its conversation moves along. */
  private _watchPath(panel: NotebookPanel | null): void {
    if (this._panel !== null) {
      this._panel.context.pathChanged.disconnect(this._onPathChanged, this);
    }
    this._panel = panel;
    if (panel !== null) {
      panel.context.pathChanged.connect(this._onPathChanged, this);
    }
  }

  private _onPathChanged(_sender: unknown, path: string): void {
    const old = this._key;
    if (old === null || old === path) {
      return;
    }
    for (const map of [this._conversations, this._drafts] as Map<string, unknown>[]) {
      if (map.has(old)) {
        map.set(path, map.get(old));
        map.delete(old);
      }
    }
    const controller = this._active.get(old);
    if (controller) {
      this._active.delete(old);
      this._active.set(path, controller);
    }
    this._key = path;
    this._emit();
    this._save();
  }

  private async _restore(): Promise<void> {
    if (this._state === null) {
      return;
    }
    try {
      const stored = await loadConversations(this._state);
      for (const [path, conversation] of stored) {
        // A conversation started before the state arrived wins.
        if (!this._conversations.has(path)) {
          this._conversations.set(path, conversation);
        }
      }
      this._emit();
    } catch (reason) {
      console.warn(
        'jupyterlab-llmds: could not read the saved chat conversations.',
        reason
      );
    }
  }

  /** Save soon (coalescing bursts of changes). */
  private _save(): void {
    if (this._state === null || this._isDisposed) {
      return;
    }
    if (this._saveTimer !== null) {
      window.clearTimeout(this._saveTimer);
    }
    this._saveTimer = window.setTimeout(() => {
      this._saveTimer = null;
      this._lastSave = Date.now();
      void this.restored
        .then(() => saveConversations(this._state as IStateDB, this._conversations))
        .catch(reason =>
          console.warn(
            'jupyterlab-llmds: could not save the chat conversations.',
            reason
          )
        );
    }, SAVE_DELAY_MS);
  }

  /** While an answer streams, save now and then (a reload keeps most of it). */
  private _saveWhileStreaming(): void {
    if (Date.now() - this._lastSave >= STREAM_SAVE_INTERVAL_MS) {
      this._lastSave = Date.now();
      this._save();
    }
  }

  /**
   * The user chose another privacy mode or budget: read the cards of the
   * frames in play again (only those whose card would change).
   */
  sendOptionsChanged(): void {
    this._scheduleCards();
  }

  /** Read the cards of the frames in play soon (only while the chat shows). */
  private _scheduleCards(): void {
    if (!this._visible || this._isDisposed) {
      return;
    }
    if (this._cardTimer !== null) {
      window.clearTimeout(this._cardTimer);
    }
    this._cardTimer = window.setTimeout(() => {
      this._cardTimer = null;
      void this._refreshCards();
    }, CARD_DELAY_MS);
  }

  /** Read the cards of the frames in play (see `SendCards`). */
  private async _refreshCards(): Promise<void> {
    const kernel = this._frames.kernelId;
    if (kernel === null) {
      return;
    }
    const frames = this.framesInPlay;
    const done = await this._cards.refresh(kernel, frames, this._frames.frames);
    // Busy, or the frames in play changed meanwhile: look again soon.
    if (!done || !this._cards.has(this.framesInPlay)) {
      this._scheduleCards();
    }
  }

  private _disposePreviews(messageId: string): void {
    for (const [id, run] of [...this._previews.entries()]) {
      if (id.startsWith(`${messageId}:`)) {
        run.dispose();
        this._previews.delete(id);
      }
    }
  }

  private _clearTimers(): void {
    for (const timer of [this._saveTimer, this._cardTimer]) {
      if (timer !== null) {
        window.clearTimeout(timer);
      }
    }
    this._saveTimer = null;
    this._cardTimer = null;
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._stateChanged.emit();
    }
  }

  private _frames: FramesModel;
  private _trans: TranslationBundle;
  private _serverSettings: ServerConnection.ISettings | undefined;
  private _sendOptions: (() => ISendOptions) | null;
  private _state: IStateDB | null;
  private _panel: NotebookPanel | null = null;
  private _key: string | null = null;
  private _conversations = new Map<string, IConversation>();
  private _drafts = new Map<string, string>();
  private _active = new Map<string, AbortController>();
  private _previews = new Map<string, PreviewRun>();
  private _engine: IEngineInfo = UNKNOWN_ENGINE;
  private _cards: SendCards;
  private _cardTimer: number | null = null;
  private _saveTimer: number | null = null;
  private _lastSave = 0;
  private _notice: IChatNotice | null = null;
  private _visible = false;
  private _probed = false;
  private _isDisposed = false;
  private _stateChanged = new Signal<this, void>(this);
}

/** The namespace of {@link ChatModel} statics. */
export namespace ChatModel {
  export interface IOptions {
    frames: FramesModel;
    trans: TranslationBundle;
    serverSettings?: ServerConnection.ISettings;
    /** Where conversations are kept across reloads; in memory only without it. */
    state?: IStateDB | null;
    /** The privacy mode and budget the user chose (the server's when omitted). */
    sendOptions?: () => ISendOptions;
  }
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
