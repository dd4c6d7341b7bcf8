/**
 * Where the chat's conversations are kept across page reloads: JupyterLab's
 * state database (IStateDB, saved with the workspace), one entry for all
 * notebooks, keyed by notebook path. Never the notebook's own metadata: a
 * conversation may hold data values, and the notebook is what people share.
 *
 * This module only reads, cleans and bounds what is stored; the chat model
 * decides when to save.
 */
import type { IStateDB } from '@jupyterlab/statedb';
import type { ReadonlyPartialJSONValue } from '@lumino/coreutils';

import type { ChatTask, ISuggestedCell } from './tokens';

/** The state database key of the conversations. */
export const CHAT_STATE_KEY = 'jupyterlab-llmds:chat';

/** Most messages kept per notebook (the oldest go first). */
export const MAX_STORED_MESSAGES = 100;

/** Most notebooks whose conversations are kept (the least recently used go first). */
export const MAX_STORED_CONVERSATIONS = 30;

/** Longest message text kept (longer texts are cut with a note). */
export const MAX_STORED_TEXT = 50000;

/** How an assistant message stands. */
export type ChatMessageStatus = 'streaming' | 'done' | 'stopped' | 'error';

/** One message of a conversation. */
export interface IChatMessage {
  id: string;
  role: 'user' | 'assistant';
  /** The user's words, or the answer's text as streamed. */
  text: string;
  task: ChatTask;
  /** The frames the request was about. */
  frames: string[];
  /** When the message was made (ms since the epoch). */
  time: number;
  /** Assistant messages: where the answer stands. */
  status?: ChatMessageStatus;
  /** The answer cut into cells (the `cells` line); absent until it arrives. */
  cells?: ISuggestedCell[];
  /** The engine's notes (`cells.notes`). */
  notes?: string[];
  /** From the `start` line. */
  engine?: string;
  model?: string | null;
  privacy?: string;
  /** From the `usage` line. */
  usage?: { prompt: number | null; completion: number | null };
  /** What went wrong (status `error`), in the server's words. */
  error?: { kind: string; message: string };
  /** The page was reloaded while the answer streamed. */
  interrupted?: boolean;
}

/** One notebook's conversation. */
export interface IConversation {
  /** When it last changed (ms since the epoch). */
  updated: number;
  messages: IChatMessage[];
}

/** What is stored under {@link CHAT_STATE_KEY}. */
interface IStoredChats {
  version: 1;
  conversations: { [path: string]: IConversation };
}

const TASKS: ReadonlyArray<ChatTask> = [
  'ask',
  'clean',
  'features',
  'validate',
  'model',
  'explain'
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** `text` cut to {@link MAX_STORED_TEXT} characters. */
function bounded(text: string): string {
  return text.length > MAX_STORED_TEXT
    ? `${text.slice(0, MAX_STORED_TEXT)}\n\n…`
    : text;
}

/**
 * A stored message made safe to show, or null when it is unusable (an entry
 * written by another version, edited by hand). A message that was still
 * streaming when the page went away is marked stopped and interrupted.
 */
export function readMessage(value: unknown): IChatMessage | null {
  if (!isRecord(value)) {
    return null;
  }
  const { id, role, text, task } = value;
  if (
    typeof id !== 'string' ||
    (role !== 'user' && role !== 'assistant') ||
    typeof text !== 'string'
  ) {
    return null;
  }
  const message: IChatMessage = {
    id,
    role,
    text,
    task: TASKS.includes(task as ChatTask) ? (task as ChatTask) : 'ask',
    frames: strings(value.frames),
    time: numberOrNull(value.time) ?? 0
  };
  if (role === 'user') {
    return message;
  }
  const status = value.status;
  message.status =
    status === 'done' || status === 'stopped' || status === 'error'
      ? status
      : 'stopped';
  if (status === 'streaming' || value.interrupted === true) {
    message.interrupted = true;
  }
  if (Array.isArray(value.cells)) {
    message.cells = value.cells.filter(
      (cell): cell is ISuggestedCell =>
        isRecord(cell) &&
        (cell.cell_type === 'code' || cell.cell_type === 'markdown') &&
        typeof cell.source === 'string'
    );
  }
  const notes = strings(value.notes);
  if (notes.length > 0) {
    message.notes = notes;
  }
  if (typeof value.engine === 'string') {
    message.engine = value.engine;
  }
  if (typeof value.model === 'string') {
    message.model = value.model;
  }
  if (typeof value.privacy === 'string') {
    message.privacy = value.privacy;
  }
  if (isRecord(value.usage)) {
    message.usage = {
      prompt: numberOrNull(value.usage.prompt),
      completion: numberOrNull(value.usage.completion)
    };
  }
  if (
    isRecord(value.error) &&
    typeof value.error.kind === 'string' &&
    typeof value.error.message === 'string'
  ) {
    message.error = { kind: value.error.kind, message: value.error.message };
  }
  return message;
}

/** Read every stored conversation (an empty map when there are none). */
export async function loadConversations(
  state: IStateDB
): Promise<Map<string, IConversation>> {
  const conversations = new Map<string, IConversation>();
  const stored = (await state.fetch(CHAT_STATE_KEY)) as unknown;
  if (!isRecord(stored) || !isRecord(stored.conversations)) {
    return conversations;
  }
  for (const [path, value] of Object.entries(stored.conversations)) {
    if (!isRecord(value) || !Array.isArray(value.messages)) {
      continue;
    }
    const messages = value.messages
      .map(readMessage)
      .filter((message): message is IChatMessage => message !== null);
    if (messages.length > 0) {
      conversations.set(path, {
        updated: numberOrNull(value.updated) ?? 0,
        messages
      });
    }
  }
  return conversations;
}

/**
 * Save the conversations, bounded: the {@link MAX_STORED_CONVERSATIONS} most
 * recently updated, each with its last {@link MAX_STORED_MESSAGES} messages,
 * texts cut to {@link MAX_STORED_TEXT} characters.
 */
export function saveConversations(
  state: IStateDB,
  conversations: ReadonlyMap<string, IConversation>
): Promise<void> {
  const kept = [...conversations.entries()]
    .filter(([, conversation]) => conversation.messages.length > 0)
    .sort(([, a], [, b]) => b.updated - a.updated)
    .slice(0, MAX_STORED_CONVERSATIONS);
  const stored: IStoredChats = { version: 1, conversations: {} };
  for (const [path, conversation] of kept) {
    stored.conversations[path] = {
      updated: conversation.updated,
      messages: conversation.messages
        .slice(-MAX_STORED_MESSAGES)
        .map(message => ({ ...message, text: bounded(message.text) }))
    };
  }
  // JSON.parse(JSON.stringify()) drops `undefined` fields, which the state
  // database would otherwise refuse as not JSON.
  return state.save(
    CHAT_STATE_KEY,
    JSON.parse(JSON.stringify(stored)) as ReadonlyPartialJSONValue
  );
}
