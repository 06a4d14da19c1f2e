"""``rules/schema.json``: the JSON Schema of rule files, generated from the pydantic models.

Editors that understand ``# yaml-language-server: $schema=schema.json`` then autocomplete keys
and flag mistakes as the author types. ``hazards rules schema`` rewrites the file; a test fails
when the committed file is stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crawler.detect.models import Rule


def rule_schema() -> dict[str, Any]:
    """The JSON Schema of one rule file."""
    schema = Rule.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "hazards rule"
    return schema


def schema_text() -> str:
    """The schema as the file should contain it (stable key order, UTF-8, trailing newline)."""
    return json.dumps(rule_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_schema(path: Path) -> bool:
    """Rewrite the schema file; True when it changed."""
    text = schema_text()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True
