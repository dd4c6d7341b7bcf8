"""The jupyter-server side of jupyterlab-llmds: REST routes and the kernel bridge.

- :mod:`.bridge` talks to a kernel (plain Python, no tornado).
- :mod:`.service` turns requests into answers (plain Python, no tornado).
- :mod:`.handlers` and :mod:`.app` are the thin tornado layer.
"""
