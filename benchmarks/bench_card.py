"""How long does the data card take, against pandas baselines and profiling tools, in the same run?

Run (see ``benchmarks/README.md``)::

    .venv/bin/python benchmarks/bench_card.py                        # 1M, 10M, 10k x 2,000
    .venv/bin/python benchmarks/bench_card.py --sizes 1m --repeat 5
    .venv-peers/bin/python benchmarks/bench_card.py --sizes 100k --peers

Frames are mixed like real tables (ints, floats with NaN, low- and
high-cardinality strings, datetimes, bools, numbers stored as text). For each
size it times, best of ``--repeat``:

- ``df.isna().sum()`` and ``df.describe(include="all")`` (the baselines; the
  latter is skipped above ``--describe-max-rows``, where it takes a minute),
- ``describe(df)`` (the data card), and, with ``--extras``, ``list_frames``
  and ``suggest(task="clean")``;

then runs the card once more under ``tracemalloc`` (numpy reports its
allocations to it) for the peak extra memory, next to the frame's own size
(shallow ``memory_usage`` plus Python string sizes estimated from 1,000
values per text column: ``memory_usage(deep=True)`` takes seconds on big
frames). With ``--peers`` it also times ``ydata_profiling.ProfileReport(df,
minimal=True).get_description()`` and ``skrub.TableReport(df)`` computing its
summary, when they are importable (they are not test dependencies: install
them in a separate environment, see the README).

The machine is noisy, so the ratios measured in one run matter more than the
seconds. Prints Markdown tables (paste them into README.md).
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from jupyterlab_llmds import describe, list_frames, suggest  # noqa: E402

#: Size name -> (rows, columns).
SIZES = {
    "100k": (100_000, 20),
    "1m": (1_000_000, 20),
    "10m": (10_000_000, 20),
    "wide": (10_000, 2_000),
}

#: Targets from the issue, checked and printed with the tables.
TARGET_ISNA_RATIO = 2.0
TARGET_DESCRIBE_RATIO = 1 / 8
TARGET_SECONDS = 3.0
TARGET_MEMORY_SHARE = 0.25
TARGET_PEER_SPEEDUP = 20.0

MIB = 2**20


def mixed_frame(rows: int, seed: int = 0, suffix: str = "") -> pd.DataFrame:
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
    frame = pd.DataFrame(columns)
    if suffix:
        frame.columns = [f"{name}{suffix}" for name in frame.columns]
    return frame


def build_frame(size: str) -> pd.DataFrame:
    """The frame of a size name: the mixed 20 columns, repeated with other seeds for wide frames."""
    rows, column_count = SIZES[size]
    if column_count == 20:
        return mixed_frame(rows)
    blocks = [mixed_frame(rows, seed=block, suffix=f"_{block}") for block in range(column_count // 20)]
    return pd.concat(blocks, axis=1)


def frame_bytes(frame: pd.DataFrame) -> int:
    """The frame's own memory: shallow usage plus estimated Python string sizes.

    ``memory_usage(deep=True)`` visits every string (seconds on ten million
    rows); the average size of 1,000 evenly spread values per text column,
    times the rows, is close enough for a ratio.
    """
    total = int(frame.memory_usage(index=True, deep=False).sum())
    rows = len(frame)
    if not rows:
        return total
    step = max(1, rows // 1000)
    for position, dtype in enumerate(frame.dtypes):
        if dtype == object or isinstance(dtype, pd.StringDtype) and dtype.storage == "python":
            values = frame.iloc[::step, position].tolist()
            total += int(np.mean([sys.getsizeof(value) for value in values]) * rows)
    return total


def best_time(function, repeat: int) -> float:
    """Best wall time of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_extra_bytes(function) -> int:
    """Peak memory allocated while ``function`` runs, above what was allocated before (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def peer_functions() -> dict:
    """name -> function(frame) for the profiling tools that can be imported here."""
    peers = {}
    try:
        from ydata_profiling import ProfileReport

        peers["ydata-profiling minimal"] = lambda frame: ProfileReport(
            frame, minimal=True, progress_bar=False
        ).get_description()
    except Exception as error:  # not installed or broken: reported, not fatal
        print(f"ydata-profiling not measured: {type(error).__name__}: {error}", file=sys.stderr)
    try:
        import skrub

        def skrub_summary(frame):
            report = skrub.TableReport(frame)
            # the report is lazy; its summary (statistics and plots of every
            # column) is what the HTML and JSON are built from
            return report._summary if "_summary" in vars(type(report)) else report.json()

        peers[f"skrub TableReport ({skrub.__version__})"] = skrub_summary
    except Exception as error:
        print(f"skrub not measured: {type(error).__name__}: {error}", file=sys.stderr)
    return peers


def mark(ok: bool) -> str:
    """A check mark or a cross for the targets column."""
    return "yes" if ok else "**no**"


def run_size(size: str, arguments) -> dict:
    """Measure one frame size; return the numbers for the tables."""
    started = time.perf_counter()
    frame = build_frame(size)
    rows, column_count = frame.shape
    print(f"{size}: built {rows:,} x {column_count:,} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    result = {"size": size, "rows": rows, "columns": column_count, "frame_bytes": frame_bytes(frame)}
    result["isna"] = best_time(lambda: frame.isna().sum(), arguments.repeat)
    if rows <= arguments.describe_max_rows:
        result["describe_all"] = best_time(lambda: frame.describe(include="all"), max(1, arguments.repeat // 2))
    else:
        result["describe_all"] = None
    card = describe(frame, name="df")  # also warms imports and caches once
    result["card"] = best_time(lambda: describe(frame, name="df"), arguments.repeat)
    result["sampled_parts"] = card.to_dict()["timing"]["sampled_parts"]
    result["issues"] = len(card.to_dict()["issues"])
    result["peak_bytes"] = peak_extra_bytes(lambda: describe(frame, name="df"))
    if arguments.extras:
        namespace = {"df": frame}
        result["list_frames"] = best_time(lambda: list_frames(namespace), arguments.repeat)
        result["suggest"] = best_time(lambda: suggest(frame, task="clean", name="df"), arguments.repeat)
    if arguments.peers:
        result["peers"] = {
            name: best_time(lambda function=function: function(frame), 1) for name, function in peer_functions().items()
        }
    del frame
    gc.collect()
    return result


def print_tables(results: list[dict], arguments) -> None:
    """Markdown tables of the measurements, with the targets."""
    print(
        f"pandas {pd.__version__}, numpy {np.__version__}, Python {platform.python_version()}, "
        f"best of {arguments.repeat}\n"
    )
    print("| frame | `isna().sum()` s | `describe(include=\"all\")` s | card s | card / isna | card / describe | "
          "peak extra MiB | frame MiB | peak / frame | issues |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for result in results:
        describe_all = result["describe_all"]
        describe_text = "" if describe_all is None else f"{describe_all:.3f}"
        describe_share = "" if describe_all is None else f"1/{describe_all / result['card']:.0f}"
        print(
            f"| {result['rows']:,} x {result['columns']:,} | {result['isna']:.3f} | "
            f"{describe_text} | {result['card']:.3f} | "
            f"{result['card'] / result['isna']:.1f} | {describe_share} | "
            f"{result['peak_bytes'] / MIB:.0f} | {result['frame_bytes'] / MIB:.0f} | "
            f"{result['peak_bytes'] / result['frame_bytes']:.2f} | {result['issues']} |"
        )
    print("\n| frame | target | measured | met |")
    print("| --- | --- | --- | --- |")
    for result in results:
        label = f"{result['rows']:,} x {result['columns']:,}"
        if result["size"] == "1m":
            ratio = result["card"] / result["isna"]
            print(f"| {label} | card <= {TARGET_ISNA_RATIO:g} x isna | {ratio:.1f} x | {mark(ratio <= TARGET_ISNA_RATIO)} |")
            if result["describe_all"]:
                share = result["card"] / result["describe_all"]
                print(f"| {label} | card <= 1/8 of describe(all) | 1/{1 / share:.0f} | {mark(share <= TARGET_DESCRIBE_RATIO)} |")
        if result["size"] in ("10m", "wide"):
            # the issue sets time and memory targets for the two big shapes
            print(f"| {label} | card < {TARGET_SECONDS:g} s | {result['card']:.2f} s | {mark(result['card'] < TARGET_SECONDS)} |")
            share = result["peak_bytes"] / result["frame_bytes"]
            print(f"| {label} | peak extra memory < 1/4 of the frame | {share:.2f} | {mark(share < TARGET_MEMORY_SHARE)} |")
        for name, seconds in result.get("peers", {}).items():
            speedup = seconds / result["card"]
            print(f"| {label} | card >= {TARGET_PEER_SPEEDUP:g} x faster than {name} | {seconds:.2f} s = {speedup:.0f} x "
                  f"| {mark(speedup >= TARGET_PEER_SPEEDUP)} |")
    if arguments.extras:
        print("\n| frame | `list_frames` s | `suggest(task=\"clean\")` s |")
        print("| --- | ---: | ---: |")
        for result in results:
            print(f"| {result['rows']:,} x {result['columns']:,} | {result['list_frames']:.4f} | {result['suggest']:.3f} |")
    print("\nSampled parts per frame: " + "; ".join(
        f"{result['rows']:,} x {result['columns']:,}: {', '.join(result['sampled_parts']) or 'none'}" for result in results
    ))


def main() -> None:
    """Parse the options, measure every size and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1m,10m,wide", help=f"comma-separated, from {', '.join(SIZES)}")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--describe-max-rows", type=int, default=2_000_000,
                        help="skip describe(include='all') above this many rows (it takes about a minute at 10M)")
    parser.add_argument("--peers", action="store_true", help="also time ydata-profiling and skrub if importable")
    parser.add_argument("--extras", action="store_true", help="also time list_frames and suggest")
    arguments = parser.parse_args()
    sizes = [size.strip() for size in arguments.sizes.split(",") if size.strip()]
    unknown = [size for size in sizes if size not in SIZES]
    if unknown:
        parser.error(f"unknown sizes {unknown}; choose from {', '.join(SIZES)}")
    results = [run_size(size, arguments) for size in sizes]
    print_tables(results, arguments)


if __name__ == "__main__":
    main()
