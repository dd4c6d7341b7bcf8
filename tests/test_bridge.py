"""The bridge's key guarantee, with a real kernel: looking at the data changes nothing.

Listing frames and building a card must leave the user's variables, the
history (``In``, ``Out``, ``_``, ``__``, ``_i`` ...) and the execution count
exactly as they were, and the frame itself equal to a deep copy taken before.
"""

from __future__ import annotations

import ast
import asyncio

import pytest

from conftest import kernel_session
from jupyterlab_llmds.server.bridge import KernelBridge, entry_expression
from jupyterlab_llmds.server.errors import LlmdsError

SETUP_CELLS = [
    """
import pandas as pd
df = pd.DataFrame({
    "price": ["$1,234.50", "$12.00", "N/A", "$7.25", "$7.25"],
    "when": ["01/02/2024", "2024-02-03", "03/04/2024", "n/a", "03/04/2024"],
    "city": [" NY", "NY", "ny ", None, "NY"],
})
df.attrs["source"] = "test"
df_before = df.copy(deep=True)
numbers = [1, 2, 3]
""",
    "df.shape",
    "1 + 1",
]

#: Evaluated (silently) before and after the bridge's requests; every value is a repr.
STATE_EXPRESSIONS = {
    "names": "sorted(get_ipython().user_ns)",
    "execution_count": "get_ipython().execution_count",
    "In": "list(In)",
    "Out": "sorted((key, repr(value)) for key, value in Out.items())",
    "_": "repr(_)",
    "__": "repr(__)",
    "___": "repr(___)",
    "_i": "_i",
    "_ii": "_ii",
    "_iii": "_iii",
}

FRAME_UNCHANGED = (
    "df.equals(df_before)"
    " and list(df.columns) == list(df_before.columns)"
    " and df.dtypes.equals(df_before.dtypes)"
    " and df.index.equals(df_before.index)"
    " and df.attrs == df_before.attrs"
)


async def test_listing_and_cards_change_nothing_in_the_kernel(jp_fetch, jp_serverapp):
    bridge = KernelBridge(jp_serverapp.kernel_manager, jp_serverapp.kernel_spec_manager)
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        for cell in SETUP_CELLS:
            await kernel.run(cell)
        before = await kernel.evaluate(STATE_EXPRESSIONS)

        listing = await bridge.frames(kernel.kernel_id)
        card = await bridge.card(kernel.kernel_id, "df")
        with pytest.raises(LlmdsError) as missing:
            await bridge.card(kernel.kernel_id, "dff")
        with pytest.raises(LlmdsError) as not_a_frame:
            await bridge.card(kernel.kernel_id, "numbers")
        # A name crafted to break out of the expression stays a string literal.
        with pytest.raises(LlmdsError) as crafted:
            await bridge.card(kernel.kernel_id, "df'); injected = 1; ('")

        after = await kernel.evaluate(STATE_EXPRESSIONS)
        unchanged = await kernel.evaluate({"frame": FRAME_UNCHANGED})

    assert after == before
    assert "'injected'" not in after["names"]
    assert unchanged["frame"] == "True"
    # the history really had something to lose
    assert ast.literal_eval(before["execution_count"]) == 4
    assert before["_"] == "'2'"

    assert listing["status"] == "ok"
    assert [(entry["name"], entry["rows"], entry["columns"]) for entry in listing["frames"]] == [
        ("df", 5, 3),
        ("df_before", 5, 3),
    ]
    assert card["name"] == "df"
    assert card["shape"] == [5, 3]
    assert [column["name"] for column in card["columns"]] == ["price", "when", "city"]
    assert (missing.value.kind, missing.value.status) == ("frame_not_found", 404)
    assert (not_a_frame.value.kind, not_a_frame.value.status) == ("not_dataframe", 400)
    assert (crafted.value.kind, crafted.value.status) == ("frame_not_found", 404)


async def test_requests_right_after_each_other_are_not_refused_as_busy(jp_fetch, jp_serverapp):
    """The bridge waits until the server has seen its own request finish."""
    bridge = KernelBridge(jp_serverapp.kernel_manager, jp_serverapp.kernel_spec_manager)
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(SETUP_CELLS[0])
        for _ in range(5):
            assert (await bridge.frames(kernel.kernel_id))["status"] == "ok"
            assert (await bridge.card(kernel.kernel_id, "df"))["name"] == "df"


def test_entry_expression_quotes_its_argument():
    expression = entry_expression("card_json", "a'b\\c")
    assert expression == "__import__('jupyterlab_llmds.kernel.entry', fromlist=['entry']).card_json(\"a'b\\\\c\")"
    assert ast.parse(expression, mode="eval").body.args[0].value == "a'b\\c"


async def test_requests_sent_together_wait_their_turn(jp_fetch, jp_serverapp):
    """The sidebar asks for a card, and the user clicks Validate at once.

    Each route builds its own bridge, as the handlers do; neither request may
    be refused because the kernel is busy with the other one.
    """
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(
            "import pandas as pd, numpy as np\n"
            "rng = np.random.default_rng(0)\n"
            "big = pd.DataFrame({'price': rng.normal(size=200_000).astype(str),"
            " 'city': rng.choice([' Oslo', 'oslo', 'Bergen', 'N/A'], 200_000)})"
        )
        manager = jp_serverapp.kernel_manager.get_kernel(kernel.kernel_id)
        bridges = [KernelBridge(jp_serverapp.kernel_manager, jp_serverapp.kernel_spec_manager) for _ in range(3)]
        card = asyncio.ensure_future(bridges[0].card(kernel.kernel_id, "big"))
        # The second request comes while the server sees the kernel busy with the first.
        for _ in range(500):
            if manager.execution_state == "busy" or card.done():
                break
            await asyncio.sleep(0.01)
        assert manager.execution_state == "busy"
        listing, suggestion_card = await asyncio.gather(
            bridges[1].frames(kernel.kernel_id),
            bridges[2].card(kernel.kernel_id, "big", privacy="schema"),
        )
        first_card = await card
    assert first_card["name"] == suggestion_card["name"] == "big"
    assert [entry["name"] for entry in listing["frames"]] == ["big"]
