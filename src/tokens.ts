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
