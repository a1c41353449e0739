"""EPICS access security for the IOCs: the subset of the access-security file sites use.

``UAG(name) {user, ...}``, ``HAG(name) {host, ...}`` and ``ASG(name) { RULE(level, NONE|READ|
WRITE[, TRAPWRITE|NOTRAPWRITE]) { UAG(a, ...) HAG(b, ...) } ... }``. A rule applies when the
client's user name is in one of its UAGs (if it names any) and its host in one of its HAGs (if
it names any); it grants its right to fields whose access-security level is at most ``level``.
WRITE implies READ. Every PV of an IOC belongs to one ASG (``DEFAULT`` unless the IOC is told
otherwise); as in EPICS, an ASG that the file does not define grants nothing. ``INP``/``CALC``
rules are refused (a clear error), not ignored.

Without a file every client may read and write, as in an EPICS IOC without access security.
User and host names are what the CA client announces (like EPICS without ``asCheckClientIP``).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Tuple

from caproto import AccessRights

logger = logging.getLogger(__name__)

__all__ = ["AccessFileError", "Rule", "AccessPolicy", "load", "install", "rights"]

_TOKEN = re.compile(r'\s*(?:(#[^\n]*)|("(?:[^"\\]|\\.)*")|([A-Za-z0-9_.:\-+*/<>=!&|$@]+)|(.))')


class AccessFileError(ValueError):
    """The access-security file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Rule:
    level: int
    right: str                                  # NONE / READ / WRITE
    uags: Tuple[str, ...] = ()
    hags: Tuple[str, ...] = ()


@dataclass
class AccessPolicy:
    """Parsed access-security definitions and the ASG this IOC's PVs belong to."""

    uags: Dict[str, FrozenSet[str]] = field(default_factory=dict)
    hags: Dict[str, FrozenSet[str]] = field(default_factory=dict)
    asgs: Dict[str, List[Rule]] = field(default_factory=dict)
    group: str = "DEFAULT"
    source: str = ""

    def rights(self, host: str, user: str, level: int = 0) -> AccessRights:
        granted = AccessRights.NO_ACCESS
        for rule in self.asgs.get(self.group, []):
            if level > rule.level or rule.right == "NONE":
                continue
            if rule.uags and not any(user in self.uags.get(u, ()) for u in rule.uags):
                continue
            host_l = (host or "").lower()
            if rule.hags and not any(host_l in self.hags.get(h, ()) for h in rule.hags):
                continue
            granted |= AccessRights.READ
            if rule.right == "WRITE":
                granted |= AccessRights.WRITE
        return granted


def _tokens(text: str, source: str) -> List[Tuple[str, int]]:
    out = []
    line = 1
    for match in _TOKEN.finditer(text):
        comment, quoted, word, other = match.groups()
        if comment is None:
            tok = quoted[1:-1] if quoted is not None else (word or other)
            if tok is not None and tok.strip():
                out.append((tok, line))
        line += match.group(0).count("\n")
    return out


class _Parser:
    def __init__(self, text: str, source: str) -> None:
        self.toks = _tokens(text, source)
        self.i = 0
        self.source = source

    def error(self, message: str) -> AccessFileError:
        line = self.toks[min(self.i, len(self.toks) - 1)][1] if self.toks else 1
        return AccessFileError(f"{self.source}:{line}: {message}")

    def peek(self) -> Optional[str]:
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def take(self, expected: Optional[str] = None) -> str:
        tok = self.peek()
        if tok is None:
            raise self.error(f"unexpected end of file (expected {expected or 'more'})")
        if expected is not None and tok != expected:
            raise self.error(f"expected {expected!r}, found {tok!r}")
        self.i += 1
        return tok

    def names(self, close: str) -> Tuple[str, ...]:
        out = []
        while self.peek() != close:
            out.append(self.take())
            if self.peek() == ",":
                self.take(",")
        self.take(close)
        return tuple(out)

    def parse(self) -> AccessPolicy:
        policy = AccessPolicy(source=self.source)
        while self.peek() is not None:
            kind = self.take()
            if kind not in ("UAG", "HAG", "ASG"):
                raise self.error(f"expected UAG, HAG or ASG, found {kind!r}")
            self.take("(")
            name = self.take()
            self.take(")")
            if kind == "ASG":
                policy.asgs[name] = self.asg_body()
                continue
            self.take("{")
            members = self.names("}")
            if kind == "UAG":
                policy.uags[name] = frozenset(members)
            else:
                policy.hags[name] = frozenset(m.lower() for m in members)
        for rules in policy.asgs.values():
            for rule in rules:
                for kind, names, known in (("UAG", rule.uags, policy.uags),
                                           ("HAG", rule.hags, policy.hags)):
                    missing = [n for n in names if n not in known]
                    if missing:
                        raise AccessFileError(f"{self.source}: rule names undefined {kind} "
                                              f"{', '.join(missing)}")
        return policy

    def asg_body(self) -> List[Rule]:
        rules = []
        self.take("{")
        while self.peek() != "}":
            kind = self.take()
            if kind.startswith("INP"):
                raise self.error(f"{kind} (input links for CALC rules) is not supported")
            if kind != "RULE":
                raise self.error(f"expected RULE, found {kind!r}")
            self.take("(")
            args = self.names(")")
            if len(args) not in (2, 3) or not args[0].isdigit() or \
                    args[1] not in ("NONE", "READ", "WRITE", "RPC"):
                raise self.error(f"RULE({', '.join(args)}): expected RULE(level, NONE|READ|"
                                 "WRITE[, TRAPWRITE|NOTRAPWRITE])")
            uags: Tuple[str, ...] = ()
            hags: Tuple[str, ...] = ()
            if self.peek() == "{":
                self.take("{")
                while self.peek() != "}":
                    what = self.take()
                    if what == "CALC":
                        raise self.error("CALC rules are not supported")
                    if what not in ("UAG", "HAG"):
                        raise self.error(f"expected UAG or HAG, found {what!r}")
                    self.take("(")
                    names = self.names(")")
                    if what == "UAG":
                        uags += names
                    else:
                        hags += names
                self.take("}")
            right = "NONE" if args[1] == "RPC" else args[1]
            rules.append(Rule(int(args[0]), right, uags, hags))
        self.take("}")
        return rules


def load(path: Path, group: str = "DEFAULT") -> AccessPolicy:
    """Parse an access-security file; :class:`AccessFileError` says what is wrong and where."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as ex:
        raise AccessFileError(f"cannot read access-security file {path}: {ex}") from None
    policy = _Parser(text, str(path)).parse()
    policy.group = group
    if group not in policy.asgs:
        logger.warning("%s defines no ASG(%s): this IOC grants no access to anyone", path,
                       group)
    return policy


_active: Optional[AccessPolicy] = None


def install(policy: Optional[AccessPolicy]) -> None:
    """Use ``policy`` for every channel of this process (None: everyone reads and writes)."""
    global _active
    _active = policy
    if policy is not None:
        logger.info("access security from %s, ASG %s", policy.source, policy.group)


def rights(host: str, user: str, level: int = 0) -> AccessRights:
    """What the client ``user``@``host`` may do with a field of access level ``level``."""
    if _active is None:
        return AccessRights.READ | AccessRights.WRITE
    return _active.rights(host, user, level)
