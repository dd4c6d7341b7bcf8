"""Write the markdown cell of the clean task: what the code will do, and why.

Every sentence names the actual columns, tokens, counts and formats from the
card, in the same order as the code.
"""

from __future__ import annotations

from ...kernel.detectors import DATETIME_NORMALIZATIONS
from .clean_plan import CleanPlan, ColumnPlan
from .code_text import markdown_name


def write_clean_markdown(plan: CleanPlan, instructions: str | None = None) -> str:
    """Return the markdown cell explaining the cleaning of the plan's frame.

    Parameters
    ----------
    plan : CleanPlan
        The plan built from the frame's data card.
    instructions : str, optional
        The user's free-text instructions; the built-in engine cannot follow
        them and says so rather than ignoring them silently.

    Returns
    -------
    str
        Markdown: a heading, the frame-level step, one bullet per column
        with work, and what the cell prints at the end.
    """
    card = plan.card
    rows, columns = card.get("shape", [0, 0])
    lines = [f"### Cleaning `{plan.name}`", ""]
    scope = f"{rows:,} rows × {columns:,} columns"
    if plan.sampled:
        sample = card["sample"]
        scope += f"; counts below come from a sample of {sample['rows']:,} of {sample['of']:,} rows"
    lines.append(
        f"The data card of `{plan.name}` ({scope}) shows what needs fixing. The code below works on a copy, "
        f"`{plan.target}`; `{plan.name}` itself is not changed."
    )
    if instructions:
        lines += ["", f"*The built-in engine cannot follow free-form instructions (\u201c{instructions.strip()}\u201d); "
                      "this plan comes from the data card only.*"]
    lines.append("")
    bullets = frame_bullets(plan) + [column_bullet(column_plan) for column_plan in plan.working()]
    if bullets:
        lines += [f"- {bullet}" for bullet in bullets]
    else:
        lines.append("- No issues found: the code only makes the copy and reports its shape.")
    untouched = [markdown_name(column_plan.column["name"]) for column_plan in plan.columns if not column_plan.has_work]
    if untouched and bullets:
        lines += ["", f"Left as they are: {', '.join(untouched[:12])}{' and more' if len(untouched) > 12 else ''}."]
    lines += [
        "",
        "At the end the cell prints the shape before and after, and for every column what changed and how many "
        "values did not parse and became missing. The validation cells after it check that "
        f"`{plan.target}` holds what this plan promises: run them after this one.",
    ]
    return "\n".join(lines)


def frame_bullets(plan: CleanPlan) -> list[str]:
    """Frame-level steps (rows of one key that disagree, duplicate rows)."""
    bullets = [key_resolution_bullet(*resolution) for resolution in plan.key_resolutions()]
    if plan.duplicates:
        positions = plan.duplicates["evidence"].get("example_positions", [])
        example = f" (e.g. rows at positions {', '.join(str(position) for position in positions[:4])})" if positions else ""
        count = plan.duplicates["count"]
        repeats = "1 row repeats" if count == 1 else f"{count} rows repeat"
        bullets.append(f"**Duplicate rows**: {repeats} an earlier row exactly{example}; they are dropped, keeping the first.")
    return bullets


def key_resolution_bullet(issue: dict, key, dependents: list, weak: list) -> str:
    """What setting values to their key's majority does, with the card's counts and an example."""
    evidence = issue.get("evidence") or {}
    entries = {entry.get("position"): entry for entry in evidence.get("dependents", [])}
    key_name = markdown_name(key.column["name"])
    parts = []
    for column_plan in dependents:
        entry = entries.get(column_plan.ref.position, {})
        counts = [f"{entry.get('rows', 0):,} differ"]
        if entry.get("fills"):
            counts.append(f"{entry['fills']:,} missing")
        parts.append(f"{markdown_name(column_plan.column['name'])} ({', '.join(counts)})")
    example = evidence.get("example") or {}
    example_text = ""
    if example.get("values"):
        shown = ", ".join(f"`{value!r}` ×{count}" for value, count in list(example["values"].items())[:4])
        example_text = f" For example {key_name} `{example.get('key_value')!r}` has {markdown_name(example.get('column'))} {shown}."
    sampled = " (counted on the card's sample)" if evidence.get("sampled") else ""
    text = (
        f"**Rows of one {key_name}**: rows that share a {key_name} describe one thing, yet disagree on "
        f"{'; '.join(parts)}{sampled}.{example_text} After the fixes below (so that spelling and format no longer "
        f"count), each of those values becomes the most frequent value among the rows of its {key_name}, where one "
        "value wins outright; ties are left alone. **Review this step**: it is right when the rows are reports "
        "of the same thing, wrong when the column may really change from row to row."
    )
    if weak:
        weak_entries = {entry.get("position"): entry for entry in evidence.get("weak_dependents", [])}
        names = ", ".join(
            f"{markdown_name(plan.column['name'])} (a clear majority in "
            f"{weak_entries.get(plan.ref.position, {}).get('majority', 0):.0%} of them)"
            for plan in weak
        )
        text += f" Left as they are, since they agree less: {names}; the code says how to include them."
    return text


def column_bullet(column_plan: ColumnPlan) -> str:
    """One bullet naming the column and everything done to it."""
    parts = []
    if column_plan.needs_strip:
        examples = column_plan.whitespace["evidence"].get("examples", [])[:3]
        example_text = f" (e.g. {quoted(examples)})" if examples else ""
        parts.append(f"strip surrounding spaces from {column_plan.whitespace['count']} values{example_text}")
    if column_plan.null_tokens:
        tokens = ", ".join(f"`{token!r}` ×{count}" for token, count in column_plan.null_tokens.items())
        parts.append(f"treat {tokens} as missing")
    if column_plan.case_map:
        pairs = ", ".join(f"`{variant!r}` → `{canonical!r}`" for variant, canonical in list(column_plan.case_map.items())[:6])
        parts.append(f"unify spellings that differ only in case ({pairs}), keeping the most frequent spelling")
    if column_plan.spelling_map:
        pairs = ", ".join(
            f"`{variant!r}` → `{canonical!r}`" for variant, canonical in list(column_plan.spelling_map.items())[:4]
        )
        more = len(column_plan.spelling_map) - 4
        pairs += f" and {more} more" if more > 0 else ""
        parts.append(
            f"correct likely misspellings ({pairs}): each is rare and one or two letters away from a value "
            "at least 8 times as frequent; **review this mapping** before running, since a rare value can be real"
        )
    if column_plan.conversion:
        parts.append(conversion_sentence(column_plan.conversion))
    if column_plan.drop:
        parts.append(drop_sentence(column_plan.drop))
    return f"{markdown_name(column_plan.column['name'])}: " + "; ".join(parts) + "."


def quoted(values) -> str:
    """Values as inline-code reprs: `' NY'`, `'ny '`."""
    return ", ".join(f"`{value!r}`" for value in values)


def unparsed_note(evidence: dict) -> str:
    """What did not parse and will become missing."""
    unparsed = evidence.get("unparsed") or {}
    if not unparsed:
        return ""
    shown = ", ".join(f"`{text!r}` ×{count}" for text, count in list(unparsed.items())[:5])
    more = " and others" if len(unparsed) > 5 else ""
    return f"; values that do not parse ({shown}{more}) become missing"


def conversion_sentence(issue: dict) -> str:
    """Explain a numeric, datetime or boolean conversion."""
    evidence = issue["evidence"]
    share = evidence.get("parsed_share")
    share_text = f" ({share:.0%} of the non-missing values parse)" if isinstance(share, (int, float)) else ""
    if issue["kind"] == "numeric_string":
        return numeric_sentence(issue, evidence) + share_text + unparsed_note(evidence)
    if issue["kind"] == "datetime_string":
        return datetime_sentence(issue, evidence) + share_text + unparsed_note(evidence)
    true_words = quoted(evidence.get("true", []))
    false_words = quoted(evidence.get("false", []))
    if not true_words or not false_words:
        # the privacy setting withheld the spellings
        return (
            f"{issue['count']} values are booleans written as text: map the usual yes/no, true/false, t/f, "
            f"y/n and 1/0 spellings (any case) to `True`/`False` (nullable `boolean` dtype){unparsed_note(evidence)}"
        )
    return (
        f"{issue['count']} values are booleans written as text: map {true_words} to `True` and {false_words} to "
        f"`False` (nullable `boolean` dtype){unparsed_note(evidence)}"
    )


def numeric_sentence(issue: dict, evidence: dict) -> str:
    """Explain which characters are stripped before ``pd.to_numeric``."""
    removed = [f"`{symbol}`" for symbol in evidence.get("currency") or []]
    if evidence.get("thousands"):
        removed.append(f"the thousands separator `{evidence['thousands']}`")
    if evidence.get("percent"):
        removed.append("`%`")
    if evidence.get("unit"):
        variants = evidence.get("unit_variants") or []
        also = f" (also written {quoted(variants[:4])}{' and more' if len(variants) > 4 else ''})" if variants else ""
        removed.append(f"the unit `{evidence['unit']}`{also}")
    examples = quoted((evidence.get("examples") or [])[:2])
    sentence = f"{issue['count']} values are numbers stored as text" + (f" (e.g. {examples})" if examples else "")
    sentence += f": remove {', '.join(removed)} and" if removed else ":"
    sentence += " convert with `pd.to_numeric(errors='coerce')`"
    if evidence.get("decimal") == ",":
        sentence += " after turning the decimal comma into a point"
    if evidence.get("percent"):
        sentence += "; percentages are divided by 100 so `45%` becomes `0.45`, a fraction that multiplies directly"
    if evidence.get("unit"):
        sentence += f"; the numbers are in {evidence['unit']} (the column keeps its name, so remember the unit)"
    return sentence


def datetime_sentence(issue: dict, evidence: dict) -> str:
    """Explain the normalisations, the formats and what the values become."""
    kind = evidence.get("value_kind", "datetime")
    formats = ", ".join(f"`{fmt}` ×{count}" for fmt, count in (evidence.get("formats") or {}).items())
    sentence = f"{issue['count']} values are {kind}s stored as text"
    steps = [DATETIME_NORMALIZATIONS[name][1] for name in evidence.get("normalize") or [] if name in DATETIME_NORMALIZATIONS]
    sentence += ("; first " + ", ".join(steps) + ", then parse" if steps else "; parse")
    sentence += f" with {formats} (`pd.to_datetime(..., format=..., errors='coerce')` per format, combined)"
    if kind == "time":
        sentence += (
            "; they are times of day with no reliable date, so they become Python `datetime.time` values "
            "(pandas has no time-of-day dtype; combine them with a date column to get full timestamps)"
        )
    else:
        sentence += f"; they become `datetime64` {kind}s"
    return sentence


def drop_sentence(issue: dict) -> str:
    """Explain why a column is dropped."""
    if issue["kind"] == "constant":
        if "value" not in issue["evidence"]:  # withheld by the privacy setting
            return "every row holds the same value, so the column carries no information: drop it"
        return f"every row holds `{issue['evidence'].get('value')!r}`, so the column carries no information: drop it"
    tokens = issue["evidence"].get("null_tokens")
    if tokens:
        return f"every value is a null token ({quoted(tokens)}), so the column is empty: drop it"
    return "the column is entirely missing: drop it"
