"""Recall notices: the only SQL that writes the `recalls` table."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from crawler import normalize
from crawler.items import RecallNotice
from crawler.store._util import dumps, loads, now

_JSON_COLUMNS = ("models", "gtins", "kc_certs", "hazard_types", "raw")
_TIMES = ("imported_at", "updated_at")


def _row(notice: RecallNotice) -> dict[str, Any]:
    row = notice.model_dump(mode="json")
    for column in _JSON_COLUMNS:
        row[column] = dumps(row[column])
    return row


def recall_from_row(row: dict[str, Any]) -> RecallNotice:
    """Rebuild a RecallNotice from a `recalls` row."""
    fields = {name: row.get(name) for name in RecallNotice.model_fields}
    for column in _JSON_COLUMNS:
        fields[column] = loads(row.get(column), {} if column == "raw" else [])
    return RecallNotice(**fields)


class RecallsMixin:
    """Upserts recall notices by ``recall_id`` (``source:native id``) and reads them back."""

    def upsert_recalls(self, notices: Iterable[RecallNotice]) -> dict[str, int]:
        """Insert new recalls and update changed ones in one transaction; re-imports never duplicate.

        Returns counts of ``new``, ``updated`` and ``unchanged`` notices. ``imported_at`` keeps the
        first import time; ``updated_at`` moves only when the content changed.
        """
        rows = {n.recall_id: _row(n) for n in notices}
        counts = {"new": 0, "updated": 0, "unchanged": 0}
        if not rows:
            return counts
        stamp = now()
        with self.db.atomic():
            existing = self._existing_recalls(list(rows))
            writes = []
            for recall_id, row in rows.items():
                old = existing.get(recall_id)
                if old is None:
                    row["imported_at"] = row["updated_at"] = stamp
                    counts["new"] += 1
                elif all(old.get(k) == v for k, v in row.items()):
                    counts["unchanged"] += 1
                    continue
                else:
                    row["imported_at"], row["updated_at"] = old["imported_at"], stamp
                    counts["updated"] += 1
                writes.append(row)
            if writes:
                self.db["recalls"].upsert_all(writes, pk="recall_id")
        return counts

    def _existing_recalls(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.query(f"SELECT * FROM recalls WHERE recall_id IN ({marks})", chunk):
                found[row["recall_id"]] = row
        return found

    def iter_recalls(self, source: str | None = None) -> Iterator[RecallNotice]:
        """Every stored recall (of one source if given), ordered by id."""
        sql, params = "SELECT * FROM recalls", []
        if source:
            sql, params = sql + " WHERE source = ?", [source]
        for row in self.db.query(sql + " ORDER BY recall_id", params):
            yield recall_from_row(row)

    def get_recall(self, recall_id: str) -> RecallNotice | None:
        """One recall by its ``source:native id``, or None."""
        rows = list(self.db.query("SELECT * FROM recalls WHERE recall_id = ?", [recall_id]))
        return recall_from_row(rows[0]) if rows else None

    def list_recalls(self, source: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Newest recalls first as summary rows (no raw record), for reviewers."""
        sql = ("SELECT recall_id, source, published, title, brand, maker, model, hazard_types FROM recalls"
               + (" WHERE source = ?" if source else "")
               + " ORDER BY published DESC, recall_id LIMIT ?")
        return list(self.db.query(sql, ([source] if source else []) + [limit]))

    def search_recalls(self, text: str, limit: int = 50) -> list[dict[str, Any]]:
        """Recalls whose title, brand, maker, models, GTINs or KC numbers contain ``text``.

        Matching is case- and width-insensitive on the text; identifiers are also compared in
        their normalised forms, so ``yut 001`` finds model ``YUT-001``.
        """
        folded = normalize.text(text)
        if not folded:
            return []
        like = f"%{folded}%"
        model = normalize.model_key(text) or folded
        code = normalize.gtin(text) or (normalize.kc_cert(text) or "")
        sql = """
            SELECT recall_id, source, published, title, brand, maker, model, hazard_types FROM recalls
            WHERE lower(title) LIKE ? OR lower(coalesce(brand, '')) LIKE ?
               OR lower(coalesce(maker, '')) LIKE ?
               OR replace(replace(replace(upper(coalesce(models, '')), '-', ''), ' ', ''), '.', '') LIKE ?
               OR (? != '' AND (gtins LIKE ? OR kc_certs LIKE ?))
            ORDER BY published DESC, recall_id LIMIT ?
        """
        params = [like, like, like, f"%{model}%", code, f"%{code}%", f"%{code}%", limit]
        return list(self.db.query(sql, params))
