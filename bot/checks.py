"""Problems found in the files a dealer edits, reported as `file:line: field: message`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


def node_lines(node: yaml.Node, path: tuple = ()) -> dict[tuple, int]:
    """Line (1-based) of every key path in a composed YAML document."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            lines[child] = key.start_mark.line + 1
            for sub, line in node_lines(value, child).items():
                lines.setdefault(sub, line)
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            lines.update(node_lines(value, (*path, index)))
    return lines


def closest_line(lines: dict[tuple, int], where: tuple) -> int:
    while where and where not in lines:
        where = where[:-1]
    return lines.get(where, 1)
