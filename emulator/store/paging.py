"""Pages of a long table, as the inspector shows them: a page number kept within range."""

from __future__ import annotations

PAGE_SIZE = 25


def pages(total: int, asked: int, size: int = PAGE_SIZE) -> dict[str, int]:
    """Page `asked` (kept within 1..last) of `total` rows, `size` a page."""
    last = max(1, -(-total // size))
    number = min(max(1, asked), last)
    offset = (number - 1) * size
    return {
        "number": number,
        "last": last,
        "size": size,
        "total": total,
        "offset": offset,
        "first_row": offset + 1 if total else 0,
        "last_row": min(total, offset + size),
    }
