"""A language model's Markdown answer cut into notebook cells.

Fenced Python blocks become code cells; the text around them becomes
markdown cells, in the order of the answer. What counts as Python:

* blocks tagged ``python``, ``py``, ``python3``, ``ipython`` or ``ipython3``
  (the first word of the info string, any case);
* untagged blocks whose content reads as Python (it parses, or a line looks
  like a statement: an import, an assignment, a call, a ``def``...): models
  often forget the tag, while an untagged block of program output or a
  table does not parse.

Blocks in other languages (``bash``, ``json``, ``text``...) stay inside the
markdown cell around them, fences included, so they render as they were
written.

Fences are runs of three or more backticks or tildes, closed by a run of the
same character at least as long (so a block can show a shorter fence inside
it). Unlike strict CommonMark, an opening fence may be indented any amount
(models indent code inside list items); the block's lines lose that
indentation. An answer cut in the middle of a block (a stream stopped early)
still gives the block as a cell: the unterminated fence runs to the end.
"""

from __future__ import annotations

import ast
import re

from .base import Cell

#: Info-string words that mark a block as Python.
PYTHON_TAGS = {"python", "py", "python3", "py3", "ipython", "ipython3"}

OPENING_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")

#: Lines that look like Python statements (for untagged blocks that do not parse, e.g. cut short).
STATEMENT = re.compile(
    r"^\s*(import\s+\w|from\s+[\w.]+\s+import\s|def\s+\w|class\s+\w|for\s+.+:|if\s+.+:|with\s+.+:|"
    r"print\(|return\b|[A-Za-z_][\w.\[\]'\"]*\s*(=|\+=|-=)[^=]|[A-Za-z_][\w.]*\(.*\)\s*$|%\w+)"
)


def looks_like_python(source: str) -> bool:
    """Whether an untagged block's content is Python code rather than output or prose."""
    if not source.strip():
        return False
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        # cut short by a stream, or holding IPython magics: judge line by line
        return any(STATEMENT.match(line) for line in source.splitlines())
    # a lone expression of a few words ("see the output above") parses too; demand some code shape
    return any(STATEMENT.match(line) for line in source.splitlines()) or any(
        character in source for character in "=()[]"
    )


def is_closing_fence(line: str, fence: str) -> bool:
    """Whether ``line`` closes a block opened with ``fence`` (same character, at least as long, nothing after)."""
    stripped = line.strip()
    if not stripped or stripped[0] != fence[0]:
        return False
    run = len(stripped) - len(stripped.lstrip(fence[0]))
    return run >= len(fence) and not stripped[run:].strip()


def dedented(lines: list[str], indent: str) -> list[str]:
    """``lines`` without the opening fence's indentation (lines indented less lose what they have)."""
    result = []
    for line in lines:
        if line.startswith(indent):
            result.append(line[len(indent):])
        else:
            result.append(line.lstrip(" \t"))
    return result


def parse_answer(text: str) -> list[Cell]:
    """Cut a Markdown answer into markdown and code cells, in order.

    Parameters
    ----------
    text : str
        The model's answer (complete, or cut short by a stopped stream).

    Returns
    -------
    list of Cell
        Code cells for Python blocks, markdown cells for the text between
        them (other fenced blocks included); blank pieces are dropped,
        trailing whitespace trimmed.
    """
    cells: list[Cell] = []
    markdown: list[str] = []

    def flush_markdown() -> None:
        source = "\n".join(markdown).strip("\n").rstrip()
        if source.strip():
            cells.append(Cell("markdown", source))
        markdown.clear()

    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        opening = OPENING_FENCE.match(line)
        if opening is None or (opening.group("fence")[0] == "`" and "`" in opening.group("info")):
            # an info string with a backtick is inline code, not a fence (CommonMark)
            markdown.append(line)
            index += 1
            continue
        fence, indent = opening.group("fence"), opening.group("indent")
        info = opening.group("info").strip()
        language = info.split()[0].strip("{}.").lower() if info else ""
        body: list[str] = []
        index += 1
        closed = False
        while index < len(lines):
            if is_closing_fence(lines[index], fence):
                closed = True
                index += 1
                break
            body.append(lines[index])
            index += 1
        source = "\n".join(dedented(body, indent)).strip("\n").rstrip()
        is_code = language in PYTHON_TAGS or (not language and looks_like_python(source))
        if is_code:
            flush_markdown()
            if source.strip():
                cells.append(Cell("code", source))
        else:
            markdown.append(line)
            markdown.extend(body)
            if closed:
                markdown.append(indent + fence)
    flush_markdown()
    return cells
