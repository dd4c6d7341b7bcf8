/**
 * What the chat knows of the server's engine (which one answers, which tasks
 * it does), from `GET /llmds/engine`, without DOM or state.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { fetchEngine, IRequestOptions } from './request';
import type { ChatTask } from './tokens';

/** Every task the chat can ask for, in the order the quick actions show them. */
export const CHAT_TASKS: ReadonlyArray<ChatTask> = [
  'ask',
  'clean',
  'features',
  'validate',
  'model',
  'explain'
];

/** What is known of the server's engine. */
export interface IEngineInfo {
  /** `builtin`, `openai` ...; empty until known. */
  name: string;
  /** The model answering (openai engine), else null. */
  model: string | null;
  /** The tasks it does; null while unknown (then every task is offered). */
  tasks: ReadonlyArray<ChatTask> | null;
  /** A sentence when the engine cannot be used at all (bad model settings). */
  problem: string;
}

/** Nothing known yet. */
export const UNKNOWN_ENGINE: IEngineInfo = {
  name: '',
  model: null,
  tasks: null,
  problem: ''
};

/**
 * Ask the server which engine answers and what it does (`GET /llmds/engine`:
 * no kernel, no model is asked).
 *
 * @returns what the server said, or null when it could not be asked (the
 * quick actions then stay enabled and a refused request tells more).
 */
export async function fetchEngineInfo(
  options: IRequestOptions
): Promise<IEngineInfo | null> {
  try {
    const reply = await fetchEngine(options);
    return {
      name: reply.engine ?? '',
      model: reply.model ?? null,
      tasks: reply.engine
        ? (reply.tasks ?? []).filter((task): task is ChatTask =>
            (CHAT_TASKS as ReadonlyArray<string>).includes(task)
          )
        : null,
      problem: reply.problem ?? ''
    };
  } catch {
    return null;
  }
}

/** Whether `engine` does `task` (true while unknown). */
export function engineDoes(engine: IEngineInfo, task: ChatTask): boolean {
  return engine.tasks === null || engine.tasks.includes(task);
}

/** Why `engine` cannot do `task`, for a tooltip or a notice. */
export function cannotDoSentence(
  engine: IEngineInfo,
  task: ChatTask,
  trans: TranslationBundle
): string {
  const does = (engine.tasks ?? []).join(', ');
  return engine.name === 'builtin'
    ? trans.__(
        'The offline engine cannot do %1; it does %2. Configure a model (README: Using a model) for the other tasks.',
        task,
        does
      )
    : trans.__(
        'The %1 engine cannot do %2; it does %3.',
        engine.name || trans.__('configured'),
        task,
        does
      );
}
