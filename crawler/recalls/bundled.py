"""Real recall data shipped with the package (provenance: shared/realdata/SOURCES.md of the project).

``SAFETYKOREA_FILE``: all 4,092 records of a KATS SafetyKorea Open API dump (domestic recalls);
``EU_SAFETY_GATE_FILE``: 52 EU Safety Gate alerts in all product categories.
"""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).with_name("data")
SAFETYKOREA_FILE = DATA / "safetykorea_recalls.jsonl"
EU_SAFETY_GATE_FILE = DATA / "safety_gate_alerts.jsonl"

#: (file, format) pairs that `hazards demo` imports.
BUNDLED = ((SAFETYKOREA_FILE, "safetykorea"), (EU_SAFETY_GATE_FILE, "eu-safety-gate"))
