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
}

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
