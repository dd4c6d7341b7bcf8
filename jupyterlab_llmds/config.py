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
:func:`settings_from_environment` on each use. A new setting is one more
trait, one more environment variable in :data:`ENVIRONMENT_VARIABLES` and one
more field of :class:`LlmdsSettings`.

Language-model settings (the ``openai`` engine)
-----------------------------------------------
Same order (traitlets, then environment, then defaults) with one more source
between the environment and the defaults: ``jupyter_llmds_config.json`` in
the Jupyter config directories (``jupyter --paths``, the ``config:`` list,
found with ``jupyter_core.paths.jupyter_config_path()``; a directory earlier
in that list wins key by key). The server and the magics both read it, so
one file configures the sidebar and ``%%llm`` alike::

    {"base_url": "http://localhost:11434/v1", "model": "llama3.1",
     "temperature": 0.2, "max_tokens": 2000, "request_timeout": 120,
     "max_retries": 2,
     "allowed_base_urls": ["http://localhost:11434/v1"], "allowed_models": []}

==================  =========================  ========================  ==========
setting             environment variable       file key / traitlet       default
==================  =========================  ========================  ==========
API key             ``OPENAI_API_KEY``         (environment only)        none
endpoint            ``OPENAI_BASE_URL``        ``base_url``              OpenAI's API
model               ``LLMDS_MODEL``            ``model``                 none
temperature         ``LLMDS_TEMPERATURE``      ``temperature``           server's
answer length       ``LLMDS_MAX_TOKENS``       ``max_tokens``            server's
request timeout     ``LLMDS_REQUEST_TIMEOUT``  ``request_timeout``       60 s
retries (429, 5xx)  ``LLMDS_MAX_RETRIES``      ``max_retries``           2
allowed endpoints   (none: administrators)     ``allowed_base_urls``     any
allowed models      (none: administrators)     ``allowed_models``        any
repair attempts     ``LLMDS_REPAIR_ATTEMPTS``  ``repair_attempts``       2 (0: no repair)
preview sample      ``LLMDS_PREVIEW_ROWS``     ``preview_rows``          100,000 rows
preview time limit  ``LLMDS_PREVIEW_TIMEOUT``  ``preview_timeout``       30 s
==================  =========================  ========================  ==========

The last three belong to the preview on a copy: how many times a language
model may repair code whose preview failed or warned, the most rows the copy
holds (bigger frames are sampled, and the report says so) and how long the
code may run.

The API key is never read from the file (config files are often readable by
others and end up in backups) and never shown in a ``repr``. The allow-lists
have no environment variable: they are the administrator's, set as
``c.LlmdsConfig.allowed_base_urls`` for the server or in a system-wide
``jupyter_llmds_config.json`` (e.g. ``/etc/jupyter``) for the server and
the kernels. In the kernel the user can edit every file, so the lists there
keep honest people on the approved endpoints rather than enforce anything.

The default engine (``get_engine(None)``) is ``openai`` when an endpoint is
configured (``OPENAI_BASE_URL`` or ``base_url``), or a key and a model are
(``OPENAI_API_KEY`` plus ``LLMDS_MODEL`` / ``model``); otherwise it is the
built-in offline engine.

Imported in users' kernels by the magics: top-level imports are the standard
library and traitlets (which IPython itself depends on).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from traitlets import Bool, Float, Int, List, TraitError, Unicode, default, validate
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
    "api_key": "OPENAI_API_KEY",
    "base_url": "OPENAI_BASE_URL",
    "model": "LLMDS_MODEL",
    "temperature": "LLMDS_TEMPERATURE",
    "max_tokens": "LLMDS_MAX_TOKENS",
    "request_timeout": "LLMDS_REQUEST_TIMEOUT",
    "max_retries": "LLMDS_MAX_RETRIES",
    "repair_attempts": "LLMDS_REPAIR_ATTEMPTS",
    "preview_rows": "LLMDS_PREVIEW_ROWS",
    "preview_timeout": "LLMDS_PREVIEW_TIMEOUT",
}

#: The endpoint used when no base URL is configured.
DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"
#: Seconds the openai engine waits for the endpoint (connect, and between streamed chunks).
DEFAULT_REQUEST_TIMEOUT = 60.0
#: Retries of a request answered 408/409/429/5xx or not answered (the openai client's own retry loop).
DEFAULT_MAX_RETRIES = 2
#: Repairs a language model may make after a preview failed or warned (0: none).
DEFAULT_REPAIR_ATTEMPTS = 2
#: Most repairs allowed: each is a request to the model and a run in the kernel.
MAX_REPAIR_ATTEMPTS = 10
#: Rows of the copy a preview runs on (bigger frames: a head + random sample); preview()'s own default.
DEFAULT_PREVIEW_ROWS = 100_000
#: Seconds a previewed cell may run on the copy.
DEFAULT_PREVIEW_TIMEOUT = 30.0
#: Name of the configuration file looked for in each Jupyter config directory.
CONFIG_FILE_NAME = "jupyter_llmds_config.json"
#: Keys ``jupyter_llmds_config.json`` may hold.
FILE_SETTINGS = (
    "base_url",
    "model",
    "temperature",
    "max_tokens",
    "request_timeout",
    "max_retries",
    "allowed_base_urls",
    "allowed_models",
    "repair_attempts",
    "preview_rows",
    "preview_timeout",
)


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


# --------------------------------------------------------------------------
# Language-model settings: checks, the environment, the config file


def normalized_base_url(url: str) -> str:
    """``url`` without trailing slashes and with a lower-case scheme and host (for comparisons)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, "")).rstrip("/")


def checked_model_setting(name: str, value: Any) -> Any:
    """``value`` checked (and converted) for the language-model setting ``name``.

    Parameters
    ----------
    name : str
        One of :data:`FILE_SETTINGS`.
    value : Any
        A string (from the environment) or a JSON value (from the file).

    Returns
    -------
    Any
        ``str`` for ``base_url`` / ``model``, ``float`` for ``temperature``
        and ``request_timeout``, ``int`` for ``max_tokens`` and
        ``max_retries``, a tuple of str for the allow-lists; ``None`` for an
        empty ``model``, ``base_url``, ``temperature`` or ``max_tokens``.

    Raises
    ------
    ValueError
        Saying what a usable value looks like.
    """
    if name in ("allowed_base_urls", "allowed_models"):
        if isinstance(value, str):
            value = [item for item in value.split(",")]
        if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
            raise ValueError("must be a list of strings")
        items = tuple(item.strip() for item in value if item.strip())
        if name == "allowed_base_urls":
            for item in items:
                checked_model_setting("base_url", item)
            return tuple(normalized_base_url(item) for item in items)
        return items
    if name in ("base_url", "model"):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise ValueError("must be a string")
        value = value.strip()
        if name == "base_url" and not value.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL, e.g. http://localhost:11434/v1")
        return value
    if name in ("temperature", "request_timeout"):
        if name == "temperature" and (value is None or (isinstance(value, str) and not value.strip())):
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError("must be a number") from None
        if isinstance(value, bool) or number != number:
            raise ValueError("must be a number")
        if name == "temperature" and not 0 <= number <= 2:
            raise ValueError("must be between 0 and 2")
        if name == "request_timeout" and not number > 0:
            raise ValueError("must be a positive number of seconds")
        return number
    if name in ("max_tokens", "max_retries"):
        if name == "max_tokens" and (value is None or (isinstance(value, str) and not value.strip())):
            return None
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError("must be a whole number")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError("must be a whole number") from None
        if name == "max_tokens" and number < 1:
            raise ValueError("must be at least 1")
        if name == "max_retries" and number < 0:
            raise ValueError("must be 0 or more")
        return number
    if name in ("repair_attempts", "preview_rows"):
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError("must be a whole number")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError("must be a whole number") from None
        if name == "repair_attempts" and not 0 <= number <= MAX_REPAIR_ATTEMPTS:
            raise ValueError(f"must be between 0 (no repair) and {MAX_REPAIR_ATTEMPTS}")
        if name == "preview_rows" and number < 1:
            raise ValueError("must be at least 1")
        return number
    if name == "preview_timeout":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError("must be a number of seconds") from None
        if isinstance(value, bool) or not number > 0 or number == float("inf"):
            raise ValueError("must be a positive number of seconds")
        return number
    raise ValueError(f"is not a setting; the settings are: {', '.join(FILE_SETTINGS)}")


def environment_model_settings(environ: Mapping[str, str]) -> dict:
    """Language-model settings given in the environment (only those set and not empty).

    Returns
    -------
    dict
        Keys among ``api_key`` and :data:`FILE_SETTINGS` (the allow-lists have
        no environment variable), values checked.

    Raises
    ------
    ConfigurationError
        Naming the variable and what a usable value looks like (the API key
        is never part of the message).
    """
    values: dict = {}
    api_key = environ.get(ENVIRONMENT_VARIABLES["api_key"], "").strip()
    if api_key:
        values["api_key"] = api_key
    for name in (
        "base_url", "model", "temperature", "max_tokens", "request_timeout", "max_retries",
        "repair_attempts", "preview_rows", "preview_timeout",
    ):
        variable = ENVIRONMENT_VARIABLES[name]
        raw = environ.get(variable, "")
        if not raw.strip():
            continue
        try:
            values[name] = checked_model_setting(name, raw)
        except ValueError as error:
            raise ConfigurationError(f"{variable}={raw!r} is not usable: it {error}.") from None
    return values


def config_file_paths() -> list:
    """Where ``jupyter_llmds_config.json`` may be, highest priority first.

    One candidate per directory of ``jupyter_core.paths.jupyter_config_path()``
    (``JUPYTER_CONFIG_PATH``, ``JUPYTER_CONFIG_DIR`` or ``~/.jupyter``, the
    environment's ``etc/jupyter``, then the system directories). Empty when
    jupyter_core is not installed (a bare IPython without Jupyter).
    """
    from pathlib import Path

    try:
        from jupyter_core.paths import jupyter_config_path
    except ImportError:
        return []
    return [Path(directory) / CONFIG_FILE_NAME for directory in jupyter_config_path()]


def read_config_files(paths: list | None = None) -> dict:
    """The settings of every ``jupyter_llmds_config.json`` found, merged (an earlier file wins per key).

    Parameters
    ----------
    paths : list of path-like, optional
        Defaults to :func:`config_file_paths`. Missing files are skipped.

    Returns
    -------
    dict
        Keys among :data:`FILE_SETTINGS`, values checked.

    Raises
    ------
    ConfigurationError
        For a file that is not a JSON object, an unknown key (a typo would
        otherwise be silently ignored) or an unusable value, naming the file.
    """
    import json

    merged: dict = {}
    for path in config_file_paths() if paths is None else paths:
        try:
            with open(path, encoding="utf8") as stream:
                content = json.load(stream)
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as error:
            raise ConfigurationError(f"{path} is not a readable JSON file ({error}); fix or remove it.") from None
        if not isinstance(content, dict):
            raise ConfigurationError(f"{path} must hold a JSON object such as {{\"model\": \"llama3.1\"}}.")
        for key, value in content.items():
            if key == "api_key":
                raise ConfigurationError(
                    f"{path} holds an API key; keep the key out of files: set OPENAI_API_KEY in the environment instead."
                )
            if key not in FILE_SETTINGS:
                raise ConfigurationError(
                    f"{path} has an unknown setting {key!r}; the settings are: {', '.join(FILE_SETTINGS)}."
                )
            try:
                checked = checked_model_setting(key, value)
            except ValueError as error:
                raise ConfigurationError(f"{path}: {key!r} {error}.") from None
            merged.setdefault(key, checked)
    return merged


def model_settings(environ: Mapping[str, str] | None = None, file_values: Mapping[str, Any] | None = None) -> dict:
    """Language-model settings: environment, then the config file, then the defaults.

    Parameters
    ----------
    environ : Mapping, optional
        Defaults to ``os.environ``.
    file_values : Mapping, optional
        Already read file settings; :func:`read_config_files` when omitted.

    Returns
    -------
    dict
        Every key of :data:`FILE_SETTINGS` plus ``api_key``.
    """
    environ = os.environ if environ is None else environ
    file_values = read_config_files() if file_values is None else file_values
    values = {
        "api_key": None,
        "base_url": None,
        "model": None,
        "temperature": None,
        "max_tokens": None,
        "request_timeout": DEFAULT_REQUEST_TIMEOUT,
        "max_retries": DEFAULT_MAX_RETRIES,
        "allowed_base_urls": (),
        "allowed_models": (),
        "repair_attempts": DEFAULT_REPAIR_ATTEMPTS,
        "preview_rows": DEFAULT_PREVIEW_ROWS,
        "preview_timeout": DEFAULT_PREVIEW_TIMEOUT,
    }
    values.update(file_values)
    values.update(environment_model_settings(environ))
    return values


def default_engine_name(values: Mapping[str, Any]) -> str:
    """``"openai"`` when an endpoint, or a key and a model, are configured; else ``"builtin"``.

    Parameters
    ----------
    values : Mapping
        Language-model settings (:func:`model_settings` or an
        :class:`LlmdsSettings`' fields).
    """
    if values.get("base_url") or (values.get("api_key") and values.get("model")):
        return "openai"
    return "builtin"


class LlmdsConfig(Configurable):
    """jupyterlab-llmds settings for jupyter-server (``c.LlmdsConfig.<name>``).

    Each default comes from the environment variable of the same setting
    (see the module docstring), then, for the language-model settings, from
    ``jupyter_llmds_config.json``, then from the built-in default. The API
    key has no trait: it is read from ``OPENAI_API_KEY`` only.
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

    base_url = Unicode(
        None,
        allow_none=True,
        help="OpenAI-compatible endpoint of the openai engine, e.g. http://localhost:11434/v1 (None: OpenAI's API).",
    ).tag(config=True)

    model = Unicode(None, allow_none=True, help="Model the openai engine asks, e.g. gpt-4o-mini or llama3.1.").tag(
        config=True
    )

    temperature = Float(None, allow_none=True, help="Sampling temperature (0-2); None leaves the server's default.").tag(
        config=True
    )

    max_tokens = Int(None, allow_none=True, help="Longest answer in tokens; None leaves the server's default.").tag(
        config=True
    )

    request_timeout = Float(help="Seconds to wait for the endpoint (to connect, and between streamed chunks).").tag(
        config=True
    )

    max_retries = Int(help="Retries of a request answered 429 or 5xx, or not answered (Retry-After is honoured).").tag(
        config=True
    )

    allowed_base_urls = List(
        Unicode(),
        help="Endpoints the openai engine may talk to (compared without trailing slashes); empty allows any.",
    ).tag(config=True)

    allowed_models = List(Unicode(), help="Models the openai engine may ask for; empty allows any.").tag(config=True)

    repair_attempts = Int(
        help="Times a language model may repair code whose preview on a copy failed or warned (0: never)."
    ).tag(config=True)

    preview_rows = Int(help="Most rows of the copy a preview runs on; bigger frames are sampled.").tag(config=True)

    preview_timeout = Float(help="Seconds a previewed cell may run on the copy before the preview gives up.").tag(
        config=True
    )

    def model_defaults(self) -> dict:
        """Language-model settings from the environment and the config file, read once per instance."""
        cached = getattr(self, "_model_defaults", None)
        if cached is None:
            cached = model_settings(os.environ)
            self._model_defaults = cached
        return cached

    @default("base_url")
    def _base_url_default(self) -> str | None:
        return self.model_defaults()["base_url"]

    @default("model")
    def _model_default(self) -> str | None:
        return self.model_defaults()["model"]

    @default("temperature")
    def _temperature_default(self) -> float | None:
        return self.model_defaults()["temperature"]

    @default("max_tokens")
    def _max_tokens_default(self) -> int | None:
        return self.model_defaults()["max_tokens"]

    @default("request_timeout")
    def _request_timeout_default(self) -> float:
        return self.model_defaults()["request_timeout"]

    @default("max_retries")
    def _max_retries_default(self) -> int:
        return self.model_defaults()["max_retries"]

    @default("allowed_base_urls")
    def _allowed_base_urls_default(self) -> list:
        return list(self.model_defaults()["allowed_base_urls"])

    @default("allowed_models")
    def _allowed_models_default(self) -> list:
        return list(self.model_defaults()["allowed_models"])

    @default("repair_attempts")
    def _repair_attempts_default(self) -> int:
        return self.model_defaults()["repair_attempts"]

    @default("preview_rows")
    def _preview_rows_default(self) -> int:
        return self.model_defaults()["preview_rows"]

    @default("preview_timeout")
    def _preview_timeout_default(self) -> float:
        return self.model_defaults()["preview_timeout"]

    @validate(
        "base_url", "model", "temperature", "max_tokens", "request_timeout", "max_retries",
        "allowed_base_urls", "allowed_models", "repair_attempts", "preview_rows", "preview_timeout",
    )
    def _check_model_setting(self, proposal: dict) -> Any:
        name = proposal["trait"].name
        try:
            checked = checked_model_setting(name, proposal["value"])
        except ValueError as error:
            raise TraitError(f"LlmdsConfig.{name} {error}.") from None
        return list(checked) if isinstance(checked, tuple) else checked

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
            # the key has no trait: it stays in the environment, out of config files
            api_key=self.model_defaults()["api_key"],
            base_url=self.base_url,
            model=self.model,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            request_timeout=self.request_timeout,
            max_retries=self.max_retries,
            allowed_base_urls=tuple(normalized_base_url(url) for url in self.allowed_base_urls),
            allowed_models=tuple(self.allowed_models),
            repair_attempts=self.repair_attempts,
            preview_rows=self.preview_rows,
            preview_timeout=self.preview_timeout,
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
    api_key : str or None
        Key for the endpoint (``OPENAI_API_KEY``); left out of ``repr``.
    base_url : str or None
        OpenAI-compatible endpoint; ``None`` means OpenAI's API.
    model : str or None
        Model to ask; ``None`` until configured.
    temperature, max_tokens : float or None, int or None
        Sent only when set (some models refuse them).
    request_timeout : float
        Seconds to wait for the endpoint.
    max_retries : int
        Retries of 429/5xx/unanswered requests.
    allowed_base_urls, allowed_models : tuple of str
        The administrator's allow-lists; empty allows any.
    repair_attempts : int
        Repairs a language model may make after a preview failed or warned.
    preview_rows : int
        Most rows of the copy a preview runs on.
    preview_timeout : float
        Seconds a previewed cell may run.
    """

    privacy_mode: str = DEFAULT_PRIVACY_MODE
    lock_privacy_mode: bool = False
    excluded_columns: tuple = field(default_factory=tuple)
    default_card_budget: int = DEFAULT_CARD_BUDGET
    max_card_budget: int = DEFAULT_MAX_CARD_BUDGET
    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    model: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    allowed_base_urls: tuple = field(default_factory=tuple)
    allowed_models: tuple = field(default_factory=tuple)
    repair_attempts: int = DEFAULT_REPAIR_ATTEMPTS
    preview_rows: int = DEFAULT_PREVIEW_ROWS
    preview_timeout: float = DEFAULT_PREVIEW_TIMEOUT

    @property
    def effective_base_url(self) -> str:
        """The endpoint the openai engine talks to (OpenAI's API when none is configured)."""
        return self.base_url or DEFAULT_OPENAI_BASE_URL

    @property
    def default_engine(self) -> str:
        """The engine ``get_engine(None)`` picks with these settings (see :func:`default_engine_name`)."""
        return default_engine_name({"base_url": self.base_url, "api_key": self.api_key, "model": self.model})

    def base_url_allowed(self, url: str) -> bool:
        """Whether the administrator allows the endpoint ``url`` (always, with no allow-list)."""
        return not self.allowed_base_urls or normalized_base_url(url) in self.allowed_base_urls

    def model_allowed(self, model: str) -> bool:
        """Whether the administrator allows ``model`` (always, with no allow-list)."""
        return not self.allowed_models or model in self.allowed_models

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
    """Settings from the environment variables, ``jupyter_llmds_config.json`` and the defaults (magics, scripts).

    Parameters
    ----------
    environ : Mapping, optional
        Defaults to ``os.environ``.

    Raises
    ------
    ConfigurationError
        For an unusable ``LLMDS_PRIVACY``, ``LLMDS_CARD_BUDGET``, language-model
        variable or config file.
    """
    environ = os.environ if environ is None else environ
    return LlmdsSettings(
        privacy_mode=environment_privacy(environ),
        excluded_columns=tuple(environment_excluded(environ)),
        default_card_budget=environment_budget(environ),
        **model_settings(environ),
    )


def settings_from_config(config: Any = None) -> LlmdsSettings:
    """Settings from a traitlets config (e.g. ``server_app.config``), then the environment, then defaults."""
    return LlmdsConfig(config=config).settings() if config is not None else LlmdsConfig().settings()
