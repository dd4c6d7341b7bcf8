"""The libraries validation checks can be written in, and whether this Python can run them.

Generated checks run where the user runs them: in the kernel. So whether a
schema library (pandera, great_expectations) is usable is asked of the
kernel: the magics call :func:`schema_library_problem` there directly, and
the server asks through the kernel bridge with :func:`schema_library_json`
(the server never imports these libraries).

Nothing is imported to answer: :func:`importlib.util.find_spec` and the
installed distribution's metadata say whether the library is there and how
old it is, without running its code (importing pandera takes about a second
and loads much of its stack into the user's kernel).

Top-level imports stay in the standard library (see ``kernel/__init__.py``).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re

#: Libraries the checks can be written in; ``pandas`` (plain ``assert``-style checks) is the default.
SCHEMA_LIBRARIES = ("pandas", "pandera", "great_expectations")
DEFAULT_SCHEMA_LIBRARY = "pandas"
#: Tasks whose answer holds validation checks: the library applies to these only.
SCHEMA_TASKS = ("clean", "features", "validate")

#: Library -> (pip distribution name, oldest version the generated code works with).
#: pandera 0.24 introduced ``pandera.pandas``, which the generated code imports;
#: great_expectations 1.0 is the API the prompts ask for (``gx.ExpectationSuite``).
REQUIREMENTS = {
    "pandera": ("pandera", (0, 24)),
    "great_expectations": ("great_expectations", (1, 0)),
}


def checked_schema_library(name: object) -> str:
    """The library name, stripped; ``None`` or ``""`` mean the default (plain pandas).

    Raises
    ------
    ValueError
        For any other name, listing the choices.
    """
    if name is None or (isinstance(name, str) and not name.strip()):
        return DEFAULT_SCHEMA_LIBRARY
    if not isinstance(name, str) or name.strip() not in SCHEMA_LIBRARIES:
        raise ValueError(
            f"Unknown schema library {name!r}; choose one of: {', '.join(SCHEMA_LIBRARIES)}."
        )
    return name.strip()


def unsupported_library_message(engine_name: str, library: str, supported: tuple) -> str:
    """The sentence refusing checks in ``library`` from an engine that writes only ``supported`` ones."""
    return (
        f"The {engine_name} engine writes its checks in {' or '.join(supported)}, not {library}: choose one of "
        "those, or configure a language model, which writes checks in any of them."
    )


def version_tuple(text: str) -> tuple[int, ...]:
    """The leading numbers of a version string: ``"0.35.0"`` -> ``(0, 35, 0)``, ``"1.2rc1"`` -> ``(1, 2)``."""
    numbers = []
    for part in text.split("."):
        match = re.match(r"\d+", part)
        if not match:
            break
        numbers.append(int(match.group()))
        if match.end() != len(part):
            break
    return tuple(numbers)


def installed_version(distribution: str) -> str | None:
    """The installed version of a pip distribution, or ``None`` when its metadata is missing."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def schema_library_problem(name: object) -> str | None:
    """Why checks written in ``name`` cannot run in this Python, or ``None`` when they can.

    Parameters
    ----------
    name : str or None
        One of :data:`SCHEMA_LIBRARIES` (``None`` is plain pandas).

    Returns
    -------
    str or None
        One sentence saying what is missing and the ``%pip`` command that
        fixes it; ``None`` for plain pandas or an installed library.

    Raises
    ------
    ValueError
        For an unknown library name.
    """
    library = checked_schema_library(name)
    if library == DEFAULT_SCHEMA_LIBRARY:
        return None
    distribution, oldest = REQUIREMENTS[library]
    oldest_text = ".".join(map(str, oldest))
    if importlib.util.find_spec(library) is None:
        return (
            f"{distribution} is not installed in this kernel: run `%pip install {distribution}` in a notebook "
            "cell and ask again, or leave the schema option out for plain pandas checks."
        )
    version = installed_version(distribution)
    if version is not None and version_tuple(version) < oldest:
        return (
            f"{distribution} {version} in this kernel is older than the generated checks need ({oldest_text} or "
            f"later): run `%pip install -U {distribution}` in a notebook cell, restart the kernel and ask again."
        )
    return None


def schema_library_json(name: object) -> str:
    """Kernel entry point for the server: can checks written in ``name`` run here? (JSON string, never raises).

    Returns
    -------
    str
        ``{"status": "ok", "library": name, "available": bool, "message": str}``
        (``message`` empty when available), or ``{"status": "error",
        "error": "bad_request", "message": str}`` for an unknown name.
    """
    try:
        library = checked_schema_library(name)
        problem = schema_library_problem(library)
    except ValueError as error:
        return json.dumps({"status": "error", "error": "bad_request", "message": str(error)})
    except Exception as error:  # the entry point contract: problems come back inside the JSON
        return json.dumps({"status": "error", "error": "check_failed", "message": f"{type(error).__name__}: {error}"})
    return json.dumps({"status": "ok", "library": library, "available": problem is None, "message": problem or ""})
