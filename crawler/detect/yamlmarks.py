"""Safe YAML loading that remembers where every key and value sits in the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Loc = tuple[Any, ...]


@dataclass
class Located:
    """Parsed YAML data plus (line, col) of each value and each mapping key, by path."""

    data: Any
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    duplicates: list[tuple[Loc, tuple[int, int]]] = field(default_factory=list)

    def where(self, loc: Loc, key: bool = False) -> tuple[int, int]:
        """Line and column of the value (or key) at loc, else of its nearest known ancestor."""
        loc = tuple(loc)
        while loc:
            table = self.keys if key else self.values
            if loc in table:
                return table[loc]
            if loc in self.values:
                return self.values[loc]
            loc = loc[:-1]
        return self.values.get((), (1, 1))


def load(text: str) -> Located:
    """Parse one YAML document with the safe loader; raises yaml.YAMLError with marks on bad syntax."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    located = Located(data)
    if node is not None:
        _walk(node, (), located)
    return located


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _walk(node: yaml.Node, loc: Loc, out: Located) -> None:
    out.values[loc] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            child = (*loc, key)
            if key in seen:
                out.duplicates.append((child, _mark(key_node)))
            seen.add(key)
            out.keys[child] = _mark(key_node)
            _walk(value_node, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*loc, index), out)
