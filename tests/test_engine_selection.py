"""Which engine is the default, and where the language-model settings come from."""

from __future__ import annotations

import json

import pytest
from traitlets import TraitError
from traitlets.config import Config

from chat_server import isolated_settings_environment
from jupyterlab_llmds.config import (
    CONFIG_FILE_NAME,
    DEFAULT_MAX_RETRIES,
    DEFAULT_REQUEST_TIMEOUT,
    ConfigurationError,
    LlmdsConfig,
    LlmdsSettings,
    config_file_paths,
    read_config_files,
    settings_from_environment,
)
from jupyterlab_llmds.engines import available_engines, get_engine
from jupyterlab_llmds.engines.openai_engine import OpenAICompatibleEngine

SECRET = "sk-selection-SECRET-42"


@pytest.fixture(autouse=True)
def config_dir(monkeypatch, tmp_path):
    """No OPENAI_*/LLMDS_* variables, and an empty directory first on the Jupyter config path."""
    isolated_settings_environment(monkeypatch, tmp_path)
    return tmp_path


def write_config(directory, content) -> None:
    (directory / CONFIG_FILE_NAME).write_text(json.dumps(content) if not isinstance(content, str) else content)


def test_builtin_is_the_default_without_settings():
    assert get_engine().name == "builtin"
    assert get_engine(None).name == "builtin"
    assert settings_from_environment().default_engine == "builtin"
    assert available_engines() == ["builtin", "openai"]
    assert isinstance(get_engine("openai"), OpenAICompatibleEngine)


def test_a_base_url_switches_the_default(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    assert get_engine().name == "openai"


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"OPENAI_API_KEY": SECRET}, "builtin"),
        ({"LLMDS_MODEL": "gpt-4o-mini"}, "builtin"),
        ({"OPENAI_API_KEY": SECRET, "LLMDS_MODEL": "gpt-4o-mini"}, "openai"),
        ({"OPENAI_BASE_URL": "http://localhost:8000/v1", "LLMDS_MODEL": "m"}, "openai"),
        ({"OPENAI_API_KEY": "  ", "LLMDS_MODEL": "m"}, "builtin"),
    ],
)
def test_key_and_model_together_switch_the_default(monkeypatch, variables, expected):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert get_engine().name == expected
    assert settings_from_environment().default_engine == expected


def test_given_settings_decide_over_the_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    assert get_engine(None, LlmdsSettings()).name == "builtin"
    assert get_engine(None, LlmdsSettings(api_key=SECRET, model="m")).name == "openai"
    engine = get_engine("openai", LlmdsSettings(model="m"))
    assert engine.settings.model == "m"


def test_environment_values_are_read_and_checked(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1/")
    monkeypatch.setenv("LLMDS_MODEL", "llama3.1")
    monkeypatch.setenv("LLMDS_TEMPERATURE", "0.2")
    monkeypatch.setenv("LLMDS_MAX_TOKENS", "800")
    monkeypatch.setenv("LLMDS_REQUEST_TIMEOUT", "12.5")
    monkeypatch.setenv("LLMDS_MAX_RETRIES", "0")
    settings = settings_from_environment()
    assert (settings.api_key, settings.model, settings.temperature, settings.max_tokens) == (SECRET, "llama3.1", 0.2, 800)
    assert (settings.request_timeout, settings.max_retries) == (12.5, 0)
    assert settings.effective_base_url == "http://localhost:11434/v1/"
    assert SECRET not in repr(settings)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("LLMDS_TEMPERATURE", "hot", "LLMDS_TEMPERATURE='hot' is not usable: it must be a number."),
        ("LLMDS_TEMPERATURE", "3", "must be between 0 and 2"),
        ("LLMDS_MAX_TOKENS", "1.5", "must be a whole number"),
        ("LLMDS_REQUEST_TIMEOUT", "0", "must be a positive number of seconds"),
        ("LLMDS_MAX_RETRIES", "-1", "must be 0 or more"),
        ("OPENAI_BASE_URL", "localhost:11434", "must be an http:// or https:// URL"),
    ],
)
def test_unusable_environment_values_are_named(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=message.replace(".", r"\.").replace("(", r"\(")):
        settings_from_environment()


def test_defaults():
    settings = settings_from_environment()
    assert settings.base_url is None and settings.effective_base_url == "https://api.openai.com/v1"
    assert (settings.model, settings.temperature, settings.max_tokens) == (None, None, None)
    assert (settings.request_timeout, settings.max_retries) == (DEFAULT_REQUEST_TIMEOUT, DEFAULT_MAX_RETRIES)
    assert settings.allowed_base_urls == () and settings.allowed_models == ()


def test_the_config_file_is_found_on_the_jupyter_config_path(config_dir):
    assert config_file_paths()[0] == config_dir / CONFIG_FILE_NAME
    write_config(config_dir, {
        "base_url": "http://localhost:11434/v1", "model": "llama3.1", "temperature": 0.1, "max_tokens": 500,
        "request_timeout": 90, "max_retries": 3,
        "allowed_base_urls": ["http://LOCALHOST:11434/v1/"], "allowed_models": ["llama3.1"],
    })
    settings = settings_from_environment()
    assert (settings.base_url, settings.model, settings.temperature, settings.max_tokens) == (
        "http://localhost:11434/v1", "llama3.1", 0.1, 500)
    assert (settings.request_timeout, settings.max_retries) == (90.0, 3)
    assert settings.allowed_base_urls == ("http://localhost:11434/v1",)
    assert settings.base_url_allowed("http://localhost:11434/v1/") and not settings.base_url_allowed("http://x/v1")
    assert settings.model_allowed("llama3.1") and not settings.model_allowed("gpt-4o")
    # an endpoint in the file switches the default engine, in the magics and the server alike
    assert get_engine().name == "openai"
    assert LlmdsConfig().settings().model == "llama3.1"


def test_the_environment_wins_over_the_file(monkeypatch, config_dir):
    write_config(config_dir, {"model": "from-file", "temperature": 0.5})
    monkeypatch.setenv("LLMDS_MODEL", "from-environment")
    settings = settings_from_environment()
    assert (settings.model, settings.temperature) == ("from-environment", 0.5)


def test_an_earlier_directory_wins_key_by_key(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    write_config(first, {"model": "first"})
    write_config(second, {"model": "second", "max_retries": 5})
    merged = read_config_files([first / CONFIG_FILE_NAME, second / CONFIG_FILE_NAME, tmp_path / "absent.json"])
    assert merged == {"model": "first", "max_retries": 5}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"api_key": SECRET}, "keep the key out of files: set OPENAI_API_KEY"),
        ({"modle": "x"}, "unknown setting 'modle'; the settings are: base_url, model"),
        ({"temperature": "warm"}, "'temperature' must be a number"),
        ({"allowed_models": "a"}, None),
        ("[1, 2]", "must hold a JSON object"),
        ("{not json", "is not a readable JSON file"),
    ],
)
def test_config_file_mistakes_are_named(config_dir, content, message):
    write_config(config_dir, content)
    if message is None:  # a comma-separated string is accepted for a list, like the environment's
        assert settings_from_environment().allowed_models == ("a",)
        return
    with pytest.raises(ConfigurationError, match=message) as caught:
        settings_from_environment()
    assert str(config_dir) in str(caught.value)
    assert SECRET not in str(caught.value)


def test_administrators_traitlets(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    config = Config({"LlmdsConfig": {
        "base_url": "https://llm.internal.example/v1",
        "model": "approved",
        "allowed_base_urls": ["https://llm.internal.example/v1/"],
        "allowed_models": ["approved"],
        "request_timeout": 30.0,
        "max_retries": 1,
    }})
    settings = LlmdsConfig(config=config).settings()
    assert settings.allowed_base_urls == ("https://llm.internal.example/v1",)
    assert settings.allowed_models == ("approved",)
    assert (settings.base_url, settings.model, settings.api_key) == ("https://llm.internal.example/v1", "approved", SECRET)
    assert (settings.request_timeout, settings.max_retries) == (30.0, 1)
    assert settings.default_engine == "openai"
    with pytest.raises(TraitError, match="LlmdsConfig.temperature must be between 0 and 2"):
        LlmdsConfig(config=Config({"LlmdsConfig": {"temperature": 5.0}}))
    with pytest.raises(TraitError, match="must be an http"):
        LlmdsConfig(config=Config({"LlmdsConfig": {"allowed_base_urls": ["ftp://x"]}}))


def test_traitlet_defaults_come_from_the_environment_then_the_file(monkeypatch, config_dir):
    write_config(config_dir, {"model": "file-model", "allowed_models": ["file-model"]})
    monkeypatch.setenv("LLMDS_MAX_RETRIES", "4")
    settings = LlmdsConfig().settings()
    assert (settings.model, settings.max_retries, settings.allowed_models) == ("file-model", 4, ("file-model",))
