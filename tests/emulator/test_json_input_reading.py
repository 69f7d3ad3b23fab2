"""emulator.json_input reads JSON with orjson where orjson gives the standard library's value,
and leaves the rest to the standard library: the value or the refusal never depends on which
reader ran."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator import json_input
from emulator.errors import ParameterInvalid

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)  # past 64 bits: orjson would give floats
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def _typed(value):
    """The value with each number's type kept, so 1 and 1.0 differ."""
    if isinstance(value, dict):
        return {key: _typed(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_typed(inner) for inner in value]
    return (type(value).__name__, value)


@given(_VALUES, st.booleans())
def test_a_value_reads_back_as_the_standard_library_reads_it(value, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert _typed(json_input.loads(text.encode("utf-8"))) == _typed(json.loads(text))


@pytest.mark.parametrize(
    "raw",
    [b"NaN", b"[1e400]", b'{"a": "\\ud800"}', b"Infinity", b"\xff", b"[1,]", b"  "],
)
def test_what_orjson_refuses_is_refused_as_before(raw):
    with pytest.raises(ParameterInvalid):
        json_input.loads(raw)


def test_a_64_bit_integer_and_beyond_stay_integers():
    assert json_input.loads(b"[9223372036854775807, 18446744073709551616]") == [
        2**63 - 1,
        2**64,
    ]
    assert type(json_input.loads(b"18446744073709551616")) is int
