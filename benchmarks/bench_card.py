"""How long does inspecting a frame take, against pandas baselines in the same run?

Run: ``.venv/bin/python benchmarks/bench_card.py [--rows 1000000] [--repeat 3]``

Builds a mixed frame (ints, floats with NaN, low- and high-cardinality
strings, datetimes, bools, numbers stored as text) and times, best of
``--repeat``:

- ``list_frames`` (what the sidebar's frame list costs the kernel),
- ``describe`` (the data card),
- ``suggest(task="clean")`` (card + built-in engine),

against ``df.isna().sum()`` and ``df.describe(include="all")`` on the same
frame. The machine is noisy, so the ratios matter more than the seconds.
Prints a Markdown table (paste it into README.md).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from jupyterlab_llmds import describe, list_frames, suggest


def mixed_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """A 20-column frame with the dtypes and dirt real tables have."""
    generator = np.random.default_rng(seed)
    floats = generator.normal(100, 15, rows)
    floats[generator.random(rows) < 0.05] = np.nan
    cities = np.array(["New York", "new york ", "Boston", "Chicago", "N/A", "Denver", "Austin"])
    columns = {
        "id": np.arange(rows),
        "amount": floats,
        "quantity": generator.integers(0, 50, rows),
        "city": cities[generator.integers(0, len(cities), rows)],
        "customer": np.char.add("cust-", generator.integers(0, rows, rows).astype(str)),
        "created": pd.Timestamp("2024-01-01") + pd.to_timedelta(generator.integers(0, 10**6, rows), unit="s"),
        "active": generator.random(rows) < 0.5,
        "price_text": np.char.add("$", np.round(generator.uniform(1, 999, rows), 2).astype(str)),
    }
    for index in range(12):
        columns[f"metric_{index}"] = generator.normal(0, 1, rows)
    return pd.DataFrame(columns)


def best_time(function, repeat: int) -> float:
    """Best wall time of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Time inspection against the baselines and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()

    frame = mixed_frame(arguments.rows)
    namespace = {"df": frame}
    measurements = {
        "df.isna().sum() (baseline)": best_time(lambda: frame.isna().sum(), arguments.repeat),
        'df.describe(include="all") (baseline)': best_time(lambda: frame.describe(include="all"), arguments.repeat),
        "list_frames (sidebar list)": best_time(lambda: list_frames(namespace), arguments.repeat),
        "describe (data card)": best_time(lambda: describe(frame, name="df"), arguments.repeat),
        'suggest(task="clean")': best_time(lambda: suggest(frame, task="clean", name="df"), arguments.repeat),
    }
    baseline = measurements["df.isna().sum() (baseline)"]
    print(f"{arguments.rows:,} rows x {frame.shape[1]} columns, pandas {pd.__version__}, best of {arguments.repeat}\n")
    print("| operation | seconds | x isna().sum() |")
    print("| --- | ---: | ---: |")
    for name, seconds in measurements.items():
        print(f"| {name} | {seconds:.3f} | {seconds / baseline:.1f} |")


if __name__ == "__main__":
    main()
