"""A blocking generator's items, handed to the asyncio event loop one by one.

The engines talk to the model with the blocking ``openai`` client and the
preview waits on the kernel: both run in a worker thread, and the streaming
handlers (chat, preview) write each item as soon as it is made.
"""

from __future__ import annotations

import asyncio
import threading
from typing import AsyncIterator, Callable, Iterator

#: Marks the end of the worker's items in the queue.
_END = object()


class WorkerFailed(Exception):
    """An unexpected exception in the worker thread (the original is its ``__cause__``)."""


async def events_in_thread(
    make_events: Callable[[], Iterator[dict]], cancel: threading.Event, thread_name: str
) -> AsyncIterator[dict]:
    """Iterate a blocking generator in a daemon thread; yield its items on the event loop as they come.

    Parameters
    ----------
    make_events : callable
        Returns the generator; called in the worker thread.
    cancel : threading.Event
        Set when this async generator is closed early (the client went
        away): the worker stops at its next item and the generator, which
        watches the event, closes what it has in flight.
    thread_name : str
        Name of the worker thread (shows in thread dumps).

    Raises
    ------
    WorkerFailed
        When the worker hit an unexpected exception (the caller logs it).
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    def hand_over(item: object) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop is gone (server shutting down)
            cancel.set()

    def work() -> None:
        try:
            events = make_events()
            for event in events:
                if cancel.is_set():
                    break
                hand_over(event)
            events.close()
        except BaseException as error:  # noqa: BLE001 - handed to the event loop, logged there
            hand_over(error)
        finally:
            hand_over(_END)

    threading.Thread(target=work, name=thread_name, daemon=True).start()
    try:
        while True:
            item = await queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise WorkerFailed("the worker failed unexpectedly") from item
            yield item
    finally:
        # harmless once the worker has ended; stops it (and a model request in flight) when the caller left early
        cancel.set()
