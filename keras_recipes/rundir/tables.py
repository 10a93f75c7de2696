"""Tables of runs for the terminal (aligned text) and for reports (Markdown)."""

from __future__ import annotations

import shutil
import textwrap


def terminal_width() -> int:
    """Columns of the terminal (``COLUMNS`` wins; 80 when not a terminal)."""
    return shutil.get_terminal_size((80, 24)).columns


def fits(text: str, width: int) -> bool:
    return all(len(line) <= width for line in text.splitlines())


def text_table(headers, rows, width: int | None = None, details=None) -> str:
    """Columns padded to their widest cell, a dashed rule under the header.

    With ``width`` (e.g. ``terminal_width()``) a table wider than that
    wraps its cells inside narrower columns, at spaces where it can, and
    separates rows that span several lines with a blank line. ``details``
    (one string per row) are printed under their rows, indented and wrapped.

    >>> print(text_table(["name", "result"], [["a", "91.25% test"]], width=12))
    name  result
    ----  ------
    a     91.25%
          test
    """
    headers = [str(h) for h in headers]
    rows = [[str(c) for c in row] for row in rows]
    widths = [max(len(x) for x in col) for col in zip(headers, *rows)]
    if width is not None:
        widths = _fit(widths, [headers, *rows], width)
    head = _wrapped(headers, widths)
    body = [_wrapped(row, widths) for row in rows]
    lines = head + ["  ".join("-" * w for w in widths)]
    spaced = any(len(b) > 1 for b in body)
    for i, block in enumerate(body):
        lines += ([""] if spaced and i else []) + block
        if details and details[i]:
            lines += textwrap.wrap(details[i], (width or 80) - 4, initial_indent="    ",
                                   subsequent_indent="    ", break_on_hyphens=False)
    return "\n".join(line.rstrip() for line in lines)


def _fit(widths, table, width):
    """Narrower column widths whose table fits ``width``: first the columns
    that can wrap at spaces (longest slack first), then, if it still does not
    fit, the widest ones, breaking words (never below 4 characters)."""
    widths = list(widths)
    longest_word = [max((len(w) for row in table for w in row[i].split()), default=1)
                    for i in range(len(widths))]
    while sum(widths) + 2 * (len(widths) - 1) > width:
        slack = [w - lw for w, lw in zip(widths, longest_word)]
        if max(slack) > 0:
            i = slack.index(max(slack))
        else:
            i = widths.index(max(widths))
            if widths[i] <= 4:
                break
        widths[i] -= 1
    return widths


def _wrapped(cells, widths):
    """One row as lines: each cell wrapped to its column's width."""
    columns = [textwrap.wrap(c, w, break_on_hyphens=False) or [""] for c, w in zip(cells, widths)]
    height = max(len(c) for c in columns)
    return ["  ".join((col[k] if k < len(col) else "").ljust(w) for col, w in zip(columns, widths))
            for k in range(height)]


def markdown_table(headers, rows) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells are escaped)."""

    def cell(value) -> str:
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |",
             "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
