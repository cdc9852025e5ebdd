"""Reading what a page rendered under Streamlit's AppTest."""
from __future__ import annotations

from collections.abc import Iterator

from streamlit.testing.v1 import AppTest


def rendered_text(at: AppTest) -> str:
    """Everything the page sent to the browser, widget values included."""
    return "\n".join(str(node.proto) for node in _walk(at._tree) if getattr(node, "proto", None) is not None)


def _walk(node) -> Iterator:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def button(at: AppTest, label: str):
    """The page's one button labelled `label` (failing with the labels there are)."""
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r} in {[b.label for b in at.button]}"
    return matches[0]
