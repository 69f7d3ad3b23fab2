"""A stable company_id for a company given only by name.

Seeds 001/004: "If company is a string, Segment sets the company_id as a hash of company_name".
Segment's classic integration used the ``string-hash`` function (destination-mappings.md §4): the
djb2 hash in its xor form, ``hash = (hash * 33) ^ code`` from 5381, over the UTF-16 code units of
the name from last to first, as an unsigned 32-bit integer. The same function here gives the same
id on every run and machine, and the ids of companies that Segment's integration created.
RudderStack's 1.4 destination used the lower-case hex MD5 of the UTF-8 name instead (RS-I8).
"""

from __future__ import annotations

import hashlib

_SEED = 5381
_INT32 = 2**32


def string_hash(name: str) -> int:
    """djb2-xor of ``name``'s UTF-16 code units, last to first, as an unsigned 32-bit integer."""
    encoded = name.encode("utf-16-le", "surrogatepass")
    units = [
        int.from_bytes(encoded[index : index + 2], "little") for index in range(0, len(encoded), 2)
    ]
    value = _SEED
    for unit in reversed(units):
        value = _to_int32(value * 33) ^ unit
    return value % _INT32


def company_id_for_name(name: str, rule: str = "string_hash") -> str:
    """The company_id of a company known only by its name: ``string_hash`` (decimal) or ``md5``."""
    if rule == "md5":
        return hashlib.md5(name.encode("utf-8", "surrogatepass")).hexdigest()
    return str(string_hash(name))


def _to_int32(number: int) -> int:
    number %= _INT32
    return number - _INT32 if number >= 2**31 else number
