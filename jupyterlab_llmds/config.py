"""The one configuration of jupyterlab-llmds, read by the server extension and the magics.

Sources, first found wins:

1. jupyter-server configuration (``jupyter_server_config.py`` / ``.json``,
   command line), as traitlets of :class:`LlmdsConfig`::

       c.LlmdsConfig.privacy_mode = "schema"
       c.LlmdsConfig.lock_privacy_mode = True
       c.LlmdsConfig.excluded_columns = ["ssn", "salary"]
       c.LlmdsConfig.default_card_budget = 2000
       c.LlmdsConfig.max_card_budget = 4000

2. environment variables, for the magics and users' scripts (and as the
   defaults of the traitlets above): ``LLMDS_PRIVACY`` (a privacy mode),
   ``LLMDS_CARD_BUDGET`` (an integer), ``LLMDS_EXCLUDE`` (comma-separated
   column names);
3. the defaults: ``redacted``, no exclusions, a budget of 2,000 tokens,
   a maximum of 8,000.

The server reads :class:`LlmdsConfig` once, when the extension loads, and
hands the resulting :class:`LlmdsSettings` to the handlers; the magics call
:func:`settings_from_environment` on each use. A later setting (model name,
``OPENAI_*`` endpoint and key) is one more trait, one more environment
variable in :data:`ENVIRONMENT_VARIABLES` and one more field of
:class:`LlmdsSettings`.

Imported in users' kernels by the magics: top-level imports are the standard
library and traitlets (which IPython itself depends on).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from traitlets import Bool, Int, List, Unicode, default, validate
from traitlets.config import Configurable

from .kernel.privacy import PRIVACY_MODES, check_privacy_mode

DEFAULT_PRIVACY_MODE = "redacted"
DEFAULT_CARD_BUDGET = 2000
DEFAULT_MAX_CARD_BUDGET = 8000
#: The smallest budget a request may ask for: below it the header alone does not fit.
MIN_CARD_BUDGET = 100

#: Setting -> environment variable it is read from.
ENVIRONMENT_VARIABLES = {
    "privacy_mode": "LLMDS_PRIVACY",
    "default_card_budget": "LLMDS_CARD_BUDGET",
    "excluded_columns": "LLMDS_EXCLUDE",
}


class ConfigurationError(ValueError):
    """A setting (from the environment or a request) has a value that cannot be used."""


def environment_privacy(environ: Mapping[str, str]) -> str:
    """The privacy mode of ``LLMDS_PRIVACY`` (the default when unset or empty)."""
    value = environ.get(ENVIRONMENT_VARIABLES["privacy_mode"], "").strip()
    if not value:
        return DEFAULT_PRIVACY_MODE
    if value not in PRIVACY_MODES:
        raise ConfigurationError(
            f"LLMDS_PRIVACY={value!r} is not a privacy mode; the modes are: {', '.join(PRIVACY_MODES)}."
        )
    return value


def environment_budget(environ: Mapping[str, str]) -> int:
    """The card budget of ``LLMDS_CARD_BUDGET`` (the default when unset or empty)."""
    value = environ.get(ENVIRONMENT_VARIABLES["default_card_budget"], "").strip()
    if not value:
        return DEFAULT_CARD_BUDGET
    try:
        return checked_budget(int(value))
    except ValueError as error:
        raise ConfigurationError(f"LLMDS_CARD_BUDGET={value!r} is not usable: {error}") from None


def environment_excluded(environ: Mapping[str, str]) -> list[str]:
    """Column names of ``LLMDS_EXCLUDE`` (comma-separated; empty entries ignored)."""
    value = environ.get(ENVIRONMENT_VARIABLES["excluded_columns"], "")
    return [name.strip() for name in value.split(",") if name.strip()]


def checked_budget(budget: Any) -> int:
    """``budget`` as an int of at least :data:`MIN_CARD_BUDGET`, else ``ValueError``."""
    if isinstance(budget, bool) or not isinstance(budget, int):
        raise ValueError(f"a card budget must be a whole number of tokens, not {budget!r}")
    if budget < MIN_CARD_BUDGET:
        raise ValueError(f"a card budget must be at least {MIN_CARD_BUDGET} tokens, not {budget}")
    return budget


class LlmdsConfig(Configurable):
    """jupyterlab-llmds settings for jupyter-server (``c.LlmdsConfig.<name>``).

    Each default comes from the environment variable of the same setting
    (see the module docstring), then from the built-in default.
    """

    privacy_mode = Unicode(
        help=(
            "What of a DataFrame's values a data card may hold: 'schema' (names, dtypes and counts), "
            "'redacted' (values with personal data replaced by placeholders) or 'full'."
        ),
    ).tag(config=True)

    lock_privacy_mode = Bool(
        False,
        help="When true, requests cannot choose another privacy mode than privacy_mode.",
    ).tag(config=True)

    excluded_columns = List(
        Unicode(),
        help="Column names whose values never leave the kernel, in every frame.",
    ).tag(config=True)

    default_card_budget = Int(help="Token budget of a data card prompt when the request names none.").tag(config=True)

    max_card_budget = Int(
        DEFAULT_MAX_CARD_BUDGET,
        help="Largest token budget a request may ask for; larger requests are capped.",
    ).tag(config=True)

    @default("privacy_mode")
    def _privacy_mode_default(self) -> str:
        return environment_privacy(os.environ)

    @default("default_card_budget")
    def _default_card_budget_default(self) -> int:
        return environment_budget(os.environ)

    @default("excluded_columns")
    def _excluded_columns_default(self) -> list:
        return environment_excluded(os.environ)

    @validate("privacy_mode")
    def _check_privacy_mode(self, proposal: dict) -> str:
        return check_privacy_mode(proposal["value"])

    @validate("default_card_budget", "max_card_budget")
    def _check_budget(self, proposal: dict) -> int:
        return checked_budget(proposal["value"])

    def settings(self) -> "LlmdsSettings":
        """The settings as a plain, immutable object for the handlers."""
        return LlmdsSettings(
            privacy_mode=self.privacy_mode,
            lock_privacy_mode=self.lock_privacy_mode,
            excluded_columns=tuple(self.excluded_columns),
            default_card_budget=min(self.default_card_budget, self.max_card_budget),
            max_card_budget=self.max_card_budget,
        )


@dataclass(frozen=True)
class LlmdsSettings:
    """Resolved settings: what the routes and the magics apply to each request.

    Attributes
    ----------
    privacy_mode : str
        The mode used when a request names none (and always, when locked).
    lock_privacy_mode : bool
        Whether requests may choose another mode.
    excluded_columns : tuple of str
        Column names whose values never leave the kernel.
    default_card_budget : int
        Budget when a request names none.
    max_card_budget : int
        Cap on requested budgets.
    """

    privacy_mode: str = DEFAULT_PRIVACY_MODE
    lock_privacy_mode: bool = False
    excluded_columns: tuple = field(default_factory=tuple)
    default_card_budget: int = DEFAULT_CARD_BUDGET
    max_card_budget: int = DEFAULT_MAX_CARD_BUDGET

    def resolve_privacy(self, requested: str | None = None) -> tuple[str, bool]:
        """The privacy mode to apply and whether the administrator imposed it.

        Parameters
        ----------
        requested : str, optional
            The mode a request asked for.

        Returns
        -------
        tuple of (str, bool)
            ``(mode, locked)``: with ``lock_privacy_mode`` the configured mode
            wins over any request (``locked`` is then true).

        Raises
        ------
        ConfigurationError
            For a requested mode that does not exist (even when locked: a
            typo should be reported, not silently ignored).
        """
        if requested is not None and requested not in PRIVACY_MODES:
            raise ConfigurationError(
                f"Unknown privacy mode {requested!r}; the modes are: {', '.join(PRIVACY_MODES)}."
            )
        if self.lock_privacy_mode:
            return self.privacy_mode, True
        return (requested or self.privacy_mode), False

    def resolve_budget(self, requested: int | None = None) -> int:
        """The budget to apply: the request's (at least the minimum), capped at the maximum.

        Raises
        ------
        ConfigurationError
            For a requested budget below :data:`MIN_CARD_BUDGET` or not an integer.
        """
        if requested is None:
            return min(self.default_card_budget, self.max_card_budget)
        try:
            budget = checked_budget(requested)
        except ValueError as error:
            raise ConfigurationError(f"The budget is not usable: {error}.") from None
        return min(budget, self.max_card_budget)


def settings_from_environment(environ: Mapping[str, str] | None = None) -> LlmdsSettings:
    """Settings from the environment variables and the defaults (for the magics and scripts).

    Parameters
    ----------
    environ : Mapping, optional
        Defaults to ``os.environ``.

    Raises
    ------
    ConfigurationError
        For an unusable ``LLMDS_PRIVACY`` or ``LLMDS_CARD_BUDGET``.
    """
    environ = os.environ if environ is None else environ
    return LlmdsSettings(
        privacy_mode=environment_privacy(environ),
        excluded_columns=tuple(environment_excluded(environ)),
        default_card_budget=environment_budget(environ),
    )


def settings_from_config(config: Any = None) -> LlmdsSettings:
    """Settings from a traitlets config (e.g. ``server_app.config``), then the environment, then defaults."""
    return LlmdsConfig(config=config).settings() if config is not None else LlmdsConfig().settings()
