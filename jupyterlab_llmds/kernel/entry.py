"""Entry points the server calls inside the user's kernel.

The server bridge evaluates one of these through the ``user_expressions`` of
a silent ``execute_request``::

    __import__("jupyterlab_llmds.kernel.entry", fromlist=["entry"]).frames_json()
    __import__("jupyterlab_llmds.kernel.entry", fromlist=["entry"]).card_json("df")

Both return a JSON *string*, so the reply's ``text/plain`` is just the
``repr`` of a ``str`` and the bridge never depends on how IPython would pretty
print a dict. They read the user namespace and never write to it, and they
never raise: whatever goes wrong is reported inside the JSON, because an
exception here would surface as an error in the user's kernel log and as an
unhelpful reply in the sidebar.

Top-level imports stay in the standard library (see ``kernel/__init__.py``).
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any, Mapping

#: How many DataFrame names an error message lists before it says "and N more".
NAMES_SHOWN_IN_MESSAGES = 10


def user_namespace() -> Mapping[str, Any]:
    """Return the running IPython shell's ``user_ns``, or an empty dict outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # a bare Python process: nothing to inspect
        return {}
    shell = get_ipython()
    if shell is None:
        return {}
    return shell.user_ns


def dataframe_names(namespace: Mapping[str, Any]) -> list[str]:
    """Names of the DataFrames bound to public names in ``namespace``, sorted."""
    from .frames import list_frames

    return [entry["name"] for entry in list_frames(namespace)]


def describe_names(names: list[str]) -> str:
    """Join names for a message, cutting long lists short."""
    if not names:
        return "none"
    shown = ", ".join(names[:NAMES_SHOWN_IN_MESSAGES])
    hidden = len(names) - NAMES_SHOWN_IN_MESSAGES
    return f"{shown} and {hidden} more" if hidden > 0 else shown


def missing_frame_message(name: str, namespace: Mapping[str, Any]) -> str:
    """Sentence for a name that is not bound in the namespace.

    Parameters
    ----------
    name : str
        The name the user asked for.
    namespace : Mapping[str, Any]
        The namespace that was searched; its DataFrames are listed so the
        user can spot a typo.

    Returns
    -------
    str
        For example ``"no variable named 'dff' in this kernel; DataFrames
        here: df, orders"``.
    """
    return (
        f"no variable named {name!r} in this kernel; "
        f"DataFrames here: {describe_names(dataframe_names(namespace))}"
    )


def type_phrase(value: Any) -> str:
    """``"a list"``, ``"an int"``: the value's type name with its article."""
    type_name = type(value).__name__
    article = "an" if type_name[:1].lower() in "aeiou" else "a"
    return f"{article} {type_name}"


def not_dataframe_message(name: str, value: Any) -> str:
    """Sentence for a name bound to something that is not a DataFrame.

    Parameters
    ----------
    name : str
        The variable name.
    value : Any
        What the name is bound to.

    Returns
    -------
    str
        For example ``"'x' is a list, not a pandas DataFrame"``.
    """
    return f"{name!r} is {type_phrase(value)}, not a pandas DataFrame"


def is_dataframe(value: Any) -> bool:
    """True when ``value`` is a pandas DataFrame, without importing pandas."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, pandas.DataFrame)


def json_safe(value: Any) -> Any:
    """Copy ``value`` with NaN/infinity turned into ``None`` and unknown objects into strings.

    The card is meant to be JSON-safe already; this is the last line of
    defence, because ``json.dumps`` writes ``NaN`` (which browsers refuse to
    parse) and raises on numpy scalars.
    """
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    # numpy scalars and similar expose item(); fall back to text for the rest
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return json_safe(item())
        except Exception:
            pass
    return str(value)


def to_json(payload: Mapping[str, Any]) -> str:
    """Serialise a payload for the bridge, strictly (no NaN) and compactly."""
    return json.dumps(json_safe(payload), allow_nan=False, separators=(",", ":"))


def frames_report(namespace: Mapping[str, Any]) -> dict:
    """List the DataFrames of ``namespace`` in the shape the frames route answers.

    Parameters
    ----------
    namespace : Mapping[str, Any]
        Usually the kernel's ``user_ns``; only read.

    Returns
    -------
    dict
        ``{"status": "ok" | "no_pandas" | "error", "message": str,
        "frames": [...]}``. ``message`` is empty when ``status`` is ``"ok"``.
    """
    if "pandas" not in sys.modules:
        return {
            "status": "no_pandas",
            "message": (
                "pandas is not imported in this kernel yet; "
                "import pandas and create a DataFrame, then refresh."
            ),
            "frames": [],
        }
    try:
        from .frames import list_frames

        # issue counts within about a second for all frames (the contract's "issues" key)
        frames = list_frames(namespace, with_issues=True)
    except Exception as error:  # never raise into the kernel (see module docstring)
        return {
            "status": "error",
            "message": f"Listing the DataFrames failed in the kernel: {type(error).__name__}: {error}",
            "frames": [],
        }
    return {"status": "ok", "message": "", "frames": frames}


def card_options(privacy: Any, exclude: Any, budget: Any, target: Any) -> tuple[str, list, int, Any]:
    """Check the card arguments and fill the missing ones from the environment settings.

    Returns
    -------
    tuple
        ``(privacy, exclude, budget, target)``.

    Raises
    ------
    ValueError
        Saying which argument is wrong (the bridge only sends checked
        values; this guards direct calls and version mismatches).
    """
    from ..config import checked_budget, settings_from_environment
    from .privacy import check_privacy_mode

    settings = settings_from_environment() if privacy is None or exclude is None or budget is None else None
    privacy = check_privacy_mode(settings.privacy_mode if privacy is None else privacy)
    if exclude is None:
        exclude = list(settings.excluded_columns)
    if not isinstance(exclude, (list, tuple)) or not all(isinstance(item, str) for item in exclude):
        raise ValueError(f"exclude must be a list of column names, not {exclude!r}")
    budget = checked_budget(settings.default_card_budget if budget is None else budget)
    if target is not None and not isinstance(target, str):
        raise ValueError(f"target must be a column name, not {target!r}")
    return privacy, list(exclude), budget, target


def card_report(
    namespace: Mapping[str, Any],
    name: str,
    privacy: str | None = None,
    exclude: list | None = None,
    budget: int | None = None,
    target: str | None = None,
) -> dict:
    """Build the data card of the DataFrame bound to ``name`` in ``namespace``, and its prompt.

    Parameters
    ----------
    namespace : Mapping[str, Any]
        Usually the kernel's ``user_ns``; only read.
    name : str
        The variable name of the frame.
    privacy : {"schema", "redacted", "full"}, optional
        Privacy mode of the card; ``LLMDS_PRIVACY`` or ``"redacted"`` when omitted.
    exclude : list of str, optional
        Columns whose values never leave the kernel; ``LLMDS_EXCLUDE`` when omitted.
    budget : int, optional
        Token budget of the prompt; ``LLMDS_CARD_BUDGET`` or 2000 when omitted.
    target : str, optional
        The column the user wants to predict.

    Returns
    -------
    dict
        ``{"status": "ok", "card": {...}, "prompt": str, "tokens": int,
        "budget": int}`` or ``{"status": "error", "error": "not_found" |
        "not_dataframe" | "bad_request" | "card_failed", "message": str}``.
    """
    if not isinstance(name, str) or name not in namespace:
        return {"status": "error", "error": "not_found", "message": missing_frame_message(str(name), namespace)}
    value = namespace[name]
    if not is_dataframe(value):
        return {"status": "error", "error": "not_dataframe", "message": not_dataframe_message(name, value)}
    try:
        privacy, exclude, budget, target = card_options(privacy, exclude, budget, target)
    except ValueError as error:
        return {"status": "error", "error": "bad_request", "message": str(error)}
    try:
        from .card import describe
        from .prompt import estimate_tokens

        described = describe(value, name=name, privacy=privacy, exclude=exclude, target=target)
        prompt = described.to_prompt(budget=budget)
    except Exception as error:  # a card bug must not surface as a kernel traceback
        return {
            "status": "error",
            "error": "card_failed",
            "message": f"Building the data card of {name!r} failed: {type(error).__name__}: {error}",
        }
    return {
        "status": "ok",
        "card": described.to_dict(),
        "prompt": prompt,
        "tokens": estimate_tokens(prompt),
        "budget": budget,
    }


def frames_json() -> str:
    """JSON string of :func:`frames_report` on the running kernel's namespace.

    Returns
    -------
    str
        See ``docs/architecture.md``, "Kernel entry points".
    """
    try:
        return to_json(frames_report(user_namespace()))
    except Exception as error:  # last resort: the contract says entry points never raise
        return to_json({"status": "error", "message": f"{type(error).__name__}: {error}", "frames": []})


def card_json(
    name: str,
    privacy: str | None = None,
    exclude: list | None = None,
    budget: int | None = None,
    target: str | None = None,
) -> str:
    """JSON string of :func:`card_report` for ``name`` on the running kernel's namespace.

    Parameters
    ----------
    name : str
        The variable name of the frame.
    privacy, exclude, budget, target
        See :func:`card_report`.

    Returns
    -------
    str
        See ``docs/architecture.md``, "Kernel entry points".
    """
    try:
        return to_json(card_report(user_namespace(), name, privacy, exclude, budget, target))
    except Exception as error:  # last resort: the contract says entry points never raise
        return to_json({"status": "error", "error": "card_failed", "message": f"{type(error).__name__}: {error}"})


def preview_json(code: str, name: str, max_rows: int = 100000, timeout: float = 30.0) -> str:
    """JSON string of :func:`kernel.preview.preview` of ``code`` on a copy of the frame ``name``.

    The frame is looked up in the running kernel's namespace (only read); the
    code runs against a copy in a fresh namespace, so neither the frame nor
    the user's variables, history or execution count change.

    Returns
    -------
    str
        The preview dict (``status`` ``"ok" | "error" | "timeout"``), or
        ``{"status": "error", "error": "not_found" | "not_dataframe" |
        "bad_request" | "preview_failed", "message": str}``. See
        ``docs/architecture.md``, "Preview on a copy".
    """
    try:
        namespace = user_namespace()
        if not isinstance(name, str) or name not in namespace:
            return to_json({"status": "error", "error": "not_found", "message": missing_frame_message(str(name), namespace)})
        value = namespace[name]
        if not is_dataframe(value):
            return to_json({"status": "error", "error": "not_dataframe", "message": not_dataframe_message(name, value)})
        if not isinstance(code, str):
            return to_json({"status": "error", "error": "bad_request", "message": f"code must be a str, not {type_phrase(code)}"})
        try:
            max_rows, timeout = int(max_rows), float(timeout)
        except (TypeError, ValueError):
            return to_json({"status": "error", "error": "bad_request", "message": "max_rows and timeout must be numbers"})
        if max_rows < 1 or not timeout > 0:
            return to_json({"status": "error", "error": "bad_request", "message": "max_rows and timeout must be positive"})
        from .preview import preview

        return to_json(preview(code, value, name, max_rows=max_rows, timeout=timeout))
    except Exception as error:  # last resort: the contract says entry points never raise
        return to_json({"status": "error", "error": "preview_failed", "message": f"{type(error).__name__}: {error}"})
