"""The validation cell the ``clean``, ``features`` and ``validate`` prompts ask for, per schema library.

One place says how checks are written, so the three tasks ask for them the
same way: plain pandas ``assert`` statements by default, a pandera
``DataFrameSchema`` or a Great Expectations suite when the user chose that
library (``extra["schema_library"]``, see
:mod:`jupyterlab_llmds.kernel.schema_libraries`). The server or the magic has
already checked that the library is installed in the kernel.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..kernel.schema_libraries import checked_schema_library

#: The extra key the three templates accept.
SCHEMA_LIBRARY_KEY = "schema_library"

PANDAS_FORM = (
    "Use plain pandas `assert` statements (no extra packages). For each check compute the failing rows as a "
    "boolean mask first, then assert with a message naming the check, the column and the count, in the form "
    '`assert not mask.any(), f"<check> on <column>: {{int(mask.sum())}} rows"`.'
)

PANDERA_FORM = (
    "Write the checks as a pandera schema (`import pandera.pandas as pa`): a `pa.DataFrameSchema` with one "
    "`pa.Column` per column, giving its dtype, `nullable` (False only where nothing can be missing), "
    "`unique=True` for keys, and `pa.Check`s for the rest (`pa.Check.isin` for normalised categories, "
    "`pa.Check.in_range` for plausible ranges, `pa.Check.str_matches` for cleaned text formats, "
    "`pa.Check.notin` for values that must be gone; `pa.Check(fn, name=...)` for anything else), plus "
    "frame-level `checks=` such as duplicate rows. Validate with `schema.validate({frame}, lazy=True)`, so "
    "every failure is reported at once in the `SchemaErrors` it raises."
)

GREAT_EXPECTATIONS_FORM = (
    "Write the checks as a Great Expectations 1.x suite (`import great_expectations as gx`): an ephemeral "
    "context (`gx.get_context(mode=\"ephemeral\")`), a pandas data source with a dataframe asset and a "
    "whole-dataframe batch definition, the batch of `{frame}`, and a `gx.ExpectationSuite` with one expectation "
    "per check (`gx.expectations.ExpectColumnToExist`, `ExpectColumnValuesToBeInTypeList`, "
    "`ExpectColumnValuesToNotBeNull`, `ExpectColumnValuesToBeInSet`, `ExpectColumnValuesToNotBeInSet`, "
    "`ExpectColumnValuesToBeBetween`, `ExpectColumnValuesToBeUnique`, `ExpectTableRowCountToEqual`). Validate "
    "the batch against the suite, print each failed expectation with its column and unexpected count, then "
    "`assert result.success`."
)

FORMS = {"pandas": PANDAS_FORM, "pandera": PANDERA_FORM, "great_expectations": GREAT_EXPECTATIONS_FORM}

#: How each library is named to the model.
LIBRARY_TITLES = {"pandas": "plain pandas", "pandera": "pandera", "great_expectations": "Great Expectations"}


def schema_library_of(extra: Mapping[str, Any]) -> str:
    """The library the checks are written in (``pandas`` unless ``extra`` says otherwise).

    Raises
    ------
    ValueError
        For an unknown library name, listing the choices.
    """
    return checked_schema_library(extra.get(SCHEMA_LIBRARY_KEY))


def check_form(frame: str, library: str) -> str:
    """How the checks on ``frame`` are written in ``library`` (one paragraph for the model)."""
    return FORMS[library].format(frame=frame)


def validation_cell_text(frame: str, source: str, promises: str, library: str) -> str:
    """The step asking for a final validation cell of ``frame`` that checks ``promises``.

    Parameters
    ----------
    frame : str
        The frame the code builds (``df_clean``, ``df_features``).
    source : str
        The user's frame it was built from (the checks must fail on it where
        the code changed something).
    promises : str
        What the code promised, as a list in words.
    library : str
        One of :data:`jupyterlab_llmds.kernel.schema_libraries.SCHEMA_LIBRARIES`.

    Returns
    -------
    str
        The step's text.
    """
    return (
        f"A final code cell that validates `{frame}` against what the code above promised ({promises}): one "
        "check per promise, each for the columns the code changed. "
        + check_form(frame, library)
        + f" The checks must pass on `{frame}` after the code above ran, and fail on `{source}` as it is now "
        "wherever the code changed something."
    )
