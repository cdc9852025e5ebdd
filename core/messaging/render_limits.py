"""Render limits: the Jinja sandbox member templates render in, where no render can run long or grow large.

A saved template runs for every member it is due for, with that member's data; one member's data can
take a branch the save-time samples never reached. Rendering happens inside the dispatch loop's lane
threads, so a render that never ends or allocates gigabytes would hold up every message behind it.
Each render of a part (subject, preheader, HTML, text) therefore gets a `Budget`:

- a deadline (`RenderLimits.seconds`), checked on every loop iteration, every call (macros, methods,
  `loop()` recursion), every filter, every intercepted operator and every join of output;
- a size (`RenderLimits.chars`) that no value the template builds and no output may pass: string and list
  repetition (`*`), concatenation (`+`, `~`), powers (`**`), printf-style widths (`%`, `format`), padding
  methods and filters (`center`, `ljust`, `indent`, ...), `replace` and `join` are checked *before* they
  allocate, from the sizes of their operands; every call's and filter's result, every buffer a macro or a
  `{% set %}` block joins (`concat`) and the output stream are checked after;
- a nesting depth (`RenderLimits.depth`) of calls, so a macro that calls itself ends with a clear error
  long before Python's own recursion limit (a `RecursionError` is still caught by the caller);
- integer arguments of filters that make that many things (`batch`, `slice`, widths) bounded by the size
  limit, and no `lipsum` (it makes n paragraphs in one call no check can interrupt).

Why in the process and not in a worker process killed on a timeout (measured with bench/bench_render.py,
CPU time, on the shared 2-core machine at load ~12): the checks cost ~35 µs of CPU a message (the cart
starter's four parts: ~185 µs without them, ~220 µs with; ~10 µs of it is the HTML part's Jinja), where a
reused worker costs ~90-190 µs more of CPU a message across both processes (pickling the template and merge
data, a pipe round trip, the HTML back) and 0.3-0.6 s to start, once per lane per run. Beyond cost: the
tracking links are a closure over the signing key that cannot cross a pipe; a killed worker cannot say which
line was running, which the operator needs; and a worker alone would still allocate the gigabyte unless it
also ran under a memory rlimit. The checks above are what lets a pure-Python interpreter stop CPU-bound
template code without a signal (signals reach only the main thread; dispatch renders in lane threads).
What they cannot see is a single C-level operation on values below the size limit whose output is not
bounded by its inputs; the operations the sandbox exposes that can do so are the ones listed above, and
Jinja's own `range` is capped at 100,000 items. Anything that still raises (MemoryError, RecursionError, a
filter's own error) is caught by the caller and ends that one message `dead`.

Pure functions and a context variable; no store, no network, no wall-clock reads (the deadline is a
monotonic-clock budget, not a rule).
"""
from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jinja2 import Environment, nodes
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import pass_context
from jinja2.visitor import NodeTransformer


@dataclasses.dataclass(frozen=True)
class RenderLimits:
    """What one render of one part may take: wall seconds, characters (of any value and of the output),
    and nesting depth of calls."""

    seconds: float = 1.0
    chars: int = 1_000_000
    depth: int = 40


# The HTML of an e-mail is the big part (Gmail clips a message past 102 KB, so 1 M characters is far
# beyond any real template); a subject or preheader is one line. A real part renders in well under a
# millisecond, so even on a loaded machine these are hundreds of times what it needs; together a
# message's parts can take at most 2 s.
PART_LIMITS: dict[str, RenderLimits] = {
    "subject": RenderLimits(seconds=0.25, chars=10_000),
    "preheader": RenderLimits(seconds=0.25, chars=10_000),
    "html": RenderLimits(seconds=1.0, chars=1_000_000),
    "text": RenderLimits(seconds=0.5, chars=500_000),
}
DEFAULT_LIMITS = RenderLimits()
MAX_INT_BITS = 64 * 1024  # an integer a template builds (10**19728 is about this many bits)
# All the values one render builds (outputs, operator, call and filter results), counted together, may
# reach this many times its size limit: a loop filling a `{% set %}` block or a macro called many times
# is stopped as it grows, not only once it is joined. Nested macros count their output once per level.
BUILT_FACTOR = 20


class RenderLimitExceeded(Exception):  # noqa: N818 (it is what happened, not a fault)
    """A render passed its budget: `what` is time, size or depth; `limit` the bound it passed."""

    def __init__(self, what: str, limit: float | int) -> None:
        self.what = what
        self.limit = limit
        super().__init__(f"the render passed its {what} limit ({limit})")


class Budget:
    """One render's deadline, size and depth; the sandbox's hooks read it from `_CURRENT`."""

    __slots__ = ("limits", "deadline", "depth", "built")

    def __init__(self, limits: RenderLimits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds
        self.depth = 0
        self.built = 0

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise RenderLimitExceeded("time", self.limits.seconds)

    def fits(self, size: int) -> None:
        """Refuse a value (or an estimate of one) larger than the size limit."""
        if size > self.limits.chars:
            raise RenderLimitExceeded("size", self.limits.chars)


_CURRENT: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("render_budget", default=None)


def current() -> Budget:
    """The running render's budget; outside a limited render (a template rendered some other way) an
    unlimited-time budget that still bounds sizes."""
    budget = _CURRENT.get()
    return budget if budget is not None else Budget(dataclasses.replace(DEFAULT_LIMITS, seconds=float("inf")))


@contextlib.contextmanager
def budget(limits: RenderLimits) -> Iterator[Budget]:
    """Run a render under `limits`; the hooks of `LimitedSandbox` find it (per thread)."""
    b = Budget(limits)
    token = _CURRENT.set(b)
    try:
        yield b
    finally:
        _CURRENT.reset(token)


# ---------------------------------------------------------------- sizes and estimates

_SIZED = (str, bytes, list, tuple, dict, set, frozenset)


def _size(value: Any) -> int:
    return len(value) if isinstance(value, _SIZED) else 0


def _checked(value: Any) -> Any:
    """A value the template built: within the size limit, and counted towards all it builds."""
    if isinstance(value, _SIZED):  # called for every output and result: kept to a few attribute reads
        b = _CURRENT.get() or current()
        size = len(value)
        b.built += size
        if size > b.limits.chars or b.built > b.limits.chars * BUILT_FACTOR:
            raise RenderLimitExceeded("size", b.limits.chars)
    elif type(value) is int and value.bit_length() > MAX_INT_BITS:
        raise RenderLimitExceeded("size", current().limits.chars)
    return value


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# A printf or str.format width or precision of seven digits or more, or one taken from the arguments.
_BIG_WIDTH = re.compile(r"%[-+ #0]*(?:\d{7,}|\*)|%[-+ #0]*\d*\.(?:\d{7,}|\*)|\{[^{}]*:[^{}]*(?:\d{7,}|\{)")


def _check_format(fmt: Any) -> None:
    if isinstance(fmt, str) and _BIG_WIDTH.search(fmt):
        raise RenderLimitExceeded("size", current().limits.chars)


def _estimate_binop(operator: str, left: Any, right: Any) -> int:
    """What `left <operator> right` would allocate, in characters or items (0: nothing to fear)."""
    if operator == "*":
        if _is_count(right) and isinstance(left, _SIZED):
            return len(left) * right
        if _is_count(left) and isinstance(right, _SIZED):
            return len(right) * left
        if _is_count(left) and _is_count(right) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            return current().limits.chars + 1
    elif operator == "**" and _is_count(left) and _is_count(right) and abs(left) > 1 and right > 0:
        if right * abs(left).bit_length() > MAX_INT_BITS:
            return current().limits.chars + 1
    elif operator == "+":
        return _size(left) + _size(right)
    elif operator == "%":
        _check_format(left)
    return 0


_PAD_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})


def _estimate_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """What a method of a string would allocate: padding by its width, `replace` and `join` by their
    operands (other calls are checked on their result)."""
    # str.format comes wrapped by the sandbox (functools.update_wrapper keeps the method as __wrapped__)
    method = getattr(obj, "__wrapped__", obj)
    receiver = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    if not isinstance(receiver, str):
        return 0
    if name in ("format", "format_map"):
        _check_format(receiver)
        return 0
    values = list(args) + list(kwargs.values())
    if name in _PAD_METHODS:
        widths = [v for v in values if _is_count(v)]
        if name == "expandtabs":
            return len(receiver) * max(widths, default=8)
        return len(receiver) + max(widths, default=0)
    if name == "replace":
        return _replace_size(receiver, values)
    if name == "join" and values:
        return _join_size(receiver, values[0])
    return 0


def _replace_size(text: Any, values: list[Any]) -> int:
    if not (isinstance(text, str) and len(values) >= 2 and isinstance(values[0], str)
            and isinstance(values[1], str)):
        return 0
    old, new = values[0], values[1]
    times = len(text) + 1 if not old else len(text) // len(old)
    return len(text) + times * len(new)


def _join_size(separator: Any, items: Any) -> int:
    """A join of sized items (a list, a range, a string): the separators between them, and the items'
    own sizes when they are at hand (a generator is checked on the result)."""
    if not hasattr(items, "__len__"):
        return 0
    known = sum(_size(i) for i in items) if isinstance(items, (list, tuple)) else len(items)
    return _size(separator) * len(items) + known


# ---------------------------------------------------------------- filters

# Filters whose integer arguments are a width or a count of what they make (batch pads to its count,
# slice makes that many lists): one past the size limit is refused before the filter runs its own loop.
_COUNT_FILTERS = frozenset({"center", "indent", "wordwrap", "truncate", "batch", "slice"})
_ESTIMATED_FILTERS = _COUNT_FILTERS | {"replace", "join", "format"}


def _guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter with the budget's checks: time before, a size estimate before (for the filters whose
    output their arguments can multiply), the result after."""
    estimated = name in _ESTIMATED_FILTERS

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        b = current()
        b.tick()
        if estimated:
            values = [a for a in args if not isinstance(a, (Context, EvalContext, Environment))] + \
                list(kwargs.values())
            b.fits(_estimate_filter(name, values))
        return _checked(func(*args, **kwargs))
    return guarded


def _estimate_filter(name: str, values: list[Any]) -> int:
    value = values[0] if values else None
    rest = values[1:]
    widths = [v for v in rest if _is_count(v)]
    if name in _COUNT_FILTERS and max(widths, default=0) > current().limits.chars:
        return max(widths)
    if name == "center":
        return _size(value) + max(widths, default=80)
    if name == "indent":
        lines = value.count("\n") + 1 if isinstance(value, str) else 1
        width = max(widths + [len(v) for v in rest if isinstance(v, str)], default=4)
        return _size(value) + lines * width
    if name == "replace":
        return _replace_size(value, rest)
    if name == "join":
        return _join_size(rest[0] if rest else "", value)
    if name == "format":
        _check_format(value)
    return 0


@pass_context
def _loop_budget(context: Context, iterable: Any) -> Iterator[Any]:
    """Wraps every `{% for %}`'s iterable (see `_Guards`): one deadline check per iteration, so nested
    loops over `range(100000)` end at the time limit."""
    b = current()
    for item in iterable:
        b.tick()
        yield item


@pass_context
def _value_budget(context: Context, value: Any) -> Any:
    """Wraps every `~` concatenation (see `_Guards`)."""
    current().tick()
    return _checked(value)


class _Guards(NodeTransformer):
    """Rewrites a parsed template so loops and `~` pass through the budget's filters."""

    def visit_For(self, node: nodes.For) -> nodes.Node:  # noqa: N802 (Jinja's visitor naming)
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, "_loop_budget", [], [], None, None, lineno=node.iter.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        return nodes.Filter(node, "_value_budget", [], [], None, None, lineno=node.lineno)


def _sized_concat(parts: Iterable[str]) -> str:
    """`concat` of the compiled code and of `Template.render` (the output stream, and the buffers of macros,
    `{% set %}` blocks and filters): sized before it is joined. Each value in it was already checked as it
    was made (`finalize`), and its constant text is the template's own."""
    parts = parts if isinstance(parts, list) else list(parts)
    b = current()
    b.fits(sum(map(len, parts)))
    b.tick()
    return "".join(parts)


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with the budget's hooks on loops, calls, operators, filters and output."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    concat = staticmethod(_sized_concat)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, finalize=_checked, **kwargs)
        del self.globals["lipsum"]  # it makes up to n paragraphs in one uninterruptible call; no e-mail needs it
        self.filters = {name: _guard_filter(name, f) for name, f in self.filters.items()}
        self.filters["_loop_budget"] = _loop_budget
        self.filters["_value_budget"] = _value_budget

    def add_filter(self, name: str, func: Callable[..., Any]) -> None:
        """A filter of our own, with the same checks as Jinja's."""
        self.filters[name] = _guard_filter(name, func)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        guarded = _Guards().visit(tree)
        assert isinstance(guarded, nodes.Template)
        return guarded

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        b = current()
        b.tick()
        b.fits(_estimate_binop(operator, left, right))
        return _checked(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        b = current()
        b.tick()
        b.fits(_estimate_call(__obj, args, kwargs))
        if b.depth >= b.limits.depth:
            raise RenderLimitExceeded("depth", b.limits.depth)
        b.depth += 1
        try:
            result = super().call(__context, __obj, *args, **kwargs)
        finally:
            b.depth -= 1
        return _checked(result)


__all__ = ["Budget", "DEFAULT_LIMITS", "LimitedSandbox", "PART_LIMITS", "RenderLimitExceeded", "RenderLimits",
           "budget", "current"]
