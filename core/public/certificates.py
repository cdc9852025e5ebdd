"""The warranty certificate page at PUBLIC_BASE_URL/w/<code> (drawn by core.loyalty.certificate).

A code that does not have the shape of an issued code, or was never issued, gets
the "cannot be verified" page with 404. Everything under /w/ is answered here,
including paths that decode to several segments, so a mangled link still gets
the certificate's own explanation rather than a bare "not found".
"""
from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from core import clock
from core.loyalty import certificate, warranty
from core.store import Store

CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{10,64}")
_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


def _answer(status: int, page: str) -> Response:
    return Response(page, status, dict(_HEADERS), "text/html; charset=utf-8")


def _certificate(store: Store, code: str) -> Response:
    if not CODE_PATTERN.fullmatch(code):
        return _answer(404, certificate.render_unknown())
    row = warranty.find(store, code)
    if row is None:
        return _answer(404, certificate.render_unknown())
    return _answer(200, certificate.render(row, now=clock.now()))


async def certificate_page(request: Request) -> Response:
    store: Store = request.app.state.store
    return await run_in_threadpool(_certificate, store, request.path_params["code"])


ROUTES: list[BaseRoute] = [Route("/w/{code:path}", certificate_page, methods=["GET"])]

__all__ = ["CODE_PATTERN", "ROUTES", "certificate_page"]
