"""``parse_answer``: a model's Markdown answer cut into notebook cells."""

from __future__ import annotations

import pytest

from jupyterlab_llmds.engines.answer import parse_answer
from jupyterlab_llmds.engines.base import Cell


def kinds_and_sources(text: str) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in parse_answer(text)]


def test_markdown_and_code_in_order():
    answer = (
        "First we copy the frame.\n\n"
        "```python\ndf_clean = df.copy()\n```\n\n"
        "Then we convert the prices.\n\n"
        "```py\ndf_clean['price'] = pd.to_numeric(df_clean['price'], errors='coerce')\n```\n"
        "That is all."
    )
    assert kinds_and_sources(answer) == [
        ("markdown", "First we copy the frame."),
        ("code", "df_clean = df.copy()"),
        ("markdown", "Then we convert the prices."),
        ("code", "df_clean['price'] = pd.to_numeric(df_clean['price'], errors='coerce')"),
        ("markdown", "That is all."),
    ]
    assert all(isinstance(cell, Cell) for cell in parse_answer(answer))


def test_prose_only_answer_is_one_markdown_cell():
    answer = "The model predicts churn.\n\n- tenure matters most\n- then the plan\n"
    assert kinds_and_sources(answer) == [("markdown", "The model predicts churn.\n\n- tenure matters most\n- then the plan")]


def test_empty_pieces_are_dropped():
    answer = "\n\n```python\n\n```\n\n```python\nx = 1\n```\n\n   \n```python\ny = 2\n```\n"
    assert kinds_and_sources(answer) == [("code", "x = 1"), ("code", "y = 2")]
    assert parse_answer("") == []
    assert parse_answer("   \n\n") == []


def test_unterminated_final_fence_still_gives_the_code():
    answer = "Here:\n\n```python\ndf_clean = df.copy()\ndf_clean['a'] = (\n"
    assert kinds_and_sources(answer) == [
        ("markdown", "Here:"),
        ("code", "df_clean = df.copy()\ndf_clean['a'] = ("),
    ]


def test_unterminated_bare_fence_cut_mid_statement_is_code():
    assert kinds_and_sources("Plan.\n```\nimport pandas as pd\ndf2 = df.pipe(") == [
        ("markdown", "Plan."),
        ("code", "import pandas as pd\ndf2 = df.pipe("),
    ]


def test_tilde_fences():
    answer = "Intro\n~~~python\nx = 1\n~~~\nOutro\n~~~~\nprint(x)\n~~~~"
    assert kinds_and_sources(answer) == [
        ("markdown", "Intro"),
        ("code", "x = 1"),
        ("markdown", "Outro"),
        ("code", "print(x)"),
    ]


def test_a_tilde_fence_is_not_closed_by_backticks_and_vice_versa():
    answer = "~~~python\ntext = '''\n```\n'''\n~~~\n"
    assert kinds_and_sources(answer) == [("code", "text = '''\n```\n'''")]


def test_longer_fence_holds_a_shorter_one():
    answer = "````python\ndoc = '''\n```python\nx = 1\n```\n'''\n````\nafter"
    assert kinds_and_sources(answer) == [
        ("code", "doc = '''\n```python\nx = 1\n```\n'''"),
        ("markdown", "after"),
    ]


def test_bare_fence_with_code_is_code_and_with_output_is_markdown():
    answer = (
        "Run:\n```\ndf_clean = df.dropna()\nprint(df_clean.shape)\n```\n"
        "You should see:\n```\n   price city\n0    1.0   NY\n```\n"
    )
    assert kinds_and_sources(answer) == [
        ("markdown", "Run:"),
        ("code", "df_clean = df.dropna()\nprint(df_clean.shape)"),
        ("markdown", "You should see:\n```\n   price city\n0    1.0   NY\n```"),
    ]


@pytest.mark.parametrize("language", ["bash", "json", "text", "sql"])
def test_other_languages_stay_in_the_markdown(language):
    answer = f"Install it:\n```{language}\nsomething here\n```\nThen:\n```python\nimport x\n```"
    assert kinds_and_sources(answer) == [
        ("markdown", f"Install it:\n```{language}\nsomething here\n```\nThen:"),
        ("code", "import x"),
    ]


@pytest.mark.parametrize("tag", ["Python", "python3", "ipython", "py title='clean.py'", "{python}"])
def test_python_tags(tag):
    assert kinds_and_sources(f"```{tag}\nx = 1\n```") == [("code", "x = 1")]


def test_indented_fence_inside_a_list_is_dedented():
    answer = "1. Copy the frame:\n   ```python\n   df_clean = df.copy()\n   if True:\n       pass\n   ```\n2. Done."
    assert kinds_and_sources(answer) == [
        ("markdown", "1. Copy the frame:"),
        ("code", "df_clean = df.copy()\nif True:\n    pass"),
        ("markdown", "2. Done."),
    ]


def test_windows_line_endings_and_inline_backticks():
    answer = "Use ``` `df.copy()` ``` inline.\r\n```python\r\nx = 1\r\n```\r\n"
    assert kinds_and_sources(answer) == [("markdown", "Use ``` `df.copy()` ``` inline."), ("code", "x = 1")]


def test_ipython_magics_in_a_bare_block_are_code():
    assert kinds_and_sources("```\n%timeit df.copy()\n```") == [("code", "%timeit df.copy()")]
