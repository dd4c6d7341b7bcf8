/**
 * The state of the selected frame's data card and of its prompt preview
 * ("what will be sent"), without any DOM.
 *
 * The card model follows the frames model: it asks `GET /llmds/card` when
 * the selection changes, when the selected frame's listing changes after a
 * cell ran (shape, memory or issue count), when the privacy mode or budget
 * changes, and on an explicit refresh. It never sends anything anywhere but
 * to the jupyterlab-llmds server extension, which builds the card in the
 * kernel.
 */
import type { ServerConnection } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage, FramesModel } from './model';
import { fetchCard, LlmdsError } from './request';
import {
  DEFAULT_CARD_BUDGET,
  DEFAULT_PRIVACY_MODE,
  ICardReply,
  IDataCard,
  IFrameInfo,
  PRIVACY_MODES,
  PrivacyMode,
  SchemaLibrary
} from './tokens';

/** Where the card of the selected frame stands. */
export type CardPhase =
  /** No frame is selected. */
  | 'idle'
  /** A request is on its way (a previous answer may still be shown, dimmed). */
  | 'loading'
  /** `reply` is the card of `frame`. */
  | 'ok'
  /** The last request failed: `message` holds the server's sentence. */
  | 'error';

/** Which view of the selected frame the panel shows. */
export type DetailsView = 'card' | 'prompt';

/** The smallest and largest budgets the settings allow. */
export const MIN_CARD_BUDGET = 200;
export const MAX_CARD_BUDGET = 32000;

/** Whether `value` is one of the privacy modes. */
export function isPrivacyMode(value: unknown): value is PrivacyMode {
  return (
    typeof value === 'string' &&
    (PRIVACY_MODES as ReadonlyArray<string>).includes(value)
  );
}

/** The card of the selected frame and its prompt. */
export class CardModel implements IDisposable {
  constructor(options: CardModel.IOptions) {
    this._frames = options.frames;
    this._trans = options.trans;
    this._serverSettings = options.serverSettings;
    this._frames.stateChanged.connect(this._onFramesChanged, this);
    this._onFramesChanged();
  }

  /** Emitted whenever anything below changes. */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  /**
   * Emitted when the user picks a privacy mode in the panel (not when the
   * settings set it): the plugin keeps the choice in the settings, so a
   * privacy choice never reverts silently on reload.
   */
  get privacyChosen(): ISignal<this, PrivacyMode> {
    return this._privacyChosen;
  }

  /** The frames model whose selection this card follows. */
  get frames(): FramesModel {
    return this._frames;
  }

  /** The frame the card is (being) fetched for, or null. */
  get frame(): string | null {
    return this._frame;
  }

  get phase(): CardPhase {
    return this._phase;
  }

  /** The error sentence (phase `error`), else empty. */
  get message(): string {
    return this._message;
  }

  /** The server's `error` kind of the last failure (empty when none). */
  get errorKind(): string {
    return this._errorKind;
  }

  /**
   * The last answer for `frame` (kept while a new one loads, so that the view
   * does not flicker); null before the first answer.
   */
  get reply(): ICardReply | null {
    return this._reply;
  }

  /** The card of the last answer, or null. */
  get card(): IDataCard | null {
    return this._reply?.card ?? null;
  }

  /** The privacy mode the user asked for (the settings' default at first). */
  get privacy(): PrivacyMode {
    return this._privacy;
  }

  /** Whether the administrator fixed the privacy mode (the answer says so). */
  get locked(): boolean {
    return this._reply?.card?.privacy?.locked === true;
  }

  /**
   * The mode the shown answer was built with: the administrator's when
   * locked, else the one asked for.
   */
  get effectivePrivacy(): PrivacyMode {
    const mode = this._reply?.card?.privacy?.mode;
    return isPrivacyMode(mode) ? mode : this._privacy;
  }

  /** The prompt budget asked for, in estimated tokens. */
  get budget(): number {
    return this._budget;
  }

  /**
   * The library the checks are written in (the `checksLibrary` setting);
   * kept here with the other choices about what is asked of the engine.
   */
  get schemaLibrary(): SchemaLibrary {
    return this._schemaLibrary;
  }

  /** Which view the panel shows. */
  get view(): DetailsView {
    return this._view;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Show the card or the prompt preview. */
  setView(view: DetailsView): void {
    if (view !== this._view) {
      this._view = view;
      this._emit();
    }
  }

  /** Ask for the card in another privacy mode (refetches). */
  setPrivacy(mode: PrivacyMode): void {
    if (!isPrivacyMode(mode) || mode === this._privacy) {
      return;
    }
    this._privacy = mode;
    this._emit();
    this._privacyChosen.emit(mode);
    void this.refresh();
  }

  /** Apply the user's settings (refetches when anything changed). */
  configure(options: {
    privacy?: unknown;
    budget?: unknown;
    schemaLibrary?: unknown;
  }): void {
    if (
      options.schemaLibrary === 'pandas' ||
      options.schemaLibrary === 'pandera'
    ) {
      // no card depends on it: nothing to read again
      this._schemaLibrary = options.schemaLibrary;
    }
    let changed = false;
    if (isPrivacyMode(options.privacy) && options.privacy !== this._privacy) {
      this._privacy = options.privacy;
      changed = true;
    }
    if (
      typeof options.budget === 'number' &&
      Number.isFinite(options.budget)
    ) {
      const budget = Math.min(
        MAX_CARD_BUDGET,
        Math.max(MIN_CARD_BUDGET, Math.round(options.budget))
      );
      if (budget !== this._budget) {
        this._budget = budget;
        changed = true;
      }
    }
    if (changed) {
      this._emit();
      void this.refresh();
    }
  }

  /**
   * Fetch the selected frame's card again.
   *
   * Never rejects: failures end up in `phase` and `message`.
   */
  async refresh(): Promise<void> {
    const generation = ++this._generation;
    const frame = this._frames.selected;
    const kernelId = this._frames.kernelId;
    if (frame === null || kernelId === null) {
      this._clear();
      return;
    }
    if (frame !== this._frame) {
      this._reply = null;
    }
    this._frame = frame;
    this._phase = 'loading';
    this._message = '';
    this._errorKind = '';
    this._emit();
    // One card request at a time: the kernel answers one at a time, and the
    // server refuses a request while the kernel is busy with the previous
    // one. The latest request wins; those superseded meanwhile never start.
    while (this._inflight !== null) {
      await this._inflight;
      if (generation !== this._generation || this._isDisposed) {
        return;
      }
    }
    let done = () => {};
    this._inflight = new Promise<void>(resolve => (done = resolve));
    try {
      const reply = await fetchCard(
        kernelId,
        frame,
        { privacy: this._privacy, budget: this._budget },
        { trans: this._trans, settings: this._serverSettings }
      );
      if (generation !== this._generation || this._isDisposed) {
        return;
      }
      if (
        !reply ||
        typeof reply.card !== 'object' ||
        reply.card === null ||
        typeof reply.prompt !== 'string'
      ) {
        throw new LlmdsError(
          this._trans.__('The server sent a card answer without a card.'),
          'server',
          200
        );
      }
      if (!Array.isArray(reply.card.columns)) {
        reply.card.columns = [];
      }
      if (!Array.isArray(reply.card.issues)) {
        reply.card.issues = [];
      }
      this._reply = reply;
      this._phase = 'ok';
      this._emit();
    } catch (reason) {
      if (generation !== this._generation || this._isDisposed) {
        return;
      }
      this._phase = 'error';
      this._message = errorMessage(reason);
      this._errorKind =
        reason instanceof LlmdsError ? reason.serverError || reason.kind : '';
      this._emit();
    } finally {
      this._inflight = null;
      done();
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._frames.stateChanged.disconnect(this._onFramesChanged, this);
    Signal.clearData(this);
  }

  /** Follow the selection and the listing of the frames model. */
  private _onFramesChanged(): void {
    const selected = this._frames.selected;
    const kernelId = this._frames.kernelId;
    if (selected === null || kernelId === null) {
      if (this._frame !== null || this._phase !== 'idle') {
        this._generation++;
        this._clear();
      }
      this._listing = '';
      return;
    }
    const info = this._frames.frames.find(frame => frame.name === selected);
    const listing = info ? listingKey(kernelId, info) : '';
    if (selected !== this._frame) {
      this._listing = listing;
      this._lastFrames = this._frames.frames;
      void this.refresh();
      return;
    }
    // The same frame: fetch again when a new listing says it changed (a cell
    // ran), or when the last attempt failed and the kernel answered since.
    const isNewListing = this._frames.frames !== this._lastFrames;
    this._lastFrames = this._frames.frames;
    if (this._frames.state !== 'ok' || listing === '') {
      return;
    }
    if (listing !== this._listing) {
      this._listing = listing;
      void this.refresh();
    } else if (this._phase === 'error' && isNewListing) {
      void this.refresh();
    }
  }

  private _clear(): void {
    this._frame = null;
    this._reply = null;
    this._phase = 'idle';
    this._message = '';
    this._errorKind = '';
    this._emit();
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._stateChanged.emit();
    }
  }

  private _frames: FramesModel;
  private _trans: TranslationBundle;
  private _serverSettings: ServerConnection.ISettings | undefined;
  private _frame: string | null = null;
  private _phase: CardPhase = 'idle';
  private _message = '';
  private _errorKind = '';
  private _reply: ICardReply | null = null;
  private _privacy: PrivacyMode = DEFAULT_PRIVACY_MODE;
  private _budget = DEFAULT_CARD_BUDGET;
  private _schemaLibrary: SchemaLibrary = 'pandas';
  private _view: DetailsView = 'card';
  private _listing = '';
  private _lastFrames: ReadonlyArray<IFrameInfo> | null = null;
  private _generation = 0;
  private _inflight: Promise<void> | null = null;
  private _isDisposed = false;
  private _stateChanged = new Signal<this, void>(this);
  private _privacyChosen = new Signal<this, PrivacyMode>(this);
}

/** The namespace of {@link CardModel} statics. */
export namespace CardModel {
  export interface IOptions {
    frames: FramesModel;
    trans: TranslationBundle;
    /** Server settings; defaults to `ServerConnection.makeSettings()`. */
    serverSettings?: ServerConnection.ISettings;
  }
}

/** What identifies one listing of a frame: a change means "fetch again". */
function listingKey(kernelId: string, info: IFrameInfo): string {
  return JSON.stringify([
    kernelId,
    info.name,
    info.kind,
    info.rows,
    info.columns,
    info.memory_bytes ?? null,
    info.issues ?? null
  ]);
}
