"""Resources a module's tests share from the first of them to the last, however pytest-xdist
orders the worker's tests.

A ``scope="module"`` fixture is torn down whenever a test of another module runs between two
of its own, and pytest-xdist interleaves modules on a worker: an expensive resource (a site
of network namespaces, a second IOC) was then built three times. A :class:`Lasting` builds it
at the first test that asks and closes it after the last test (of those selected) that uses
it, or at the end of the session. Give such a module an ``xdist_group`` so that all its
tests run on one worker.
"""
from __future__ import annotations

from contextlib import AbstractContextManager, ExitStack
from typing import Any, Callable, Dict, Set, Tuple

import pytest

__all__ = ["Lasting"]


class Lasting:
    """The resources held now, each with the tests that will still use it."""

    def __init__(self) -> None:
        self._held: Dict[str, Tuple[ExitStack, Any, Set[str]]] = {}

    def get(self, request: pytest.FixtureRequest,
            build: Callable[[], AbstractContextManager]) -> Any:
        """The resource of the requesting fixture in the test's module, built by entering
        ``build()`` if it is not held."""
        key = self._key(request)
        if key not in self._held:
            users = {item.nodeid for item in request.session.items
                     if item.module is request.module and request.fixturename in
                     getattr(item, "fixturenames", ())}
            stack = ExitStack()
            value = stack.enter_context(build())
            self._held[key] = (stack, value, users)
        return self._held[key][1]

    def release(self, request: pytest.FixtureRequest) -> None:
        """The requesting test is done with the resource: closed after its last user."""
        key = self._key(request)
        if key in self._held:
            stack, _, users = self._held[key]
            users.discard(request.node.nodeid)
            if not users:
                del self._held[key]
                stack.close()

    def close(self) -> None:
        """Close whatever is still held."""
        while self._held:
            _, (stack, _, _) = self._held.popitem()
            stack.close()

    @staticmethod
    def _key(request: pytest.FixtureRequest) -> str:
        return f"{request.module.__name__}:{request.fixturename}"
