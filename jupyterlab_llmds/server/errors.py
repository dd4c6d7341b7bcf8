"""The one error type the server side raises, carrying what the REST answer needs.

Routes answer errors as JSON ``{"error": kind, "message": message}`` with
``status`` as the HTTP status (see ``docs/architecture.md``). Keeping this in
a module without tornado lets the bridge and the service raise it while the
handlers alone decide how to write it.
"""

from __future__ import annotations


class LlmdsError(Exception):
    """A failure the user can act on, with its REST error kind and HTTP status.

    Parameters
    ----------
    kind : str
        Machine-readable error kind, e.g. ``"kernel_busy"``; the frontend
        switches on it.
    status : int
        HTTP status of the answer, e.g. ``409``.
    message : str
        A sentence saying what happened and what to do, shown to the user.
    """

    def __init__(self, kind: str, status: int, message: str):
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.message = message

    def to_dict(self) -> dict:
        """The JSON body of the error answer."""
        return {"error": self.kind, "message": self.message}

    def __repr__(self) -> str:
        return f"LlmdsError({self.kind!r}, {self.status!r}, {self.message!r})"
