from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from truce.errors import InputError, Problem
from truce.io.composed import composed
from truce.io.documents import MAX_NODES, parse_document


def test_positions_are_kept() -> None:
    doc = parse_document(b"a:\n  b: [1, 2]\n", "f.yaml")
    assert doc.data == {"a": {"b": [1, 2]}}
    assert doc.values[("a", "b", 1)] == (2, 10)
    assert doc.keys[("a", "b")] == (2, 3)


def test_duplicate_key_is_located() -> None:
    with pytest.raises(InputError) as err:
        parse_document(b"a: 1\nb: 2\na: 3\n", "f.yaml")
    assert err.value.problems[0].located() == "f.yaml:3:1: duplicate key 'a' (first given on line 1)"


# JSON as people and tools write it: any plain data, in the characters YAML allows (a text with others is read
# by the YAML reader alone, so both readers agree on it by construction).
_TEXT = st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs", "Cc")), max_size=12)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_JSON, st.booleans(), st.booleans())
def test_json_reads_as_written_and_as_the_yaml_reader_reads_it(data: object, ascii_only: bool, indented: bool) -> None:
    text = json.dumps({"x": data}, ensure_ascii=ascii_only, indent=2 if indented else None)
    fast = parse_document(text.encode(), "f.json", as_json=True)
    assert fast.data == {"x": data}
    if not {"\x85", "\u2028", "\u2029"} & set(text):  # line breaks to YAML, which folds them to spaces in strings
        assert composed(text, "f.json").data == fast.data


def test_a_character_yaml_takes_for_a_line_break_stays_in_a_json_string() -> None:
    for char in ("\x85", "\u2028", "\u2029"):
        text = json.dumps({"note": f"a{char}b"}, ensure_ascii=False)
        assert parse_document(text.encode(), "f.json", as_json=True).data == {"note": f"a{char}b"}
    assert composed('{"note": "a\x85b"}', "f.json").data == {"note": "a b"}  # what the YAML reader made of it


def test_a_problem_in_json_is_placed_as_the_yaml_reader_places_it() -> None:
    text = '{\n  "a": {\n    "b": [1,\n      "two"]\n  }\n}\n'
    fast = parse_document(text.encode(), "f.json", as_json=True)
    assert fast.unplaced is not None  # read by the plain reader: no positions until one is needed
    problem = Problem("not a number", ("a", "b", 1))
    assert fast.locate(problem).located() == "f.json:4:7: not a number"
    assert fast.locate(problem) == composed(text, "f.json").locate(problem)
    assert fast.locate(Problem("unknown field", ("a", "b")), prefer_key=True).located() == "f.json:3:5: unknown field"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1,\n "a": 2}', "f.json:2:2: duplicate key 'a' (first given on line 1)"),
        ('{"a": 1, "b": {"c": 2, "c": 3}, d: 4}', "f.json:1:33: invalid JSON: Expecting property name"),
        ('{"a": NaN, b: 1}', "f.json:1:12: invalid JSON: Expecting property name"),
        ('{"a": "\u0086"}', "f.json:1:8: invalid YAML: special characters are not allowed"),
        ('{"a": ' + "7" * 5000 + "}", "f.json:1:7: cannot read value '77777777777777777777...7777777777' (Exceeds"),
        ("[" * 100_000 + "]" * 100_000, "f.json:1:1: JSON nested too deeply"),
    ],
)
def test_json_the_plain_reader_would_pass_is_refused_and_located(text: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_document(text.encode(), "f.json", as_json=True)
    assert err.value.problems[0].located().startswith(message)


def test_json_past_the_value_budget_is_refused() -> None:
    text = "[" + ",".join(["0"] * (MAX_NODES + 1)) + "]"
    with pytest.raises(InputError) as err:
        parse_document(text.encode(), "f.json", as_json=True)
    assert f"more than {MAX_NODES:,} values" in err.value.problems[0].message


def test_an_escaped_pair_of_surrogates_is_the_character_it_encodes() -> None:
    # The YAML reader leaves the two halves, which no UTF-8 output can hold; JSON says they are one character.
    assert parse_document(b'{"face": "\\ud83d\\ude00"}', "f.json", as_json=True).data == {"face": "\U0001f600"}


def test_json_the_yaml_reader_cannot_read_is_read_and_its_problems_placed_at_the_start() -> None:
    text = '{"id": "x",\n "' + "k" * 1_500 + '": 1}'
    with pytest.raises(InputError):
        composed(text, "f.json")  # YAML allows no key of over 1,024 characters
    doc = parse_document(text.encode(), "f.json", as_json=True)
    assert doc.data["id"] == "x"
    assert doc.locate(Problem("unknown field", ("k" * 1_500,))).located() == "f.json:1:1: unknown field"


def test_a_problem_under_a_key_with_an_escaped_emoji_is_placed() -> None:
    text = '{"x": 1,\n "\\ud83d\\ude00": {"c": [1, 2]}}'
    doc = parse_document(text.encode(), "f.json", as_json=True)
    assert list(doc.data) == ["x", "\U0001f600"]
    assert doc.locate(Problem("bad", ("\U0001f600", "c", 1))).located() == "f.json:2:28: bad"


def test_a_problem_under_a_key_with_an_escaped_emoji_and_a_lone_half_is_placed() -> None:
    text = '{"x": 1,\n "\\ud83d\\ude00\\ud83d": {"c": [1, 2]}}'
    doc = parse_document(text.encode(), "f.json", as_json=True)
    assert doc.locate(Problem("bad", ("\U0001f600\ud83d", "c", 1))).located() == "f.json:2:34: bad"
