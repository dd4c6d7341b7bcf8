"""JupyterLab server configuration for the Galata UI tests.

Galata's ``configure_jupyter_server`` sets the port (8888), a temporary root
directory, no token and no browser; we add root (these machines run as root)
and make sure the jupyterlab_llmds server extension is loaded.
"""

from jupyterlab.galata import configure_jupyter_server

c = get_config()  # noqa: F821 - provided by the config loader

configure_jupyter_server(c)

c.ServerApp.allow_root = True
# update(), not assignment: keep the other enabled server extensions.
c.ServerApp.jpserver_extensions.update({"jupyterlab_llmds": True})
