"""The built-in offline engine: deterministic cells written from data cards.

One module per idea: :mod:`.clean_plan` reads the card into a plan,
:mod:`.clean_code` and :mod:`.clean_markdown` render it, :mod:`.code_text`
knows how generated code names frames and columns.
"""

from __future__ import annotations

from ..base import Cell, Suggestion, UnknownTaskError
from .clean_code import write_clean_code
from .clean_markdown import write_clean_markdown
from .clean_plan import plan_clean
from .validate_code import write_validate_code
from .validate_markdown import write_validate_markdown
from .validate_plan import plan_validation


def clean_cells(card: dict, instructions: str | None = None) -> list[Cell]:
    """Markdown and code cells that clean the frame one card describes."""
    plan = plan_clean(card)
    return [
        Cell("markdown", write_clean_markdown(plan, instructions)),
        Cell("code", write_clean_code(plan)),
    ]


def validate_cells(card: dict, instructions: str | None = None, *, target: str | None = None) -> list[Cell]:
    """Markdown and code cells that check the frame one card describes, as it is.

    ``target`` names the frame the checks run on (default: the card's frame).
    """
    plan = plan_validation(card, target)
    return [
        Cell("markdown", write_validate_markdown(plan, instructions)),
        Cell("code", write_validate_code(plan)),
    ]


def validation_for_cleaning(card: dict, target: str | None = None) -> list[Cell]:
    """The checks the clean task's code promises, pointed at ``<name>_clean`` (or ``target``).

    Only checks that the cleaning makes pass (dtypes, null tokens, whitespace,
    case/spelling variants, duplicate rows, dropped empty/constant columns);
    outliers, sentinels and duplicate keys are left to the ``validate`` task.
    """
    plan = plan_validation(card, target, cleaned=target is None, promised_only=True)
    return [
        Cell("markdown", write_validate_markdown(plan)),
        Cell("code", write_validate_code(plan)),
    ]


class BuiltinEngine:
    """Offline engine that writes cells from the data card alone.

    It never sees the DataFrame, so it runs the same in jupyter-server and
    in the kernel, and everything it says comes from the card's evidence.
    """

    name = "builtin"
    tasks = {"clean": clean_cells, "validate": validate_cells}

    def suggest(self, cards: list[dict], task: str, instructions: str | None = None) -> Suggestion:
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

        Returns
        -------
        Suggestion
            The cells, with ``frame`` naming the frame(s).

        Raises
        ------
        UnknownTaskError
            For any task other than the supported ones.
        ValueError
            When ``cards`` is empty.
        """
        writer = self.tasks.get(task)
        if writer is None:
            supported = ", ".join(repr(name) for name in sorted(self.tasks))
            raise UnknownTaskError(f"The built-in engine cannot do task {task!r}; it supports: {supported}.")
        if not cards:
            raise ValueError("No data card given: the built-in engine needs the card of at least one frame.")
        cells: list[Cell] = []
        for card in cards:
            cells.extend(writer(card, instructions))
        frame = ", ".join(str(card.get("name", "df")) for card in cards)
        return Suggestion(task=task, frame=frame, engine=self.name, cells=cells)
