"""Saved segments: a name and a rule per shop; every use re-evaluates the rule, never a stored member list."""
from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any

import duckdb
import polars as pl

from core.segments.explorer import matching_members
from core.segments.rules import MAX_NAME, Rule, RuleError, StoreLike, as_rule, open_store

# --------------------------------------------------------------------------- saved segments

def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise RuleError({"name": "enter a name for the segment"})
    if len(name.strip()) > MAX_NAME:
        raise RuleError({"name": f"keep the name within {MAX_NAME} characters"})
    return name.strip()


def save_segment(store: StoreLike, shop_id: str, name: str, rule: Rule | Mapping[str, Any] | str, *,
                 now: dt.datetime) -> dict[str, Any]:
    """Save (or, for a name the shop already uses, update) a segment; returns it with `created`."""
    if not shop_id:
        raise RuleError({"shop_id": "choose the shop whose address book this segment groups"})
    name, rule = _check_name(name), as_rule(rule)
    with open_store(store).unit() as con:
        row = con.execute("SELECT segment_id FROM segments WHERE shop_id = ? AND name = ?", [shop_id, name]).fetchone()
        if row:
            segment_id, created = row[0], False
            con.execute("UPDATE segments SET rule = ?, updated_at = ? WHERE segment_id = ?",
                        [rule.to_json(), now, segment_id])
        else:
            segment_id, created = f"seg_{uuid.uuid4().hex[:16]}", True
            con.execute("INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?)",
                        [segment_id, shop_id, name, rule.to_json(), now, now])
    return {"segment_id": segment_id, "shop_id": shop_id, "name": name, "rule": rule.to_dict(), "created": created}


def list_segments(store: StoreLike, shop_id: str | None) -> list[dict[str, Any]]:
    """The shop's saved segments, most recently changed first."""
    shop, params = ("WHERE shop_id = ?", [shop_id]) if shop_id else ("", [])
    with open_store(store).unit() as con:
        rows = con.execute(f"""SELECT segment_id, shop_id, name, rule, created_at, updated_at FROM segments {shop}
                               ORDER BY updated_at DESC, name""", params).fetchall()
    return [{"segment_id": r[0], "shop_id": r[1], "name": r[2], "rule": json.loads(r[3]),
             "created_at": r[4], "updated_at": r[5]} for r in rows]


def get_segment(store: StoreLike, segment_id: str) -> dict[str, Any]:
    with open_store(store).unit() as con:
        return segment_row(con, segment_id)


def segment_row(con: duckdb.DuckDBPyConnection, segment_id: str) -> dict[str, Any]:
    row = con.execute("SELECT segment_id, shop_id, name, rule FROM segments WHERE segment_id = ?",
                      [segment_id]).fetchone()
    if row is None:
        raise RuleError({"segment_id": f"no saved segment {segment_id!r}"})
    return {"segment_id": row[0], "shop_id": row[1], "name": row[2], "rule": json.loads(row[3])}


def delete_segment(store: StoreLike, segment_id: str) -> None:
    with open_store(store).unit() as con:
        con.execute("DELETE FROM segments WHERE segment_id = ?", [segment_id])


def evaluate_segment(store: StoreLike, segment_id: str) -> pl.DataFrame:
    """The saved segment's members as of now: its rule re-evaluated against the current store."""
    with open_store(store).unit() as con:
        segment = segment_row(con, segment_id)
        return matching_members(con, as_rule(segment["rule"]), segment["shop_id"])
