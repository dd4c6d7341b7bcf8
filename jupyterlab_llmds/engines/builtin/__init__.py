"""The built-in offline engine: deterministic cells written from data cards.

One module per idea: :mod:`.clean_plan` reads the card into a plan,
:mod:`.clean_code` and :mod:`.clean_markdown` render it, :mod:`.code_text`
knows how generated code names frames and columns; :mod:`.validate_plan`
turns the card into checks, which :mod:`.validate_markdown` explains and
:mod:`.validate_code` (plain pandas) or :mod:`.validate_pandera` (a pandera
schema) write as code.
"""

from __future__ import annotations

from ...kernel.schema_libraries import DEFAULT_SCHEMA_LIBRARY, checked_schema_library, unsupported_library_message
from ..base import Cell, Suggestion, UnknownTaskError
from .clean_code import write_clean_code
from .clean_markdown import write_clean_markdown
from .clean_plan import plan_clean
from .validate_code import write_validate_code
from .validate_markdown import write_validate_markdown
from .validate_pandera import pandera_unsupported, write_pandera_code
from .validate_plan import ValidationPlan, plan_validation

#: Schema libraries the built-in engine writes checks in (great_expectations needs a language model).
BUILTIN_SCHEMA_LIBRARIES = ("pandas", "pandera")


def builtin_schema_library(name: str | None) -> str:
    """The schema library to write checks in, checked; ``ValueError`` for one the built-in engine lacks."""
    library = checked_schema_library(name)
    if library not in BUILTIN_SCHEMA_LIBRARIES:
        raise ValueError(unsupported_library_message("builtin", library, BUILTIN_SCHEMA_LIBRARIES))
    return library


def validation_cells_of(plan: ValidationPlan, instructions: str | None, schema_library: str) -> list[Cell]:
    """The markdown and code cells of a validation plan, in the schema library asked for.

    A pandera schema names its columns; when the frame's columns must be
    reached by position the cells are plain pandas, and the markdown says why.
    """
    library = builtin_schema_library(schema_library)
    if library == "pandera":
        reason = pandera_unsupported(plan)
        if reason is None:
            return [
                Cell("markdown", write_validate_markdown(plan, instructions, library="pandera")),
                Cell("code", write_pandera_code(plan)),
            ]
        note = f"These checks are plain pandas, not pandera: {reason}."
        return [
            Cell("markdown", write_validate_markdown(plan, instructions, note=note)),
            Cell("code", write_validate_code(plan)),
        ]
    return [
        Cell("markdown", write_validate_markdown(plan, instructions)),
        Cell("code", write_validate_code(plan)),
    ]


def clean_cells(card: dict, instructions: str | None = None, *,
                schema_library: str = DEFAULT_SCHEMA_LIBRARY) -> list[Cell]:
    """Cells that clean the frame one card describes, then check what the cleaning promised.

    Four cells: the plan (markdown), the cleaning code (builds
    ``<name>_clean``), then :func:`validation_for_cleaning`'s markdown and
    code, which pass once the cleaning code ran and fail on the frame before it.
    """
    library = builtin_schema_library(schema_library)
    plan = plan_clean(card)
    return [
        Cell("markdown", write_clean_markdown(plan, instructions)),
        Cell("code", write_clean_code(plan)),
        *validation_for_cleaning(card, schema_library=library),
    ]


def validate_cells(card: dict, instructions: str | None = None, *, target: str | None = None,
                   schema_library: str = DEFAULT_SCHEMA_LIBRARY) -> list[Cell]:
    """Markdown and code cells that check the frame one card describes, as it is.

    ``target`` names the frame the checks run on (default: the card's frame);
    ``schema_library`` is ``"pandas"`` (plain checks) or ``"pandera"``.
    """
    plan = plan_validation(card, target)
    return validation_cells_of(plan, instructions, schema_library)


def validation_for_cleaning(card: dict, target: str | None = None, *,
                            schema_library: str = DEFAULT_SCHEMA_LIBRARY) -> list[Cell]:
    """The checks the clean task's code promises, pointed at ``<name>_clean`` (or ``target``).

    Only checks that the cleaning makes pass (dtypes, null tokens, whitespace,
    case/spelling variants, duplicate rows, dropped empty/constant columns);
    outliers, sentinels and duplicate keys are left to the ``validate`` task.
    ``schema_library`` is ``"pandas"`` (plain checks) or ``"pandera"``.
    """
    plan = plan_validation(card, target, cleaned=target is None, promised_only=True)
    return validation_cells_of(plan, None, schema_library)


class BuiltinEngine:
    """Offline engine that writes cells from the data card alone.

    It never sees the DataFrame, so it runs the same in jupyter-server and
    in the kernel, and everything it says comes from the card's evidence.
    """

    name = "builtin"
    tasks = {"clean": clean_cells, "validate": validate_cells}
    #: Libraries the checks can be written in (engines without this attribute write them in any).
    schema_libraries = BUILTIN_SCHEMA_LIBRARIES

    def suggest(self, cards: list[dict], task: str, instructions: str | None = None, *,
                extra: dict | None = None) -> Suggestion:
        """Write cells for ``task`` on each frame of ``cards``, in order.

        Parameters
        ----------
        cards : list of dict
            Data card dicts (``DataCard.to_dict()``), one per frame.
        task : str
            ``"clean"`` or ``"validate"``.
        instructions : str, optional
            Free text from the user; acknowledged in the markdown but not
            followed (that needs a language-model engine).
        extra : dict, optional
            Task facts; the built-in engine reads ``schema_library``
            (``"pandas"``, the default, or ``"pandera"``) and ignores the
            others (``target``, ``focus``...), which only prompts use.

        Returns
        -------
        Suggestion
            The cells, with ``frame`` naming the frame(s).

        Raises
        ------
        UnknownTaskError
            For any task other than the supported ones.
        ValueError
            When ``cards`` is empty, or for a schema library the built-in
            engine does not write (the message says which ones it does).
        """
        writer = self.tasks.get(task)
        if writer is None:
            supported = ", ".join(repr(name) for name in sorted(self.tasks))
            raise UnknownTaskError(f"The built-in engine cannot do task {task!r}; it supports: {supported}.")
        if not cards:
            raise ValueError("No data card given: the built-in engine needs the card of at least one frame.")
        library = builtin_schema_library((extra or {}).get("schema_library"))
        cells: list[Cell] = []
        for card in cards:
            cells.extend(writer(card, instructions, schema_library=library))
        frame = ", ".join(str(card.get("name", "df")) for card in cards)
        return Suggestion(task=task, frame=frame, engine=self.name, cells=cells)
