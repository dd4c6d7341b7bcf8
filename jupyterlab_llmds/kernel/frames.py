"""List the pandas DataFrames that live in a namespace, cheaply and read-only."""

from __future__ import annotations

import sys
from typing import Any, Mapping


def pandas_if_imported():
    """Return the pandas module if the user has imported it, else ``None``.

    Looking in ``sys.modules`` instead of importing keeps inspection free of
    side effects: a kernel that never imported pandas holds no DataFrame.
    """
    return sys.modules.get("pandas")


def shallow_memory_bytes(frame: Any) -> int | None:
    """Memory of a frame without ``deep=True``, which walks every string and is slow."""
    try:
        return int(frame.memory_usage(index=True, deep=False).sum())
    except Exception:  # a broken or exotic frame must not break the listing
        return None


def list_frames(namespace: Mapping[str, Any]) -> list[dict]:
    """List the DataFrames bound to public names in ``namespace``.

    Parameters
    ----------
    namespace : Mapping[str, Any]
        Usually the kernel's ``user_ns``. It is only read.

    Returns
    -------
    list of dict
        One entry per name, sorted by name, with keys ``name``, ``kind``
        (``"DataFrame"``), ``rows``, ``columns`` and ``memory_bytes``. Names
        starting with ``_`` (IPython's output history such as ``_`` and
        ``_5``) are skipped; a frame bound to two names is listed twice.
    """
    pandas = pandas_if_imported()
    if pandas is None:
        return []
    data_frame_type = pandas.DataFrame
    frames = []
    # list() first: the namespace may change size while we iterate if another
    # thread (a widget comm, say) assigns a variable.
    for name, value in list(namespace.items()):
        if not isinstance(name, str) or name.startswith("_"):
            continue
        if not isinstance(value, data_frame_type):
            continue
        rows, columns = value.shape
        frames.append(
            {
                "name": name,
                "kind": "DataFrame",
                "rows": int(rows),
                "columns": int(columns),
                "memory_bytes": shallow_memory_bytes(value),
            }
        )
    frames.sort(key=lambda entry: entry["name"])
    return frames
