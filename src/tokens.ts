/**
 * Shared identifiers and data shapes of jupyterlab-llmds.
 *
 * The JSON shapes mirror docs/architecture.md (the contract with the server
 * extension and the kernel magics): change them there first.
 */

/** Every command of the extension, in one place. */
export namespace CommandIDs {
  /** Open (reveal) the Data co-pilot side bar panel. */
  export const open = 'llmds:open';
  /** Reload the DataFrame list of the active notebook's kernel. */
  export const refresh = 'llmds:refresh';
  /** Ask for cleaning cells for the selected frame and insert them. */
  export const clean = 'llmds:clean';
  /** Ask for a validation cell for the selected frame and insert it. */
  export const validate = 'llmds:validate';
  /** Select a frame (the `frame` argument, or the selected one) and show its card. */
  export const showCard = 'llmds:show-card';
  /** Show what would be sent to an LLM for the selected frame. */
  export const previewPrompt = 'llmds:preview-prompt';
  /** Open the panel's chat and put the keyboard focus in its input. */
  export const chatFocus = 'llmds:chat-focus';
  /** Stop the answer being streamed into the chat. */
  export const chatStop = 'llmds:chat-stop';
  /** Forget the active notebook's conversation. */
  export const chatClear = 'llmds:chat-clear';
  /** Insert every cell of the last answer below the active cell. */
  export const chatInsertAll = 'llmds:chat-insert-all';
}

/** The id of the side bar plugin, which is also its settings' id. */
export const PLUGIN_ID = 'jupyterlab-llmds:plugin';

/** The translation domain of the extension's strings. */
export const TRANSLATION_DOMAIN = 'jupyterlab_llmds';

/** The npm package name, used as the `origin` of inserted cells. */
export const ORIGIN = 'jupyterlab-llmds';

/** The frontend version written into inserted cells' metadata. */
export const VERSION = '0.1.0';

/** The metadata key on cells written or touched by the extension. */
export const METADATA_KEY = 'llmds';

/** Mimetype of the bundle published by the `%%llm` magic. */
export const CELLS_MIMETYPE = 'application/vnd.jupyterlab-llmds.cells+json';

/** Id of the side bar widget (also used by the layout restorer). */
export const SIDEBAR_ID = 'jp-llmds-sidebar';

/** One DataFrame as listed by `GET /llmds/frames`. */
export interface IFrameInfo {
  name: string;
  kind: string;
  rows: number;
  columns: number;
  memory_bytes?: number | null;
  /** Issues found on the frame's card; null when the time budget ran out. */
  issues?: number | null;
}

/** Status values of a successful `GET /llmds/frames` answer. */
export type FramesStatus = 'ok' | 'no_pandas' | 'not_python' | 'not_installed';

/** Answer of `GET /llmds/frames?kernel=ID`. */
export interface IFramesReply {
  status: FramesStatus;
  message: string;
  frames: IFrameInfo[];
}

/** One generated cell. */
export interface ISuggestedCell {
  cell_type: 'markdown' | 'code';
  source: string;
}

/** Answer of `POST /llmds/suggest` (`Suggestion.to_dict()`). */
export interface ISuggestion {
  task: string;
  frame: string;
  engine: string;
  cells: ISuggestedCell[];
  version?: string;
}

/** The display bundle of the `%%llm` magic. */
export interface IMagicBundle extends ISuggestion {
  id: string;
}

/** The `llmds` metadata of an inserted cell. */
export interface ICellOrigin {
  origin: string;
  task: string;
  frame: string;
  engine: string;
  version: string;
  /** The model that wrote the cell (chat answers of the openai engine). */
  model?: string;
  /** Every frame the answer was about, when there were several. */
  frames?: string[];
  /** How the cell's code fared in its preview on a copy, when it had one. */
  preview?: string;
}

/** The error JSON every failing route answers with. */
export interface IErrorReply {
  error: string;
  message: string;
}

/** The privacy modes of a card (docs/architecture.md, "Data card, second cut"). */
export type PrivacyMode = 'schema' | 'redacted' | 'full';

/** Every privacy mode, in the order the selector lists them. */
export const PRIVACY_MODES: ReadonlyArray<PrivacyMode> = [
  'schema',
  'redacted',
  'full'
];

/** The default privacy mode (also the settings' default). */
export const DEFAULT_PRIVACY_MODE: PrivacyMode = 'redacted';

/** The default prompt budget in estimated tokens (also the settings' default). */
export const DEFAULT_CARD_BUDGET = 2000;

/** A JSON-safe value copied from the frame (truncated to 80 characters). */
export type CardValue = string | number | boolean | null;

/** A distinct count, exact or estimated from a sample. */
export interface ICardDistinct {
  count: number | null;
  exact: boolean;
}

/** One column of a data card. */
export interface ICardColumn {
  /** The label made JSON-safe (MultiIndex tuples become lists). */
  name: unknown;
  position: number;
  dtype: string;
  semantic: string;
  nulls: number | null;
  null_share: number | null;
  distinct: ICardDistinct | null;
  stats: Record<string, CardValue>;
  top: Array<[CardValue, number]>;
  samples: CardValue[];
  name_exact?: boolean;
}

/** One issue of a data card (`column` is null for frame-level issues). */
export interface ICardIssue {
  column: unknown;
  position?: number | null;
  kind: string;
  count: number | null;
  evidence: Record<string, unknown>;
  message: string;
}

/** What the privacy mode did to a card. */
export interface ICardPrivacy {
  mode: PrivacyMode | string;
  excluded: string[];
  /** Distinct values replaced by placeholders, per kind (`email`, `phone` ...). */
  masked: Record<string, number>;
  /** The administrator fixed the mode: the request's mode was ignored. */
  locked: boolean;
}

/** The data card (`DataCard.to_dict()`). */
export interface IDataCard {
  schema_version?: number;
  name: string;
  kind: string;
  shape: [number, number];
  index?: { kind: string; nlevels: number; name: unknown } | null;
  memory_bytes?: number | null;
  sample?: { rows: number; of: number; method: string } | null;
  duplicate_rows?: {
    count: number | null;
    exact: boolean;
    error?: string;
  } | null;
  columns: ICardColumn[];
  issues: ICardIssue[];
  likely_id_columns?: unknown[];
  likely_target?: { column: unknown; reason: string } | null;
  privacy?: ICardPrivacy;
  timing?: { seconds: number; sampled_parts: string[] };
}

/** Answer of `GET /llmds/card?kernel=ID&frame=NAME[&privacy=MODE][&budget=N]`. */
export interface ICardReply {
  status: 'ok';
  card: IDataCard;
  /** Exactly the text that would be sent for the frame. */
  prompt: string;
  /** The prompt's estimated token count. */
  tokens: number | null;
  /** The budget the prompt was cut to (after the administrator's cap). */
  budget: number | null;
}

/** The tasks the chat can ask for (`POST /llmds/chat`). */
export type ChatTask =
  | 'ask'
  | 'clean'
  | 'features'
  | 'validate'
  | 'model'
  | 'explain';

/** One earlier turn sent with a chat request (oldest first). */
export interface IChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

/** The body of `POST /llmds/chat`. */
export interface IChatRequest {
  kernel: string;
  frames: string[];
  task: ChatTask;
  message: string;
  /** Sources of recent code cells that mention the frames, oldest first. */
  notebook_cells: string[];
  /** Earlier turns of the conversation, oldest first (the server trims). */
  history: IChatTurn[];
  /** The privacy mode the user chose (an administrator's lock wins). */
  privacy?: PrivacyMode;
  /** The data cards' token budget the user chose (capped by the server). */
  budget?: number;
  /** The library of the checks (clean, features, validate). */
  schema?: SchemaLibrary;
}

/** `GET /llmds/engine` (docs/architecture.md): who answers, and the rules of what is sent. */
export interface IEngineReply {
  /** `builtin`, `openai`; null when the model settings cannot be used. */
  engine: string | null;
  model: string | null;
  /** The tasks users may ask for, sorted. */
  tasks: string[];
  privacy: { mode: string; locked: boolean; modes: string[] };
  budget: { default: number; max: number; min: number };
  repair_attempts: number;
  /** A sentence when the engine cannot answer as configured; else empty. */
  problem: string;
}

/** The libraries the validation cells can be written in (the `checksLibrary` setting). */
export type SchemaLibrary = 'pandas' | 'pandera';

/** What the user chose about what is sent and asked: privacy mode, budget, checks library. */
export interface ISendOptions {
  privacy: PrivacyMode;
  budget: number;
  /** The library of the checks Clean and Validate write. */
  schema: SchemaLibrary;
}

/** A line of the chat stream (docs/architecture.md, "Chat stream"). */
export type ChatStreamLine =
  | {
      type: 'start';
      engine: string;
      model: string | null;
      frames: string[];
      privacy: string;
    }
  | { type: 'delta'; text: string }
  | { type: 'cells'; cells: ISuggestedCell[]; notes?: string[] }
  | { type: 'usage'; prompt_tokens: number | null; completion_tokens: number | null }
  | { type: 'error'; error: string; message: string }
  | { type: 'done' };

/** The body of `POST /llmds/preview`. */
export interface IPreviewRequest {
  kernel: string;
  frame: string;
  code: string;
  task?: string;
  repair?: boolean;
  allow_flagged?: boolean;
}

/** How one preview attempt (or the whole preview) ended. */
export type PreviewStatus = 'ok' | 'warned' | 'failed' | 'timeout' | 'flagged';

/** One finding of the static safety check. */
export interface ISafetyFinding {
  line?: number | null;
  kind: string;
  message?: string;
  reason?: string;
}

/** A line of the preview stream (docs/architecture.md, "Preview route"). */
export type PreviewStreamLine =
  | {
      type: 'start';
      engine: string;
      model: string | null;
      attempts_allowed: number;
      frame: string;
      max_rows: number;
    }
  | { type: 'safety'; findings: ISafetyFinding[]; markdown: string }
  | {
      type: 'attempt';
      attempt: number;
      code: string;
      status: PreviewStatus;
      report: Record<string, unknown>;
      markdown: string;
    }
  | { type: 'repairing'; attempt: number }
  | { type: 'error'; error: string; message: string }
  | {
      type: 'done';
      status: PreviewStatus | 'error' | string;
      code: string;
      attempts: number;
      /** The attempt whose code `code` is (null when none ran). */
      attempt?: number | null;
      /** Whether `code` is a repair (an attempt after the first). */
      repaired?: boolean;
      /** A sentence on how it ended. */
      message?: string;
    };
