/**
 * What the chat will send about each frame in play, before it is sent: the
 * card's estimated tokens and privacy mode, from `GET /llmds/card` asked
 * with the privacy mode and budget the user chose, exactly as the chat
 * route then builds its cards (an administrator's lock applies to both).
 * No DOM.
 *
 * A card is built in the kernel, so it is read only when asked (the chat
 * asks while it is on screen), one frame at a time, and again only when the
 * frame's listing changed (a cell ran and changed it).
 */
import type { ServerConnection } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from './model';
import { fetchCard } from './request';
import type { IFrameInfo, ISendOptions } from './tokens';

/**
 * Fewest tokens the chat gives one card, however many frames are in play
 * (`MIN_CARD_SHARE` of `jupyterlab_llmds/prompts/base.py`).
 */
const MIN_CARD_SHARE = 100;

/**
 * What to ask the card route for about one of `count` frames in play: the
 * chosen mode, and the share of the budget the chat route gives each card
 * (equal shares, at least `MIN_CARD_SHARE`), so the estimate is what is sent.
 */
export function cardShare(
  chosen: ISendOptions | null,
  count: number
): { privacy?: ISendOptions['privacy']; budget?: number } {
  if (chosen === null) {
    return {};
  }
  return {
    privacy: chosen.privacy,
    budget: Math.max(
      Math.floor(chosen.budget / Math.max(count, 1)),
      MIN_CARD_SHARE
    )
  };
}

/** The card one frame in play will send. */
export interface ISendCard {
  frame: string;
  phase: 'loading' | 'ok' | 'error';
  /** The prompt's estimated tokens (null until read). */
  tokens: number | null;
  /** The privacy mode it was built in. */
  privacy: string;
  /** Whether the administrator fixed that mode. */
  locked: boolean;
  /** Why it could not be read (phase `error`). */
  message: string;
}

/** The cards of the frames in play. */
export class SendCards {
  constructor(options: SendCards.IOptions) {
    this._trans = options.trans;
    this._serverSettings = options.serverSettings;
    this._sendOptions = options.sendOptions ?? null;
  }

  /** Emitted when a card starts loading or arrives. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The cards of `frames`, in order (loading when not read yet). */
  cardsOf(frames: ReadonlyArray<string>): ISendCard[] {
    return frames.map(
      frame =>
        this._cards.get(frame) ?? {
          frame,
          phase: 'loading',
          tokens: null,
          privacy: '',
          locked: false,
          message: ''
        }
    );
  }

  /**
   * Read the cards of `frames` whose listing changed since they were read
   * (or that failed). Calls made while reading wait for the next call.
   *
   * @param kernel - The kernel holding the frames.
   * @param frames - The frames in play.
   * @param listing - The kernel's frame listing (what changed is read again).
   * @returns whether every card of `frames` was looked at (false: busy).
   */
  async refresh(
    kernel: string,
    frames: ReadonlyArray<string>,
    listing: ReadonlyArray<IFrameInfo>
  ): Promise<boolean> {
    if (this._busy || this._isDisposed) {
      return false;
    }
    this._busy = true;
    try {
      for (const frame of frames) {
        const info = listing.find(item => item.name === frame) ?? null;
        const chosen = cardShare(this._sendOptions?.() ?? null, frames.length);
        // a new privacy mode or budget changes the card as much as new data
        const key = JSON.stringify([kernel, info, chosen]);
        const known = this._cards.get(frame);
        if (known && known.phase !== 'error' && this._keys.get(frame) === key) {
          continue;
        }
        this._keys.set(frame, key);
        this._set({
          frame,
          phase: 'loading',
          tokens: known?.tokens ?? null,
          privacy: known?.privacy ?? '',
          locked: known?.locked ?? false,
          message: ''
        });
        try {
          const reply = await fetchCard(kernel, frame, chosen, {
            trans: this._trans,
            settings: this._serverSettings
          });
          this._set({
            frame,
            phase: 'ok',
            tokens: typeof reply.tokens === 'number' ? reply.tokens : null,
            privacy: String(reply.card?.privacy?.mode ?? ''),
            locked: reply.card?.privacy?.locked === true,
            message: ''
          });
        } catch (reason) {
          this._set({
            frame,
            phase: 'error',
            tokens: null,
            privacy: '',
            locked: false,
            message: errorMessage(reason)
          });
        }
        if (this._isDisposed) {
          return false;
        }
      }
      return true;
    } finally {
      this._busy = false;
    }
  }

  /** Whether every frame of `frames` has a card, read or being read. */
  has(frames: ReadonlyArray<string>): boolean {
    return frames.every(frame => this._cards.has(frame));
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (!this._isDisposed) {
      this._isDisposed = true;
      Signal.clearData(this);
    }
  }

  private _set(card: ISendCard): void {
    this._cards.set(card.frame, card);
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _trans: TranslationBundle;
  private _serverSettings: ServerConnection.ISettings | undefined;
  private _sendOptions: (() => ISendOptions) | null;
  private _cards = new Map<string, ISendCard>();
  private _keys = new Map<string, string>();
  private _busy = false;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

/** The namespace of {@link SendCards} statics. */
export namespace SendCards {
  export interface IOptions {
    trans: TranslationBundle;
    serverSettings?: ServerConnection.ISettings;
    /** The privacy mode and budget the user chose (the server's when omitted). */
    sendOptions?: () => ISendOptions;
  }
}
