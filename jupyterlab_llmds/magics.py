"""The ``%llm`` line magic and ``%%llm`` cell magic.

``%%llm clean df`` asks an engine for cells that clean the DataFrame ``df``
and publishes them as ONE display bundle: JupyterLab (with this extension)
inserts the cells below for review, other frontends show them as text.
Nothing is executed and the user's namespace is left alone: the magic only
reads ``df``.

Top-level imports stay in the standard library and IPython: this module is
imported in users' kernels by ``%load_ext jupyterlab_llmds``.
"""

from __future__ import annotations

import re
import shlex
import uuid
from typing import Any

from IPython.core.error import UsageError

#: MIME type of the bundle the frontend turns into inserted cells.
CELLS_MIMETYPE = "application/vnd.jupyterlab-llmds.cells+json"

USAGE = """\
%llm TASK FRAME [--engine NAME] [--model NAME] [--privacy MODE] [--budget N] [--target COLUMN] [--schema LIB]     (line magic)
%%llm TASK FRAME [...the same options]    (cell magic; the body is extra instructions)
%%llm explain MODEL --data FRAME [...the same options]    (explain a fitted model)

Writes notebook cells (markdown and code) for TASK on the pandas DataFrame
FRAME. In JupyterLab the cells are inserted below this one for you to review;
nothing is run and your variables are not changed. Elsewhere the cells are
shown as text. Answers without code (explanations) are shown as markdown.

Tasks:
{tasks}

Options:
  --engine NAME    engine that writes the cells: {engines} (default: openai when
                   $OPENAI_BASE_URL, or $OPENAI_API_KEY and $LLMDS_MODEL, are set; else builtin)
  --model NAME     model the openai engine asks (default: $LLMDS_MODEL); implies --engine openai
  --privacy MODE   what of the values the engine may see: schema, redacted or full
                   (default: $LLMDS_PRIVACY, else redacted)
  --preview        also run the code on a copy of FRAME and show what it would change
                   (after a static safety check; FRAME itself is not touched); with a
                   language model, code that fails or warns is repaired, at most
                   $LLMDS_REPAIR_ATTEMPTS times (default 2)
  --budget N       token budget of the data card prompt (default: $LLMDS_CARD_BUDGET, else 2000)
  --target COLUMN  the column to predict (model, features)
  --schema LIB     clean, features, validate: write the checks in pandas (plain asserts, the
                   default), pandera (a DataFrameSchema) or great_expectations (an expectation
                   suite; a language model only); the library must be installed in this kernel
  --data FRAME     explain: the DataFrame the model works on
  -h, --help       show this help

Examples:
  %%llm clean df
  %%llm clean df --preview
  %llm validate df --schema pandera
  %%llm clean orders
  keep the cancelled orders; dates are day-first
  %%llm model df --target churned
  %%llm explain model --data X_test
"""


def tasks_of(engine: Any) -> list[str]:
    """Task names an engine declares that users may ask for (see :func:`engines.base.user_tasks`)."""
    from .engines.base import user_tasks

    return user_tasks(engine)


def usage_text() -> str:
    """The ``%llm --help`` text, with the tasks and engines installed here."""
    from .engines.base import available_engines, get_engine

    task_lines = []
    for engine_name in available_engines():
        tasks = tasks_of(get_engine(engine_name))
        task_lines.append(f"  {', '.join(tasks) or '(ask the engine)'}   ({engine_name} engine)")
    return USAGE.format(tasks="\n".join(task_lines), engines=", ".join(available_engines()))


#: Options that take a value -> (key in the parsed options, example for the error message).
VALUE_OPTIONS = {
    "--engine": ("engine", "--engine builtin"),
    "--model": ("model", "--model gpt-4o-mini"),
    "--privacy": ("privacy", "--privacy schema"),
    "--budget": ("budget", "--budget 2000"),
    "--target": ("target", "--target churned"),
    "--data": ("data", "--data X_test"),
    "--schema": ("schema_library", "--schema pandera"),
}


#: Options without a value -> key set to True in the parsed options.
FLAG_OPTIONS = {"--preview": "preview"}


def parse_arguments(line: str) -> tuple[str, str, str | None] | None:
    """Split the magic's line into task, frame name and engine name.

    Parameters
    ----------
    line : str
        What follows ``%llm`` / ``%%llm``.

    Returns
    -------
    tuple of (str, str, str or None), or None
        ``None`` when the user asked for help (or gave nothing). The other
        options are read by :func:`parse_options`.

    Raises
    ------
    UsageError
        For unknown options, a missing engine name or a wrong number of words.
    """
    parsed = parse_options(line)
    if parsed is None:
        return None
    return parsed["task"], parsed["frame"], parsed.get("engine")


def parse_options(line: str) -> dict | None:
    """Read the magic's line: ``{"task", "frame"}`` plus ``engine``, ``privacy``, ``budget`` when given.

    Returns
    -------
    dict or None
        ``None`` when the user asked for help (or gave nothing). Option
        values are the raw words; :func:`card_settings` checks them.

    Raises
    ------
    UsageError
        For unknown options, an option without its value or a wrong number of words.
    """
    try:
        words = shlex.split(line)
    except ValueError as error:
        raise UsageError(f"llm: cannot read the arguments ({error}); see %llm --help") from None
    if not words or "-h" in words or "--help" in words:
        return None
    options: dict = {}
    positional = []
    index = 0
    while index < len(words):
        word = words[index]
        option, has_value, value = word.partition("=")
        if option in VALUE_OPTIONS:
            key, example = VALUE_OPTIONS[option]
            if not has_value:
                if index + 1 >= len(words):
                    noun = "a name" if key in ("engine", "model", "target", "data") else "a value"
                    raise UsageError(f"llm: {option} needs {noun}, e.g. {example}")
                value = words[index + 1]
                index += 1
            options[key] = value
        elif word in FLAG_OPTIONS:
            options[FLAG_OPTIONS[word]] = True
        elif word.startswith("-"):
            raise UsageError(f"llm: unknown option {word!r}; see %llm --help")
        else:
            positional.append(word)
        index += 1
    if len(positional) != 2:
        raise UsageError("llm: give a task and a DataFrame name, e.g. %llm clean df; see %llm --help")
    task, frame = positional
    return {"task": task, "frame": frame, **options}


def card_settings(options: dict) -> tuple[str, tuple, int]:
    """The privacy mode, excluded columns and budget for the magic: options, else ``LLMDS_*``, else defaults.

    Raises
    ------
    UsageError
        For an unknown privacy mode, a budget that is not a whole number of
        at least the minimum, or unusable ``LLMDS_*`` variables.
    """
    from .config import ConfigurationError, settings_from_environment

    try:
        settings = settings_from_environment()
        mode, _ = settings.resolve_privacy(options.get("privacy"))
        budget = options.get("budget")
        if budget is not None:
            try:
                budget = int(budget)
            except ValueError:
                raise ConfigurationError(f"--budget needs a whole number of tokens, not {budget!r}") from None
        budget = settings.resolve_budget(budget)
    except ConfigurationError as error:
        raise UsageError(f"llm: {str(error).rstrip('.')}") from None
    return mode, settings.excluded_columns, budget


def checked_engine(engine_name: str | None, task: str, settings: Any = None) -> Any:
    """The engine to use, after checking it exists and knows the task.

    Parameters
    ----------
    engine_name : str or None
        ``None`` picks the configured default (see :func:`engine_settings`).
    task : str
        The task asked for.
    settings : jupyterlab_llmds.config.LlmdsSettings, optional
        Handed to the engine (the openai engine's endpoint, model, budget).
    """
    from .engines.base import available_engines, get_engine

    if engine_name is not None and engine_name not in available_engines():
        raise UsageError(f"llm: unknown engine {engine_name!r}; engines: {', '.join(available_engines())}")
    engine = get_engine(engine_name, settings)
    tasks = tasks_of(engine)
    if tasks and task not in tasks:
        hint = ""
        if engine.name != "openai" and task in tasks_of(get_engine("openai", settings)):
            hint = (
                f" (the openai engine does {task!r}: add --engine openai, with OPENAI_BASE_URL or "
                "OPENAI_API_KEY and LLMDS_MODEL set)"
            )
        raise UsageError(f"llm: unknown task {task!r}; tasks: {', '.join(tasks)}{hint}")
    return engine


def engine_settings(options: dict, budget: int) -> tuple[str | None, Any]:
    """The engine name and the settings it gets: ``--engine``, ``--model`` and ``--budget`` over the configuration.

    ``--model`` alone implies the openai engine (a model means a language
    model); with ``--engine builtin`` it is a mistake.

    Raises
    ------
    UsageError
        For ``--model`` with the built-in engine or unusable ``OPENAI_*`` /
        ``LLMDS_*`` variables or ``jupyter_llmds_config.json``.
    """
    from dataclasses import replace

    from .config import ConfigurationError, settings_from_environment

    engine_name = options.get("engine")
    model = options.get("model")
    if model is not None and engine_name == "builtin":
        raise UsageError("llm: --model is for the openai engine; drop it or use --engine openai")
    if model is not None and engine_name is None:
        engine_name = "openai"
    try:
        settings = settings_from_environment()
    except ConfigurationError as error:
        raise UsageError(f"llm: {str(error).rstrip('.')}") from None
    settings = replace(
        settings,
        model=model or settings.model,
        default_card_budget=budget,
        max_card_budget=max(budget, settings.max_card_budget),
    )
    return engine_name, settings


def checked_schema_option(value: str | None, task: str, engine: Any) -> str | None:
    """``--schema`` after checking the library name, the task, the engine, and that this kernel has the library.

    The check runs here, in the kernel, because the generated checks will
    run here; nothing is imported (see :mod:`jupyterlab_llmds.kernel.schema_libraries`).

    Raises
    ------
    UsageError
        For an unknown library, a task that writes no checks, an engine that
        does not write that library, or a library this kernel lacks (saying
        what to ``%pip install``).
    """
    if value is None:
        return None
    from .kernel.schema_libraries import (
        SCHEMA_LIBRARIES,
        SCHEMA_TASKS,
        checked_schema_library,
        schema_library_problem,
        unsupported_library_message,
    )

    try:
        library = checked_schema_library(value)
    except ValueError:
        raise UsageError(f"llm: unknown schema library {value!r}; --schema takes {', '.join(SCHEMA_LIBRARIES)}") from None
    if task not in SCHEMA_TASKS:
        raise UsageError(f"llm: --schema is for the tasks that write checks: {', '.join(SCHEMA_TASKS)}")
    supported = tuple(getattr(engine, "schema_libraries", SCHEMA_LIBRARIES))
    if library not in supported:
        raise UsageError("llm: " + unsupported_library_message(engine.name, library, supported).rstrip("."))
    problem = schema_library_problem(library)
    if problem:
        raise UsageError(f"llm: {problem.rstrip('.')}")
    return library


def lookup_estimator(namespace: dict, name: str) -> Any:
    """The fitted model bound to ``name`` (anything with ``predict``), or a one-line UsageError."""
    if name not in namespace:
        raise UsageError(f"llm: no variable named {name!r} in this kernel; give the name of a fitted model")
    value = namespace[name]
    if not callable(getattr(value, "predict", None)):
        raise UsageError(f"llm: {name!r} is a {type(value).__name__}, not a fitted model (an object with .predict)")
    return value


#: Most feature importances / coefficients sent for ``explain``.
MAX_IMPORTANCES = 20


def feature_names(estimator: Any, final: Any, frame: Any, count: int) -> list[str]:
    """Names of the ``count`` features the final step sees: its own, the pipeline's, the frame's, else ``x0``..."""
    names = getattr(final, "feature_names_in_", None)
    if names is None and final is not estimator:
        try:
            names = estimator[:-1].get_feature_names_out()
        except Exception:  # a pipeline whose steps cannot name their outputs
            names = None
    if names is None and frame is not None and len(frame.columns) == count:
        names = frame.columns
    names = [str(name) for name in names] if names is not None else []
    return names if len(names) == count else [f"x{position}" for position in range(count)]


def model_facts(estimator: Any, model_name: str, frame: Any) -> dict:
    """What ``explain`` tells the model about a fitted estimator: description and largest importances.

    Reads ``feature_importances_``, else ``coef_`` (for several classes, the
    largest magnitude per feature), of the estimator or of a pipeline's last
    step; keeps the :data:`MAX_IMPORTANCES` largest by absolute value.
    """
    steps = getattr(estimator, "steps", None)
    final = steps[-1][1] if isinstance(steps, list) and steps else estimator
    description = " ".join(repr(estimator).split())
    facts: dict = {"model_name": model_name, "estimator": description[:300]}
    values = None
    for attribute in ("feature_importances_", "coef_"):
        raw = getattr(final, attribute, None)
        if raw is None:
            continue
        try:
            rows = [list(map(float, row)) for row in raw] if hasattr(raw[0], "__len__") else [list(map(float, raw))]
        except (TypeError, ValueError, IndexError):
            continue
        values = rows[0] if len(rows) == 1 else [max(abs(row[i]) for row in rows) for i in range(len(rows[0]))]
        facts["importance_kind"] = attribute if len(rows) == 1 else "feature_importances_"
        break
    if values:
        names = feature_names(estimator, final, frame, len(values))
        largest = sorted(zip(names, values), key=lambda pair: -abs(pair[1]))[:MAX_IMPORTANCES]
        facts["importances"] = {name: value for name, value in largest}
    return facts


def recent_cells(shell: Any, names: list[str], limit: int = 5) -> list[str]:
    """The last ``limit`` input cells that mention one of ``names``, oldest first (not %llm cells themselves)."""
    history = shell.user_ns.get("In")
    if not isinstance(history, list):
        return []
    patterns = [re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)") for name in names if name]
    chosen = []
    for source in history[1:]:  # In[0] is empty
        if not isinstance(source, str) or not source.strip():
            continue
        # In holds transformed sources: %llm / %%llm cells (the running one included) read get_ipython().run_*_magic('llm', ...)
        if "magic('llm'" in source or source.lstrip().startswith(("%llm", "%%llm")):
            continue
        if any(pattern.search(source) for pattern in patterns):
            chosen.append(source)
    return chosen[-limit:]


def checked_target(frame: Any, frame_name: str, target: str | None) -> str | None:
    """``--target`` after checking the frame has that column."""
    if target is None:
        return None
    columns = [str(column) for column in frame.columns]
    if target not in columns:
        shown = ", ".join(columns[:20]) + (", ..." if len(columns) > 20 else "")
        raise UsageError(f"llm: {frame_name} has no column {target!r}; columns: {shown}")
    return target


def engine_suggestion(engine: Any, cards: list, task: str, instructions: str | None, **context: Any) -> Any:
    """``engine.suggest(...)`` with the context arguments the engine accepts (the built-in one takes none)."""
    import inspect

    parameters = inspect.signature(engine.suggest).parameters
    accepted = {key: value for key, value in context.items() if key in parameters and value}
    return engine.suggest(cards, task, instructions, **accepted)


def lookup_frame(namespace: dict, name: str) -> Any:
    """The DataFrame bound to ``name``, or a one-line UsageError saying what is there instead."""
    from .kernel.entry import is_dataframe, missing_frame_message, not_dataframe_message

    if name not in namespace:
        raise UsageError(f"llm: {missing_frame_message(name, namespace)}")
    value = namespace[name]
    if not is_dataframe(value):
        raise UsageError(f"llm: {not_dataframe_message(name, value)}")
    return value


def fence(source: str) -> str:
    """A Markdown code fence longer than any backtick run inside ``source``."""
    longest = 0
    run = 0
    for character in source:
        run = run + 1 if character == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


def summary_line(payload: dict) -> str:
    """One line saying what the bundle holds and that nothing ran."""
    count = len(payload["cells"])
    return (
        f"%llm {payload['task']} {payload['frame']} ({payload['engine']} engine): "
        f"{count} cell{'s' if count != 1 else ''} for review; nothing was run."
    )


def cells_markdown(payload: dict) -> str:
    """The cells as Markdown: markdown cells as they are, code cells fenced as Python."""
    parts = [f"*{summary_line(payload)}*"]
    for cell in payload["cells"]:
        source = cell["source"]
        if cell["cell_type"] == "code":
            marker = fence(source)
            parts.append(f"{marker}python\n{source}\n{marker}")
        else:
            parts.append(source)
    return "\n\n".join(parts) + "\n"


def cells_plain_text(payload: dict) -> str:
    """The cells as plain text in the "percent" script format (``# %%`` separators).

    That format is readable in a terminal and pastes into a ``.py`` file that
    editors and jupytext understand as cells.
    """
    parts = [f"# {summary_line(payload)}"]
    for cell in payload["cells"]:
        if cell["cell_type"] == "code":
            parts.append(f"# %%\n{cell['source']}")
        else:
            commented = "\n".join(f"# {line}".rstrip() for line in cell["source"].splitlines())
            parts.append(f"# %% [markdown]\n{commented}")
    return "\n\n".join(parts) + "\n"


def explanation_bundle(payload: dict) -> dict:
    """The MIME bundle of a markdown-only answer: the text itself, then a one-line origin note."""
    text = "\n\n".join(cell["source"] for cell in payload["cells"])
    origin = f"%llm {payload['task']} {payload['frame']} ({payload['engine']} engine)"
    return {"text/markdown": f"{text}\n\n*{origin}*\n", "text/plain": f"{text}\n\n# {origin}\n"}


def display_bundle(payload: dict) -> dict:
    """The MIME bundle the magic publishes for a suggestion payload."""
    return {
        CELLS_MIMETYPE: payload,
        "text/markdown": cells_markdown(payload),
        "text/plain": cells_plain_text(payload),
    }


def suggestion_payload(shell: Any, line: str, cell: str | None) -> dict | None:
    """Run the magic's logic and return the bundle payload, or ``None`` for help.

    Parameters
    ----------
    shell : IPython.core.interactiveshell.InteractiveShell
        The running shell; only its ``user_ns`` is read.
    line : str
        The magic's arguments.
    cell : str or None
        The cell body (extra instructions) for ``%%llm``.

    Returns
    -------
    dict or None
        ``{"id", "task", "frame", "engine", "cells", "version"}``. The card
        the engine reads is built with the ``--privacy`` mode; ``--budget``
        is checked here and bounds the card prompt of engines that send one
        (the built-in engine reads the card dict and has no prompt).

    Raises
    ------
    UsageError
        For anything the user can fix (unknown task, engine or frame).
    """
    from . import __version__
    from .engines.base import EngineError, UnknownTaskError
    from .kernel.card import describe

    options = parse_options(line)
    if options is None:
        return None
    task, frame_name = options["task"], options["frame"]
    # the budget is checked now so a typo fails at once; only prompt-sending engines use it
    privacy, excluded, budget = card_settings(options)
    engine_name, settings = engine_settings(options, budget)
    engine = checked_engine(engine_name, task, settings)
    if options.get("data") is not None and task != "explain":
        raise UsageError("llm: --data is for the explain task (%llm explain MODEL --data FRAME)")
    schema_library = checked_schema_option(options.get("schema_library"), task, engine)
    extra: dict = {}
    if task == "explain":
        # FRAME is the fitted model here; its data comes with --data
        if options.get("data") is None:
            raise UsageError(f"llm: explain needs the model's data: %llm explain {frame_name} --data FRAME")
        estimator = lookup_estimator(shell.user_ns, frame_name)
        data_name = options["data"]
        frame = lookup_frame(shell.user_ns, data_name)
        extra = model_facts(estimator, frame_name, frame)
        card_name, mentioned = data_name, [frame_name, data_name]
    else:
        frame = lookup_frame(shell.user_ns, frame_name)
        card_name, mentioned = frame_name, [frame_name]
    target = checked_target(frame, card_name, options.get("target"))
    if target is not None:
        extra["target"] = target
    if schema_library is not None:
        extra["schema_library"] = schema_library
    instructions = cell.strip() if cell and cell.strip() else None
    # the engine sees the card in the chosen privacy mode, as it would over the server
    card = describe(frame, name=card_name, privacy=privacy, exclude=excluded, target=target).to_dict()
    try:
        suggestion = engine_suggestion(
            engine, [card], task, instructions, notebook_cells=recent_cells(shell, mentioned), extra=extra
        )
    except UnknownTaskError as error:  # an engine without a declared task list
        raise UsageError(f"llm: {error}") from None
    except EngineError as error:  # the message says what happened and what to do
        raise UsageError(f"llm: {error.message}") from None
    answer = suggestion.to_dict()
    payload = {
        "id": uuid.uuid4().hex,
        "task": answer["task"],
        "frame": answer["frame"],
        "engine": answer["engine"],
        "cells": answer["cells"],
        "version": __version__,
    }
    if answer.get("notes"):
        payload["notes"] = answer["notes"]
    return payload


def preview_suggestion(shell: Any, payload: dict, options: dict) -> tuple[dict, list[str]]:
    """Check the generated code, run it on a copy of the frame and, with a language model, repair it.

    The loop is :func:`jupyterlab_llmds.repair.preview_and_repair`, as for
    the sidebar's Preview. Code the static safety check flags is not run at
    all; each repair is printed as it starts (``llm: attempt 1 failed ...``).
    The user's frame, namespace and history are left as they were: every
    run is on a copy, in a namespace of its own.

    Parameters
    ----------
    shell : IPython.core.interactiveshell.InteractiveShell
        The running shell; only its ``user_ns`` is read.
    payload : dict
        The bundle payload of :func:`suggestion_payload`.
    options : dict
        The magic's options (:func:`parse_options`).

    Returns
    -------
    tuple of (dict, list of str)
        The payload to publish (its code cells replaced by the repaired
        code, under a markdown cell saying so, when a repair passed where
        the first code did not) and one Markdown report per attempt.
    """
    from .kernel.card import describe
    from .kernel.entry import is_dataframe
    from .kernel.preview import preview
    from .repair import code_of, preview_and_repair, repair_note, repaired_cells

    frame_name = options["frame"]
    code = code_of(payload["cells"])
    if not code.strip():
        return payload, []
    frame = shell.user_ns.get(frame_name)
    if not is_dataframe(frame):
        print(f"llm: --preview runs code on a copy of a DataFrame; {frame_name!r} is not one")
        return payload, []
    privacy, excluded, budget = card_settings(options)
    engine_name, settings = engine_settings(options, budget)
    engine = checked_engine(engine_name, options["task"], settings)

    def run_preview(source: str) -> dict:
        return preview(source, frame, name=frame_name, max_rows=settings.preview_rows, timeout=settings.preview_timeout)

    def cards() -> list:
        # the card the code was written from (same mode, exclusions, target), built only if a repair is needed
        target = checked_target(frame, frame_name, options.get("target"))
        return [describe(frame, name=frame_name, privacy=privacy, exclude=excluded, target=target).to_dict()]

    reports: list[str] = []
    attempts: list[dict] = []
    for event in preview_and_repair(
        code,
        frame=frame_name,
        run_preview=run_preview,
        engine=engine,
        cards=cards,
        attempts=settings.repair_attempts,
        task=options["task"],
    ):
        if event["type"] == "attempt":
            attempts.append(event)
            reports.append(event["markdown"])
        elif event["type"] == "repairing":
            last = attempts[-1]
            print(
                f"llm: attempt {last['attempt']} {last['status']} on a copy of {frame_name}; asking the model "
                f"for a repair (attempt {event['attempt']} of {1 + settings.repair_attempts})"
            )
        elif event["type"] == "error":
            print(f"llm: {event['message']}")
        elif event["type"] == "done":
            if event["status"] != "ok" and reports:
                reports[-1] += f"\n\n{event['message']}"
            if event["repaired"]:
                final = next(attempt for attempt in attempts if attempt["attempt"] == event["attempt"])
                note = repair_note(attempts[0], final, frame_name)
                payload = {**payload, "cells": repaired_cells(payload["cells"], event["code"], note)}
    return payload, reports


CELL_MAGIC_LINE = re.compile(r"^%%llm(?=\s|$)")


def llm_cell_magic_without_body(lines: list[str]) -> list[str]:
    """Run a ``%%llm`` cell that has no body as the line magic ``%llm``.

    IPython refuses a cell magic with an empty body ("the cell body is
    empty"), yet ``%%llm clean df`` alone in a cell is the most natural way
    to ask for a cleaning. An input transformer (it sees the cell's lines
    before IPython's magic handling) turns exactly that case into the line
    magic, which does the same work with no instructions.

    Parameters
    ----------
    lines : list of str
        The cell's lines, each ending with its newline.

    Returns
    -------
    list of str
        The lines unchanged, or the single rewritten line.
    """
    if not lines or not CELL_MAGIC_LINE.match(lines[0]):
        return lines
    if any(line.strip() for line in lines[1:]):
        return lines
    return ["%" + lines[0][2:].rstrip("\n") + "\n"]


def register(ipython: Any) -> None:
    """Register ``%llm`` and ``%%llm`` with an IPython shell.

    Parameters
    ----------
    ipython : IPython.core.interactiveshell.InteractiveShell
        Usually the shell passed to ``load_ipython_extension``.
    """

    def llm(line: str, cell: str | None = None) -> None:
        """Write cells for a task on a DataFrame; ``%llm --help`` for details."""
        from IPython.display import Markdown, display

        payload = suggestion_payload(ipython, line, cell)
        if payload is None:
            print(usage_text().rstrip())
            return
        for note in payload.pop("notes", []):
            print(f"llm: {note}")
        if payload["cells"] and all(cell["cell_type"] == "markdown" for cell in payload["cells"]):
            # an explanation or an answer: nothing to insert, so show it where it was asked
            display(explanation_bundle(payload), raw=True)
            return
        options = parse_options(line) or {}
        reports: list[str] = []
        if options.get("preview"):
            # before publishing: when a repair passes, the inserted cells carry the repaired code
            payload, reports = preview_suggestion(ipython, payload, options)
        display(display_bundle(payload), raw=True)
        for report in reports:
            display(Markdown(report))

    llm.__doc__ = USAGE.replace("{tasks}", "  see %llm --help").replace("{engines}", "see %llm --help")
    ipython.register_magic_function(llm, magic_kind="line_cell", magic_name="llm")
    # Replace rather than append, so %reload_ext does not stack copies.
    cleanup = ipython.input_transformers_cleanup
    cleanup[:] = [
        transform for transform in cleanup
        if getattr(transform, "__name__", "") != llm_cell_magic_without_body.__name__
    ]
    cleanup.append(llm_cell_magic_without_body)
