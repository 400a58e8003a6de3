"""The rule registry against the rule modules, and the exchange's functions kept short."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import truce.exchange.rules as rules_package
from truce.exchange.rules import MODULES, REGISTRY, registered
from truce.exchange.rules.base import Rule, RuleKind, register

EXCHANGE = Path(rules_package.__file__).resolve().parents[1]


def _rule_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(rules_package.__path__) if m.name != "base")


def test_every_rule_module_registers_one_rule_and_every_rule_has_a_module() -> None:
    names = _rule_modules()
    assert sorted(m.__name__.rsplit(".", 1)[1] for m in MODULES) == names
    by_module = {rule.module: rule for rule in REGISTRY.values()}
    assert sorted(by_module) == sorted(f"truce.exchange.rules.{n}" for n in names)
    for name in names:
        module = importlib.import_module(f"truce.exchange.rules.{name}")
        assert module.RULE is by_module[module.__name__]
    # Every kind but the plan's own shape is a rule of the agreement with a module.
    assert set(REGISTRY) == set(RuleKind) - {RuleKind.plan}


def test_registered_order_follows_the_kinds_and_each_rule_gives_something() -> None:
    kinds = [rule.kind for rule in registered()]
    assert kinds == [k for k in RuleKind if k in REGISTRY]
    for rule in registered():
        assert rule.build or rule.check or rule.watch, rule.kind


def test_a_kind_registered_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        register(Rule(RuleKind.key, "elsewhere"))


def _long_functions(source: str, limit: int = 60) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > limit:
                out.append(f"{node.name} ({length} lines)")
    return out


def test_no_function_in_the_exchange_is_over_60_lines() -> None:
    files = sorted(EXCHANGE.rglob("*.py"))
    assert len(files) > 10
    long = [f"{f.relative_to(EXCHANGE)}: {name}" for f in files for name in _long_functions(f.read_text())]
    assert long == []
    assert _long_functions("def f():\n" + "    x = 1\n" * 60) == ["f (61 lines)"]
