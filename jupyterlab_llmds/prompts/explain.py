"""Prompt template of the ``explain`` task: a fitted model explained to a non-technical reader.

``extra`` holds what the kernel knows about the model (the magic reads it
from the fitted estimator):

``model_name``
    The variable the estimator is bound to.
``estimator``
    A short description, e.g. ``RandomForestClassifier(n_estimators=200)``.
``importances``
    ``{feature: number}``: the largest feature importances or coefficients
    (a small dict; the magic keeps the 20 largest by absolute value).
``importance_kind``
    ``"feature_importances_"`` (impurity importances: size only) or
    ``"coef_"`` (coefficients: sign gives the direction, on the model's
    scaled inputs).

Feature names of one-hot encoded columns carry values (``city_Boston``):
they are masked like card values in ``redacted`` mode and left out in
``schema`` mode, where only features that are column names of the card are
kept.
"""

from __future__ import annotations

from typing import Any, Mapping

from .base import card_privacy_mode, data_value, frames_phrase, target_column

TASK = "explain"
DEFAULT_REQUEST = "Explain this model to a colleague who is not a data scientist."
EXTRA_KEYS = ("model_name", "estimator", "importances", "importance_kind")
RULES = (
    "For this task, answer in plain prose for a non-technical reader: no code unless the user asks for "
    "it, no jargon without a one-line explanation.",
)


def private_importances(importances: Mapping[Any, Any], cards: list[Mapping[str, Any]]) -> tuple[dict, int]:
    """The importances the cards' privacy mode lets out, and how many were withheld.

    Returns
    -------
    tuple of (dict, int)
        ``{name: number}`` with names masked (``redacted``) or limited to
        the cards' column names (``schema``), and the count left out.
    """
    from ..kernel.pii import Redactor

    modes = [card_privacy_mode(card) or "redacted" for card in cards]
    columns = {str(column.get("name")) for card in cards for column in card.get("columns", [])}
    excluded = {str(name) for card in cards for name in (card.get("privacy") or {}).get("excluded", [])}
    redactor = Redactor()
    kept: dict = {}
    withheld = 0
    for name, value in importances.items():
        name = str(name)
        try:
            number = round(float(value), 4)
        except (TypeError, ValueError):
            withheld += 1
            continue
        if "schema" in modes and name not in columns:
            withheld += 1
            continue
        if any(name == column or name.startswith(f"{column}_") for column in excluded):
            withheld += 1
            continue
        if "full" not in modes or len(set(modes)) > 1:
            name = redactor.redact_text(name)
        kept[name] = number
    return kept, withheld


def task_text(frames: list[str], extra: Mapping[str, Any], cards: list[Mapping[str, Any]]) -> str:
    """What the model must do for ``explain``."""
    model_name = extra.get("model_name") or "model"
    lines = [
        f"Explain the trained model `{model_name}` for a reader who is not technical. The data card "
        f"describes {frames_phrase(frames)}, the data the model is used on.",
    ]
    if extra.get("estimator"):
        lines.append(f"The model is {data_value(str(extra['estimator']))}.")
    target = target_column(extra, cards)
    if target is not None:
        lines.append(f"It predicts {target!r}.")
    importances = extra.get("importances")
    if importances:
        kept, withheld = private_importances(importances, cards)
        kind = extra.get("importance_kind") or "feature_importances_"
        meaning = (
            "coefficients (the sign says in which direction a feature pushes the prediction; sizes compare "
            "only when inputs are on the same scale)"
            if kind == "coef_"
            else "impurity-based importances (how much each feature is used; they say nothing about direction)"
        )
        lines.append(f"Its largest {meaning}, as data: {data_value(kept)}")
        if withheld:
            lines.append(f"({withheld} more features withheld by the privacy mode.)")
    else:
        lines.append("No feature importances were given: explain from the model type and the data card only.")
    lines.extend(
        [
            "Write markdown only, in this order: what the model does, in one or two sentences; the features "
            "that matter most and what that means in everyday terms; how far to trust it (data quality "
            "issues in the card, sampling, importances show association, not cause); one or two next "
            "steps.",
        ]
    )
    return "\n".join(lines)
