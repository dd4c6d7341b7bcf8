"""The demo notebook that ``scripts/demo.sh`` opens works as its text says.

It is executed top to bottom in a real ipykernel (nbclient): every cell runs
without error on the tables that install from PyPI; the ``%%llm`` cells
publish the cells the sidebar inserts; and those generated cells, run after the
notebook as a user would after reviewing them, clean ``orders`` so that its
own validation cell passes, while ``orders`` itself stays as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from jupyterlab_llmds.magics import CELLS_MIMETYPE

DEMO = Path(__file__).resolve().parents[1] / "examples" / "messy_data_demo.ipynb"


def execute(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Run every cell in a fresh python3 kernel; a cell that errors raises."""
    NotebookClient(notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(DEMO.parent)}}).execute()
    return notebook


def published_cells(cell: nbformat.NotebookNode) -> dict:
    """The payload of the cells bundle a ``%%llm`` cell published."""
    bundles = [output["data"][CELLS_MIMETYPE] for output in cell.outputs if CELLS_MIMETYPE in output.get("data", {})]
    assert len(bundles) == 1, f"{cell.source!r} published {len(bundles)} cell bundles"
    return bundles[0]


def cell_with_source(notebook: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    (cell,) = [cell for cell in notebook.cells if cell.source.strip() == source]
    return cell


@pytest.fixture(scope="module")
def demo_run() -> nbformat.NotebookNode:
    return execute(nbformat.read(DEMO, as_version=4))


def test_every_demo_cell_runs_on_the_pypi_tables(demo_run):
    code_cells = [cell for cell in demo_run.cells if cell.cell_type == "code"]
    assert code_cells and all(cell.execution_count for cell in code_cells)
    errors = [output for cell in code_cells for output in cell.outputs if output.output_type == "error"]
    assert errors == []
    # The real table from PyPI, not a stand-in.
    (penguins,) = [cell for cell in code_cells if "load_penguins_raw()" in cell.source]
    assert "Culmen Length (mm)" in penguins.outputs[-1]["data"]["text/html"]


def test_magic_cells_publish_reviewable_cells_for_the_named_frame(demo_run):
    clean = published_cells(cell_with_source(demo_run, "%%llm clean orders"))
    assert (clean["task"], clean["frame"], clean["engine"]) == ("clean", "orders", "builtin")
    kinds = [cell["cell_type"] for cell in clean["cells"]]
    assert kinds == ["markdown", "code", "markdown", "code"]
    code = clean["cells"][1]["source"]
    # Written for this frame: its columns and the tokens found in them.
    for fragment in ("orders_clean = orders.copy()", "['price']", "['weight']", "['ordered']", "oz", "'%'", "'N/A'", "'%m/%d/%Y'"):
        assert fragment in code, fragment

    validate = published_cells(cell_with_source(demo_run, "%%llm validate orders"))
    assert validate["task"] == "validate"
    assert "AssertionError" in validate["cells"][-1]["source"]

    preview = cell_with_source(demo_run, "%%llm clean orders --preview")
    report = "\n".join(output["data"].get("text/markdown", "") for output in preview.outputs if "data" in output)
    assert "orders" in report and "price" in report
    assert "duplicate" in report.lower() or "dropped" in report.lower()


def test_generated_cells_clean_orders_and_their_checks_pass(demo_run):
    clean = published_cells(cell_with_source(demo_run, "%%llm clean orders"))
    validate = published_cells(cell_with_source(demo_run, "%%llm validate orders"))
    notebook = nbformat.read(DEMO, as_version=4)
    # What the user does next: run the inserted cleaning and its validation.
    notebook.cells += [nbformat.v4.new_code_cell(cell["source"]) for cell in clean["cells"] if cell["cell_type"] == "code"]
    notebook.cells.append(
        nbformat.v4.new_code_cell(
            "import json\n"
            "print(json.dumps({'clean_rows': len(orders_clean), 'rows': len(orders),\n"
            "    'price': str(orders_clean['price'].dtype), 'ordered': str(orders_clean['ordered'].dtype),\n"
            "    'cities': sorted(orders_clean['city'].dropna().unique().tolist()),\n"
            "    'columns': list(orders_clean.columns), 'orders_price': str(orders['price'].dtype)}))"
        )
    )
    # The validate task's checks, run on the frame as it was: they must fail.
    failing = nbformat.v4.new_code_cell(
        "try:\n" + "\n".join("    " + line for line in validate["cells"][-1]["source"].splitlines())
        + "\nexcept AssertionError as error:\n    print('FAILED:', error)\nelse:\n    print('PASSED')"
    )
    notebook.cells.append(failing)
    execute(notebook)

    summary = json.loads(notebook.cells[-2].outputs[-1]["text"])
    assert summary["rows"] == 8 and summary["clean_rows"] == 7  # the repeated order is dropped
    assert summary["price"].startswith("float")
    assert summary["ordered"].startswith("datetime64")
    assert summary["cities"] == ["Boston", "Chicago", "New York"]
    assert "coupon" not in summary["columns"] and "channel" not in summary["columns"]
    assert summary["orders_price"] in {"object", "str"}  # orders itself untouched
    checks = "".join(output.get("text", "") for output in notebook.cells[-1].outputs)
    assert checks.startswith("FAILED:") or "\nFAILED:" in checks, checks
