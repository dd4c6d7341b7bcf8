"""The built wheel is what users install: it must carry the prebuilt frontend
and enable both halves of the extension without Node.js."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def built_wheel(tmp_path_factory) -> Path:
    """Build the wheel from the checkout exactly as `pip wheel .` does."""
    if not (REPOSITORY / "jupyterlab_llmds" / "labextension" / "package.json").exists():
        raise AssertionError("build the frontend first (scripts/setup.sh does)")
    output = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "--wheel-dir", str(output), str(REPOSITORY)],
        check=True,
        cwd=REPOSITORY,
    )
    (wheel,) = output.glob("jupyterlab_llmds-*.whl")
    return wheel


def test_wheel_carries_prebuilt_frontend_and_server_config(built_wheel):
    names = zipfile.ZipFile(built_wheel).namelist()
    data = "jupyterlab_llmds-{}.data/data/".format(built_wheel.name.split("-")[1])
    labextension = data + "share/jupyter/labextensions/jupyterlab-llmds/"
    assert labextension + "package.json" in names
    assert labextension + "install.json" in names
    assert any(re.fullmatch(re.escape(labextension) + r"static/remoteEntry\.[0-9a-f]+\.js", n) for n in names)
    assert data + "etc/jupyter/jupyter_server_config.d/jupyterlab_llmds.json" in names
    assert "jupyterlab_llmds/kernel/frames.py" in names


def unpack_wheel(wheel: Path, prefix: Path) -> Path:
    """Lay a wheel out under ``prefix`` the way pip would, without touching this venv.

    (``pip install --prefix`` would first uninstall the checkout's editable
    install from the running environment.) Returns the site-packages folder.
    """
    site_packages = prefix / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.endswith("/"):
                continue
            data_marker = ".data/data/"
            if data_marker in member:
                target = prefix / member.split(data_marker, 1)[1]
            else:
                target = site_packages / member
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))
    return site_packages


def test_installed_wheel_lists_both_extensions_enabled_and_ok(built_wheel, tmp_path):
    prefix = tmp_path / "prefix"
    site_packages = unpack_wheel(built_wheel, prefix)
    environment = dict(
        os.environ,
        PYTHONPATH=str(site_packages),
        JUPYTER_PATH=str(prefix / "share" / "jupyter"),
        JUPYTER_CONFIG_DIR=str(prefix / "etc" / "jupyter"),
    )
    # Run from tmp_path: `python -m`/`-c` put the current folder first on
    # sys.path, which would import the checkout instead of the wheel.
    jupyter = [sys.executable, "-m", "jupyter"]
    labextensions = subprocess.run(
        [*jupyter, "labextension", "list"], env=environment, cwd=tmp_path, capture_output=True, text=True, check=True
    )
    listing = ANSI_ESCAPE.sub("", labextensions.stdout + labextensions.stderr)
    section = listing.split(str(prefix / "share" / "jupyter" / "labextensions"))[1]
    assert re.search(r"jupyterlab-llmds v\S+ enabled\s+OK", section), listing

    server_extensions = subprocess.run(
        [*jupyter, "server", "extension", "list"], env=environment, cwd=tmp_path, capture_output=True, text=True, check=True
    )
    listing = ANSI_ESCAPE.sub("", server_extensions.stdout + server_extensions.stderr)
    assert re.search(r"jupyterlab_llmds enabled", listing), listing
    assert re.search(r"jupyterlab_llmds \S+ OK", listing), listing
    # The package imported by that check is the wheel's, not the checkout's.
    imported = subprocess.run(
        [sys.executable, "-c", "import jupyterlab_llmds; print(jupyterlab_llmds.__file__)"],
        env=environment, cwd=tmp_path, capture_output=True, text=True, check=True,
    )
    assert imported.stdout.strip().startswith(str(prefix))
