"""Print one closing line that adds up the pytest and the Playwright results.

Usage: ``python scripts/summarize_tests.py --pytest NAME JUNIT_XML
--playwright NAME JSON ...`` (any number of reports).
A missing report counts as one failure, so a suite that never ran cannot
pass unnoticed.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path


def pytest_counts(junit_path: Path) -> tuple[int, int, int]:
    """Return (passed, failed, skipped) from a pytest JUnit XML report."""
    if not junit_path.exists():
        return 0, 1, 0
    root = ElementTree.parse(junit_path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = failed = skipped = 0
    for suite in suites:
        total += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    return total - failed - skipped, failed, skipped


def playwright_counts(json_path: Path) -> tuple[int, int, int]:
    """Return (passed, failed, skipped) from a Playwright JSON report."""
    if not json_path.exists():
        return 0, 1, 0
    stats = json.loads(json_path.read_text()).get("stats", {})
    passed = int(stats.get("expected", 0))
    failed = int(stats.get("unexpected", 0)) + int(stats.get("flaky", 0))
    skipped = int(stats.get("skipped", 0))
    if passed + failed + skipped == 0:
        failed = 1  # an empty run is a failure, not a success
    return passed, failed, skipped


def main(argv: list[str]) -> int:
    """Print each suite's counts and the total; return 0.

    Arguments come in triples: ``--pytest NAME JUNIT_XML`` or
    ``--playwright NAME JSON``.
    """
    readers = {"--pytest": pytest_counts, "--playwright": playwright_counts}
    totals = [0, 0, 0]
    arguments = argv[1:]
    if len(arguments) % 3 or not arguments:
        raise SystemExit("usage: summarize_tests.py (--pytest|--playwright) NAME REPORT ...")
    for kind, name, report in zip(arguments[0::3], arguments[1::3], arguments[2::3]):
        passed, failed, skipped = readers[kind](Path(report))
        print(f"{name}: {passed} passed, {failed} failed, {skipped} skipped")
        totals = [total + count for total, count in zip(totals, (passed, failed, skipped))]
    print(f"summary: {totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
