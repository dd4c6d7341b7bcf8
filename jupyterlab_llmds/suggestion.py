"""The public ``suggest()`` API: describe a frame, then ask an engine for cells.

``suggest(df)`` is what users and the magics call with a live DataFrame;
``suggest_from_cards(cards)`` is what the server calls with card dicts it got
from the kernel. Both return a :class:`~jupyterlab_llmds.engines.Suggestion`.
"""

from __future__ import annotations

from .engines.base import Engine, Suggestion, get_engine


def resolve_engine(engine) -> Engine:
    """An engine object from ``None``, an engine name or an engine object."""
    if engine is None or isinstance(engine, str):
        return get_engine(engine)
    return engine


def suggest(df, task="clean", name="df", engine=None, instructions=None) -> Suggestion:
    """Write notebook cells for ``task`` on the frame ``df``.

    Parameters
    ----------
    df : pandas.DataFrame or pandas.Series
        The frame; it is only read.
    task : str
        What to do; the built-in engine supports ``"clean"`` and ``"validate"``, the openai
        engine ``clean``, ``features``, ``validate``, ``ask``, ``model`` and
        ``explain``.
    name : str
        The variable the frame is bound to: generated code refers to it.
    engine : str, Engine or None
        ``"builtin"``, ``"openai"``, an engine object, or ``None`` for the
        configured default (see :func:`jupyterlab_llmds.engines.get_engine`).
    instructions : str, optional
        Free-text guidance for the engine.

    Returns
    -------
    Suggestion
        Markdown and code cells, in order.

    Raises
    ------
    UnknownTaskError
        When the engine does not support ``task``.
    ValueError
        For an unknown engine name.
    EngineError
        When a language-model engine gets no answer (the message says why).
    """
    from .kernel.card import describe

    chosen = resolve_engine(engine)
    card = describe(df, name=name).to_dict()
    return chosen.suggest([card], task, instructions)


def suggest_from_cards(cards, task="clean", engine=None, instructions=None) -> Suggestion:
    """Write notebook cells for ``task`` from data card dicts.

    Parameters
    ----------
    cards : dict or list of dict
        Data card dicts (``DataCard.to_dict()``), e.g. from the kernel.
    task : str
        What to do; the built-in engine supports ``"clean"`` and ``"validate"``.
    engine : str, Engine or None
        As for :func:`suggest`.
    instructions : str, optional
        Free-text guidance for the engine.

    Returns
    -------
    Suggestion
        Markdown and code cells, in order.
    """
    if isinstance(cards, dict):
        cards = [cards]
    return resolve_engine(engine).suggest(list(cards), task, instructions)
