"""Prompt template of the ``model`` task: a scikit-learn baseline for a named target."""

from __future__ import annotations

from typing import Any, Mapping

from .base import frames_phrase, target_column

TASK = "model"
DEFAULT_REQUEST = "Build a first, honest baseline model for the target and tell me how good it is."
EXTRA_KEYS: tuple = ()


def target_facts(target: Any, cards: list[Mapping[str, Any]]) -> str | None:
    """One line with the target column's dtype, meaning, distinct values and nulls, from the card."""
    for card in cards:
        for column in card.get("columns", []):
            if column.get("name") == target:
                distinct = (column.get("distinct") or {}).get("count")
                return (
                    f"The card says the target {target!r} has dtype {column.get('dtype')} "
                    f"({column.get('semantic')}), {distinct} distinct values and {column.get('nulls')} nulls."
                )
    return None


def task_text(frames: list[str], extra: Mapping[str, Any], cards: list[Mapping[str, Any]]) -> str:
    """What the model must do for ``model``."""
    first = frames[0]
    target = target_column(extra, cards)
    if target is None:
        target_line = (
            "No target was named and the card suggests none: say so in one markdown cell, list the columns "
            "that could be targets, and write no model code."
        )
    else:
        target_line = f"The target to predict is {target!r}. " + (target_facts(target, cards) or (
            "The card does not show that column: say so and write no model code."
        ))
    return "\n".join(
        [
            f"Write a scikit-learn pipeline that predicts the target from {frames_phrase(frames)}.",
            target_line,
            "Cells, in order:",
            "1. Markdown: classification or regression (from the target's dtype and distinct count), the "
            "features you use and the columns you leave out and why (ID-like columns, columns that leak "
            "the target, free text, columns the card says are mostly empty).",
            f"2. Code: `X = {first}.drop(columns=[...])` and `y = {first}[target]` (drop rows whose target is "
            "missing first); `train_test_split` with `test_size=0.2`, `random_state=0`, and `stratify=y` for "
            "classification.",
            "3. Code: a `ColumnTransformer` with per-dtype preprocessing taken from the card's real column "
            "types: numeric columns `SimpleImputer(strategy='median')` then `StandardScaler()`; categorical "
            "and boolean columns `SimpleImputer(strategy='most_frequent')` then "
            "`OneHotEncoder(handle_unknown='ignore')`; datetime columns turned into numeric parts first; text "
            "columns that hold numbers or dates converted first (the card flags them).",
            "4. Code: a baseline (`DummyClassifier(strategy='most_frequent')` or "
            "`DummyRegressor(strategy='median')`) and one simple model in a `Pipeline` with the preprocessing "
            "(`LogisticRegression(max_iter=1000)` or `RandomForestClassifier(random_state=0)`; `Ridge()` or "
            "`RandomForestRegressor(random_state=0)`), both fitted on the training split.",
            "5. Code: metrics on the test split for both: accuracy, F1 and ROC AUC for classification "
            "(macro F1 for more than two classes); MAE, RMSE and R² for regression; then a markdown sentence "
            "on how to read them against the baseline.",
            "Import everything you use from sklearn explicitly. Do not tune hyperparameters yet.",
        ]
    )
