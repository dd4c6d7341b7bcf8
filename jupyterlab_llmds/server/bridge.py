"""The kernel bridge: ask a running kernel for its frames or a frame's data card.

The bridge sends ONE silent ``execute_request`` (``code=""``, ``silent=True``,
``store_history=False``) whose ``user_expressions`` evaluates an entry point
of :mod:`jupyterlab_llmds.kernel.entry`. A silent request with empty code does
not touch the execution count, ``In``/``Out``, ``_``/``_i`` or the user's
variables, which is the whole point: looking at the data must not change it.

Plain Python, no tornado: the handlers map :class:`LlmdsError` to answers.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import logging
import time
import uuid
import weakref
from queue import Empty
from typing import Any

from .errors import LlmdsError

log = logging.getLogger(__name__)

#: One lock per kernel manager: the sidebar may ask for a card and, a moment
#: later, for a suggestion. Sent together, the second would find the kernel
#: busy with the first and be refused; queued, it simply waits its turn.
KERNEL_LOCKS: "weakref.WeakKeyDictionary[Any, asyncio.Lock]" = weakref.WeakKeyDictionary()

ENTRY_MODULE = "jupyterlab_llmds.kernel.entry"
EXPRESSION_KEY = "llmds"

#: Seconds to wait for the kernel to list its frames (cheap: shapes only).
FRAMES_TIMEOUT = 10.0
#: Seconds to wait for a data card (it profiles a sample of the frame).
CARD_TIMEOUT = 30.0
#: Seconds to wait, after the reply, for the server to record the kernel as idle again.
SETTLE_TIMEOUT = 1.0

NOT_INSTALLED_MESSAGE = (
    "jupyterlab-llmds is not installed in this kernel's environment. Install it "
    "there (for example run `%pip install jupyterlab-llmds` in a notebook cell), "
    "then restart the kernel."
)


def entry_expression(function_name: str, *arguments: str, **keywords: Any) -> str:
    """Python expression calling an entry point, for ``user_expressions``.

    Parameters
    ----------
    function_name : str
        ``"frames_json"`` or ``"card_json"``.
    *arguments : str
        String arguments; written with ``repr`` so any text (quotes,
        backslashes) becomes a literal and can never become code.
    **keywords
        Keyword arguments whose values are ``None``, ``str``, ``int`` or a
        list of ``str``, written with :func:`python_literal`; ``None``
        values are left out (the entry point's default applies).

    Returns
    -------
    str
        For example ``__import__('jupyterlab_llmds.kernel.entry',
        fromlist=['entry']).card_json('df', privacy='schema', budget=2000)``.

    Raises
    ------
    TypeError
        For a keyword value of another type, or a keyword that is not an
        identifier: nothing else is ever written into the expression.
    """
    written = [repr(str(argument)) for argument in arguments]
    for keyword, value in keywords.items():
        if not keyword.isidentifier():
            raise TypeError(f"not a keyword argument name: {keyword!r}")
        if value is not None:
            written.append(f"{keyword}={python_literal(value)}")
    return f"__import__({ENTRY_MODULE!r}, fromlist=['entry']).{function_name}({', '.join(written)})"


def python_literal(value: Any) -> str:
    """A Python literal of a checked value: ``str``, ``int`` (not ``bool``) or a list of ``str``.

    ``repr`` of exactly these types is a literal the kernel reads back as the
    same value, whatever characters a string holds; any other type (whose
    ``repr`` could be arbitrary text) is refused.
    """
    if isinstance(value, str):
        return repr(str(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return repr(int(value))
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return "[" + ", ".join(repr(str(item)) for item in value) + "]"
    raise TypeError(f"cannot pass {type(value).__name__} values to a kernel entry point")


class KernelBridge:
    """Evaluate jupyterlab-llmds entry points in kernels run by a jupyter-server.

    Parameters
    ----------
    kernel_manager : jupyter_server.services.kernels.kernelmanager.MappingKernelManager
        The server's kernel manager (``kernel_id in kernel_manager`` and
        ``get_kernel(kernel_id)``).
    kernel_spec_manager : jupyter_client.kernelspec.KernelSpecManager, optional
        Used to read a kernel's language; defaults to each kernel's own.
    """

    def __init__(self, kernel_manager: Any, kernel_spec_manager: Any = None):
        self.kernel_manager = kernel_manager
        self.kernel_spec_manager = kernel_spec_manager

    async def frames(self, kernel_id: str, timeout: float = FRAMES_TIMEOUT) -> dict:
        """List the DataFrames of a kernel, as the frames route answers them.

        Parameters
        ----------
        kernel_id : str
            Id of a kernel the server runs.
        timeout : float
            Seconds to wait for the kernel's answer.

        Returns
        -------
        dict
            ``{"status", "message", "frames"}``; ``status`` is ``"ok"``,
            ``"no_pandas"``, ``"not_python"`` or ``"not_installed"``.

        Raises
        ------
        LlmdsError
            ``kernel_not_found`` (404), ``kernel_busy`` / ``kernel_starting`` /
            ``kernel_dead`` (409), ``kernel_timeout`` (504),
            ``kernel_error`` (502).
        """
        try:
            report = await self.evaluate(
                kernel_id,
                entry_expression("frames_json"),
                timeout=timeout,
                retry="the list refreshes",
            )
        except LlmdsError as error:
            # Kernels we cannot read are a state of the sidebar, not a failure.
            if error.kind in ("not_python", "not_installed"):
                return {"status": error.kind, "message": error.message, "frames": []}
            raise
        if report.get("status") not in ("ok", "no_pandas"):
            raise LlmdsError(
                "kernel_error",
                502,
                "The kernel could not list its DataFrames: "
                f"{report.get('message') or 'no reason given'}",
            )
        return {
            "status": report["status"],
            "message": report.get("message", ""),
            "frames": list(report.get("frames", [])),
        }

    async def card(self, kernel_id: str, frame: str, timeout: float = CARD_TIMEOUT, **options: Any) -> dict:
        """Build the data card of a kernel's DataFrame.

        Parameters
        ----------
        kernel_id : str
            Id of a kernel the server runs.
        frame : str
            Variable name of the DataFrame in the kernel.
        timeout : float
            Seconds to wait for the kernel's answer.
        **options
            ``privacy``, ``exclude``, ``budget``, ``target``: see
            :meth:`card_report`.

        Returns
        -------
        dict
            The card (``DataCard.to_dict()``).

        Raises
        ------
        LlmdsError
            As :meth:`card_report`.
        """
        report = await self.card_report(kernel_id, frame, timeout, **options)
        return report["card"]

    async def card_report(
        self,
        kernel_id: str,
        frame: str,
        timeout: float = CARD_TIMEOUT,
        *,
        privacy: str | None = None,
        exclude: list | None = None,
        budget: int | None = None,
        target: str | None = None,
    ) -> dict:
        """Build the data card of a kernel's DataFrame and the prompt made from it.

        Parameters
        ----------
        kernel_id : str
            Id of a kernel the server runs.
        frame : str
            Variable name of the DataFrame in the kernel.
        timeout : float
            Seconds to wait for the kernel's answer.
        privacy : str, optional
            Privacy mode applied in the kernel; the kernel's ``LLMDS_PRIVACY``
            (or ``redacted``) when omitted.
        exclude : list of str, optional
            Columns whose values stay in the kernel.
        budget : int, optional
            Token budget of the prompt.
        target : str, optional
            The column the user wants to predict.

        Returns
        -------
        dict
            ``{"status": "ok", "card", "prompt", "tokens", "budget"}``.

        Raises
        ------
        LlmdsError
            Besides the kinds of :meth:`frames`: ``not_python`` (400),
            ``not_installed`` (409), ``frame_not_found`` (404),
            ``not_dataframe`` (400), ``bad_request`` (400), ``card_failed``
            (500), and ``kernel_error`` (502) when the kernel's card is not
            in the privacy mode asked for (an older jupyterlab-llmds there).
        """
        expression = entry_expression(
            "card_json", frame, privacy=privacy, exclude=exclude, budget=budget, target=target
        )
        report = await self.evaluate(kernel_id, expression, timeout=timeout, retry="ask again")
        if report.get("status") == "ok" and isinstance(report.get("card"), dict):
            applied = (report["card"].get("privacy") or {}).get("mode")
            if privacy is not None and applied != privacy:
                # never pass on a card that may hold more than was allowed
                raise LlmdsError(
                    "kernel_error",
                    502,
                    "The kernel's jupyterlab-llmds did not apply the privacy setting; install the same "
                    "jupyterlab-llmds version in the kernel's environment as in the server's, then restart the kernel.",
                )
            return report
        kind = report.get("error")
        message = report.get("message") or "no reason given"
        if kind == "not_found":
            raise LlmdsError("frame_not_found", 404, f"There is {message}.")
        if kind == "not_dataframe":
            raise LlmdsError("not_dataframe", 400, f"{message}; pick a DataFrame.")
        if kind == "bad_request":
            raise LlmdsError("bad_request", 400, f"The kernel refused the card options: {message}.")
        if kind == "card_failed":
            raise LlmdsError("card_failed", 500, f"{message}. Please report this as a jupyterlab-llmds bug.")
        raise LlmdsError("kernel_error", 502, f"The kernel answered something unexpected: {message}")

    async def evaluate(self, kernel_id: str, expression: str, *, timeout: float, retry: str) -> dict:
        """Evaluate an entry-point expression in a kernel and decode its JSON.

        Parameters
        ----------
        kernel_id : str
            Id of a kernel the server runs.
        expression : str
            A call of an entry point returning a JSON string (see
            :func:`entry_expression`).
        timeout : float
            Seconds for the whole exchange.
        retry : str
            What happens once a busy or starting kernel is idle, as the end
            of a sentence ("the list refreshes", "ask again").

        Returns
        -------
        dict
            The decoded JSON.

        Raises
        ------
        LlmdsError
            ``kernel_not_found``, ``not_python``, ``kernel_busy``,
            ``kernel_starting``, ``kernel_dead``, ``kernel_timeout``,
            ``not_installed``, ``kernel_error``.
        """
        manager = self.checked_kernel(kernel_id)
        deadline = time.monotonic() + timeout
        lock = kernel_lock(manager)
        try:
            await asyncio.wait_for(lock.acquire(), timeout)
        except asyncio.TimeoutError as error:
            raise LlmdsError(
                "kernel_busy",
                409,
                f"The kernel is still answering an earlier request of the co-pilot; {retry} when it finishes.",
            ) from error
        try:
            # Checked only now: our own earlier request may just have ended.
            await self.check_ready(manager, retry)
            remaining = max(deadline - time.monotonic(), 0.5)
            reply = await self.silent_user_expression(manager, expression, remaining)
        finally:
            lock.release()
        return decode_reply(reply)

    def checked_kernel(self, kernel_id: str) -> Any:
        """Return the kernel's manager after checking it exists and runs Python."""
        # `in` first: jupyter-server's get_kernel raises a tornado HTTPError
        # for unknown ids, which this tornado-free layer must not depend on.
        if not isinstance(kernel_id, str) or not kernel_id or kernel_id not in self.kernel_manager:
            raise LlmdsError(
                "kernel_not_found",
                404,
                f"No running kernel has the id {kernel_id!r}; it may have been shut down. "
                "Open a notebook or console with a running kernel.",
            )
        manager = self.kernel_manager.get_kernel(kernel_id)
        language = self.kernel_language(manager)
        # An unknown language (spec removed since the start) is given a try:
        # the entry point fails cleanly if the kernel is not Python after all.
        if language and language.lower() != "python":
            raise LlmdsError(
                "not_python",
                400,
                f"This kernel runs {language}; jupyterlab-llmds reads DataFrames "
                "in Python kernels only.",
            )
        return manager

    def kernel_language(self, manager: Any) -> str | None:
        """The language declared by a kernel's spec, or ``None`` when unknown."""
        try:
            if self.kernel_spec_manager is not None:
                spec = self.kernel_spec_manager.get_kernel_spec(manager.kernel_name)
            else:
                spec = manager.kernel_spec
        except Exception:  # the spec may have been removed while the kernel runs
            log.debug("No kernel spec for %r", getattr(manager, "kernel_name", None), exc_info=True)
            return None
        return getattr(spec, "language", None) or None

    async def check_ready(self, manager: Any, retry: str) -> None:
        """Refuse kernels that are busy, starting or dead, before sending anything.

        A request sent to a busy kernel would queue behind the user's cell
        and time out; answering at once lets the sidebar say why.
        """
        state = getattr(manager, "execution_state", None)
        if state == "busy":
            raise LlmdsError("kernel_busy", 409, f"The kernel is busy running a cell; {retry} when it finishes.")
        if state == "starting":
            raise LlmdsError("kernel_starting", 409, f"The kernel is still starting; {retry} when it is ready.")
        alive = manager.is_alive()
        if inspect.isawaitable(alive):
            alive = await alive
        if state == "dead" or not alive:
            raise LlmdsError(
                "kernel_dead",
                409,
                "The kernel has died; restart it (Kernel menu, Restart Kernel), then try again.",
            )

    async def silent_user_expression(self, manager: Any, expression: str, timeout: float) -> dict:
        """Send one silent execute_request carrying ``expression``; return its reply.

        Parameters
        ----------
        manager : jupyter_client.manager.AsyncKernelManager
            The kernel's manager; its ``client()`` is an async kernel client.
        expression : str
            Evaluated by the kernel in ``user_expressions``.
        timeout : float
            Seconds for the whole exchange.

        Returns
        -------
        dict
            The ``execute_reply`` message.

        Raises
        ------
        LlmdsError
            ``kernel_timeout`` (504) when the kernel does not answer in time.
        """
        deadline = time.monotonic() + timeout
        client = new_client(manager)
        client.start_channels()
        try:
            try:
                await client.wait_for_ready(timeout=timeout)
            except RuntimeError as error:  # jupyter_client's way of saying "timed out" or "died"
                raise timeout_error(timeout) from error
            message_id = client.execute(
                "",
                silent=True,
                store_history=False,
                user_expressions={EXPRESSION_KEY: expression},
                allow_stdin=False,
                # never abort the user's queued cells because of our request
                stop_on_error=False,
            )
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise timeout_error(timeout)
                try:
                    reply = await client.get_shell_msg(timeout=remaining)
                except Empty as error:
                    raise timeout_error(timeout) from error
                # stray kernel_info replies from wait_for_ready may come first
                if reply.get("parent_header", {}).get("msg_id") == message_id:
                    break
            await settle(manager, client, message_id)
            return reply
        finally:
            client.stop_channels()


async def settle(manager: Any, client: Any, message_id: str) -> None:
    """Wait until the server has seen the kernel go idle after our request.

    The server records a kernel's state from its own IOPub socket, a little
    after we get our reply. Without this wait, a request right after ours
    (the sidebar lists frames, then asks for a suggestion) would be refused
    as "busy" because of our own request. Bounded by :data:`SETTLE_TIMEOUT`:
    if a user's cell started in the meantime, the kernel IS busy.
    """
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        try:
            message = await client.get_iopub_msg(timeout=remaining)
        except Empty:
            return
        if (
            message.get("msg_type") == "status"
            and message.get("parent_header", {}).get("msg_id") == message_id
            and message.get("content", {}).get("execution_state") == "idle"
        ):
            break
    while getattr(manager, "execution_state", None) == "busy" and time.monotonic() < deadline:
        await asyncio.sleep(0.02)


def kernel_lock(manager: Any) -> asyncio.Lock:
    """The lock that queues the co-pilot's requests to one kernel.

    Parameters
    ----------
    manager : jupyter_client.manager.KernelManager
        The kernel's manager; the lock lives as long as it does.

    Returns
    -------
    asyncio.Lock
    """
    lock = KERNEL_LOCKS.get(manager)
    if lock is None:
        lock = KERNEL_LOCKS[manager] = asyncio.Lock()
    return lock


def new_client(manager: Any) -> Any:
    """A kernel client with a session of its own.

    ``manager.client()`` clones the manager's session, id included, and
    jupyter_client uses that id as the ZMQ identity of the shell socket and
    as the prefix of message ids. Two such clients at once (two requests, or
    one request and another tool in the server) would collide on the
    kernel's ROUTER socket and could even send identical message ids, so
    each client gets a fresh session id.

    Parameters
    ----------
    manager : jupyter_client.manager.KernelManager
        The kernel's manager.

    Returns
    -------
    jupyter_client.client.KernelClient
        Async for the async managers of jupyter-server; channels not started.
    """
    session = manager.session.clone()
    session.session = uuid.uuid4().hex
    session.message_count = 0
    return manager.client(session=session)


def timeout_error(timeout: float) -> LlmdsError:
    """The error for a kernel that did not answer within ``timeout`` seconds."""
    return LlmdsError(
        "kernel_timeout",
        504,
        f"The kernel did not answer within {timeout:g} seconds; it may be stuck. "
        "Wait for it or interrupt it, then try again.",
    )


def decode_reply(reply: dict) -> dict:
    """Decode the JSON an entry point returned through ``user_expressions``.

    Parameters
    ----------
    reply : dict
        An ``execute_reply`` message.

    Returns
    -------
    dict
        The decoded JSON object.

    Raises
    ------
    LlmdsError
        ``not_installed`` (409) when the kernel cannot import
        jupyterlab_llmds, ``kernel_error`` (502) for anything else unusable.
    """
    content = reply.get("content", {})
    result = content.get("user_expressions", {}).get(EXPRESSION_KEY)
    if content.get("status") != "ok" or not isinstance(result, dict):
        raise LlmdsError(
            "kernel_error", 502, "The kernel did not evaluate the jupyterlab-llmds request; try again."
        )
    if result.get("status") == "error":
        error_name = result.get("ename", "")
        error_value = str(result.get("evalue", ""))
        if error_name in ("ModuleNotFoundError", "ImportError") and "jupyterlab_llmds" in error_value:
            raise LlmdsError("not_installed", 409, NOT_INSTALLED_MESSAGE)
        # The kernel's traceback goes to the server log, never to the browser.
        log.warning("jupyterlab-llmds entry point failed in the kernel: %s: %s", error_name, error_value)
        raise LlmdsError(
            "kernel_error",
            502,
            f"The kernel could not run jupyterlab-llmds ({error_name}: {error_value}). "
            "Make sure the kernel has the same jupyterlab-llmds version as the server.",
        )
    try:
        text = ast.literal_eval(result["data"]["text/plain"])
        decoded = json.loads(text)
    except (KeyError, TypeError, ValueError, SyntaxError, MemoryError, RecursionError) as error:
        log.warning("Unreadable answer from a jupyterlab-llmds entry point: %r", error)
        raise LlmdsError(
            "kernel_error", 502, "The kernel's answer could not be read; try again or restart the kernel."
        ) from error
    if not isinstance(decoded, dict):
        raise LlmdsError("kernel_error", 502, "The kernel's answer could not be read; try again.")
    return decoded
