from __future__ import annotations

import pytest

from truce.errors import InputError
from truce.io.documents import parse_document


def test_positions_are_kept() -> None:
    doc = parse_document(b"a:\n  b: [1, 2]\n", "f.yaml")
    assert doc.data == {"a": {"b": [1, 2]}}
    assert doc.values[("a", "b", 1)] == (2, 10)
    assert doc.keys[("a", "b")] == (2, 3)


def test_duplicate_key_is_located() -> None:
    with pytest.raises(InputError) as err:
        parse_document(b"a: 1\nb: 2\na: 3\n", "f.yaml")
    assert err.value.problems[0].located() == "f.yaml:3:1: duplicate key 'a' (first given on line 1)"
