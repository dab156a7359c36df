"""The project's one redactor: secrets out of everything that leaves the box.

``Redactor().redact(text)`` replaces each secret with ``[REDACTED:<kind>]`` (one way);
``pseudonymize(text, mapping)`` replaces it with a placeholder such as ``«SECRET_3»`` that the
same :class:`Pseudonyms` maps back with ``restore`` (the same secret always gets the same
placeholder, so an LLM can still tell two keys apart without seeing either).

What is found (each rule is a small regex plus, where a shape alone is ambiguous, a check in
Python): AWS access key ids and secrets, bearer/basic tokens and JWTs, passwords in URLs and in
``key=value`` / ``key: value`` / JSON ``"password": "..."``, private key blocks (PEM, OpenSSH),
e-mail addresses, webhook URLs (Slack, Discord, Teams, generic ``hooks.``), provider tokens
(GitHub, GitLab, Slack, OpenAI, Anthropic, Google, Stripe, ...), generic ``api_key=``/``token=``/
``secret=`` values that look random. IP addresses and host names only when asked.

Time: every rule is written so that Python's backtracking engine stays linear: a rule starts at
a token boundary (a look-behind on the rule's own character class), repeats one character class
at a time with a bound, and ends where the class ends. No rule nests a quantifier over
overlapping alternatives. Each rule also has a cheap trigger (a substring that must be present),
so a large text pays only for the rules it could match. Written by hand: no library found does
redaction with both reversible placeholders and this shape list without pulling in a large
dependency (detect-secrets/presidio scan files or need spaCy).
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from vvai.common.saferegex import compile_user_regex

_ALNUM = "A-Za-z0-9"
_B64 = "A-Za-z0-9+/="
_TOK = "A-Za-z0-9_-"


def _entropy(s: str) -> float:
    counts: dict[str, int] = {}
    for ch in s:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _classes(s: str) -> int:
    return sum((any(c.islower() for c in s), any(c.isupper() for c in s), any(c.isdigit() for c in s),
                any(not c.isalnum() for c in s)))


_HEX = re.compile(r"[0-9a-fA-F]+")
_PLACEHOLDER = re.compile(r"(?:\[REDACTED:[a-z0-9_]+\]|«[A-Z_]+_\d+»|\*+|x{3,}|X{3,}|<redacted>|\.\.\.)")


def _not_placeholder(v: str, _t: str, _s: int) -> bool:
    if v.startswith(("[REDACTED:", "«")):
        return False
    return not _PLACEHOLDER.fullmatch(v) and v.lower() not in ("null", "none", "nil", "undefined", '""', "''")


def _randomish(v: str, t: str, s: int) -> bool:
    """A value that looks generated, not a word: long enough, mixed, high entropy, not a hex digest."""
    if not _not_placeholder(v, t, s) or len(v) < 8:
        return False
    if _HEX.fullmatch(v) and len(v) in (32, 40, 64, 128):  # md5/sha1/sha256/sha512 digests are evidence
        return False
    return _classes(v) >= 2 and _entropy(v) >= 2.5


def _aws_secret(v: str, _t: str, _s: int) -> bool:
    return not _HEX.fullmatch(v) and not v.startswith("/") and _classes(v) >= 3 and _entropy(v) >= 3.8


def _bearer(v: str, _t: str, _s: int) -> bool:
    return any(c.isdigit() or c in "._~+/=-" for c in v)


def _email(_v: str, t: str, s: int) -> bool:
    # user:pass@host inside a URL is the url_password rule's business, not an e-mail address
    run_start = max(0, s - 300)
    before = t[run_start:s]
    cut = max(before.rfind(" "), before.rfind("\t"), before.rfind("\n"), before.rfind('"'), before.rfind("'"))
    return "://" not in before[cut + 1:]


def _after_scheme(_v: str, t: str, s: int) -> bool:
    i = t.rfind("://", max(0, s - 300), s)
    return i > 0 and t[i - 1].isalnum()


def _ipv6(v: str, _t: str, _s: int) -> bool:
    if "::" not in v and v.count(":") != 7:
        return False
    try:
        ipaddress.IPv6Address(v)
    except ValueError:
        return False
    return True


_TLDS = frozenset("""\
com net org io dev app cloud ai co info biz edu gov mil int eu us uk de fr br pt es it nl
be ch at se no dk fi pl cz ru ua cn jp kr in au ca mx ar cl local lan internal intranet corp home
localdomain example test invalid svc cluster""".split())  # noqa: SIM905


def _hostname(v: str, _t: str, _s: int) -> bool:
    labels = v.lower().split(".")
    return labels[-1] in _TLDS and all(lb and not lb.startswith("-") and not lb.endswith("-") for lb in labels)


@dataclass(frozen=True)
class Rule:
    kind: str
    regex: Any  # re.Pattern, or a saferegex.SafeRegex for user patterns
    triggers: tuple[str, ...]  # lower-case substrings, one of which must be in the lower-cased text
    check: Callable[[str, str, int], bool] | None = None  # (secret, text, start) -> is it one?
    # Checks done in Python rather than with a look-behind at the start of the regex, so that the
    # regex starts with a literal and the engine can skip to candidates (10x faster on real logs):
    boundary: frozenset[str] = frozenset()  # the match must not follow one of these characters
    back: frozenset[str] = frozenset()  # the secret starts earlier: extend over these (e-mail local part)
    name: re.Pattern[str] | None = None  # group "k" plus the token before it must fullmatch this
    lower: re.Pattern[str] | None = None  # case-insensitive rules: a twin run on the lower-cased text


def _r(kind: str, pattern: str, triggers: Sequence[str], check: Callable[[str, str, int], bool] | None = None,
       flags: int = 0, **fast: Any) -> Rule:
    lower = None
    if flags & re.IGNORECASE:  # the same rule, case-sensitive, for the lower-cased text (no slow IGNORECASE scan)
        lower = re.compile(_lower_literals(pattern), flags & ~re.IGNORECASE)
    return Rule(kind, re.compile(pattern, flags), tuple(t.lower() for t in triggers), check, lower=lower, **fast)


def _lower_literals(pattern: str) -> str:
    """Lower-case a pattern's literal letters, leaving escapes (``\\s``, ``\\d``...) and group names alone."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i:i + 2])
            i += 2
        elif pattern.startswith("(?P<", i):
            j = pattern.index(">", i)
            out.append(pattern[i:j + 1])
            i = j + 1
        else:
            out.append(c.lower() if c.isalpha() and not _in_class(pattern, i) else c)
            i += 1
    return "".join(out)


def _in_class(pattern: str, i: int) -> bool:
    """Whether position ``i`` is inside a ``[...]`` class (kept as written: ``[A-Za-z]`` stays)."""
    depth, k = False, 0
    while k < i:
        if pattern[k] == "\\":
            k += 2
            continue
        if pattern[k] == "[" and not depth:
            depth = True
        elif pattern[k] == "]" and depth:
            depth = False
        k += 1
    return depth


_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_TOKEN_CHARS = _NAME_CHARS - {"."}
_LOCAL_CHARS = _NAME_CHARS | {"%", "+"}


_I = re.IGNORECASE
# Keys whose value is a secret. "pass" alone is not one ("passed=3"); "key" alone is not one
# ("key=videos/cam3.mp4" in an S3 log).
_PW_KEY = r"(?:passw(?:or)?d|pwd|passphrase)"  # any prefix: db_password, PGPASSWORD, MYSQL_PWD
_SECRET_KEY = (r"[A-Za-z0-9_.-]{0,40}(?:secret|token|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|"
               r"account[_.-]?key|secret[_.-]?key|auth[_.-]?token|credentials?|client[_.-]?secret|session[_.-]?key|"
               r"signing[_.-]?key|encryption[_.-]?key|master[_.-]?key)(?:[_.-]?(?:id|value|b64|base64))?")
_VALUE = r"""(?:"(?P<dq>(?:[^"\\\n]|\\.){1,512})"|'(?P<sq>[^'\n]{1,512})'|(?P<s>[^\s"',;&}<>)\]]{1,512}))"""
_SEP = r"""["']?[ \t]{0,5}[:=][ \t]{0,5}"""

RULES: tuple[Rule, ...] = (
    # provider tokens first: the most specific names
    _r("anthropic_key", r"(?<![A-Za-z0-9_-])sk-ant-(?:api|admin|oat|sid)\d{2}-[A-Za-z0-9_-]{20,300}", ["sk-ant-"]),
    _r("openai_key", r"(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,300}", ["sk-"],
       lambda v, t, s: not v.startswith("sk-ant-") and _classes(v) >= 3),
    _r("github_token", r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{22,255})",
       ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"]),
    _r("gitlab_token", r"gl(?:pat|dt|rt|ptt|cbt|oas|soat|ft|imt|agent|ffct)-[A-Za-z0-9_-]{20,255}",
       ["gl"], boundary=_TOKEN_CHARS),
    _r("slack_token", r"(?<![A-Za-z0-9_-])(?:xox[abposre]-[A-Za-z0-9-]{10,250}|xapp-\d-[A-Za-z0-9-]{10,250})",
       ["xox", "xapp-"]),
    _r("google_api_key", r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])", ["aiza"]),
    _r("google_oauth", r"(?<![A-Za-z0-9_-])(?:ya29\.[0-9A-Za-z_-]{20,500}|GOCSPX-[A-Za-z0-9_-]{20,60}|"
       r"1//0[0-9A-Za-z_-]{30,300})", ["ya29.", "gocspx-", "1//0"]),
    _r("stripe_key", r"(?<![A-Za-z0-9_])(?:(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,250}|whsec_[A-Za-z0-9]{24,250})",
       ["_live_", "_test_", "whsec_"]),
    _r("huggingface_token", r"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{30,60}(?![A-Za-z0-9])", ["hf_"]),
    _r("npm_token", r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])", ["npm_"]),
    _r("pypi_token", r"(?<![A-Za-z0-9_-])pypi-AgE[A-Za-z0-9_-]{50,400}", ["pypi-age"]),
    _r("sendgrid_key", r"(?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{30,64}", ["sg."]),
    _r("digitalocean_token", r"(?<![A-Za-z0-9_])do[opr]_v1_[a-f0-9]{64}", ["_v1_"]),
    _r("shopify_token", r"(?<![A-Za-z0-9_])shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}", ["shp"]),
    _r("telegram_bot_token", r"(?<![0-9:])\d{8,10}:AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])", [":aa"]),
    _r("aws_access_key_id", r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)"
       r"[A-Z0-9]{16}(?![A-Z0-9])", ["akia", "asia", "abia", "acca", "agpa", "aida", "aipa", "anpa", "anva",
                                      "apka", "aroa", "asca"]),
    _r("jwt", r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,4000}\.eyJ[A-Za-z0-9_-]{5,8000}\.[A-Za-z0-9_-]{0,4000}",
       ["eyj"]),
    # webhooks: the whole URL is the secret
    _r("slack_webhook", r"https?://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{8,300}",
       ["hooks.slack.com"]),
    _r("discord_webhook", r"https?://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api/webhooks/\d{5,30}/"
       r"[A-Za-z0-9_-]{10,200}", ["discord"]),
    _r("teams_webhook", r"https?://[A-Za-z0-9.-]{0,100}(?:webhook\.office\.com|outlook\.office\.com|"
       r"logic\.azure\.com)/[^\s\"'<>]{8,1000}", ["office.com", "logic.azure.com"]),
    _r("webhook_url", r"https?://hooks\.[A-Za-z0-9.-]{1,200}/[^\s\"'<>]{4,1000}", ["hooks."]),
    # private key blocks are handled in code (_key_blocks); credentials in URLs
    _r("url_password", r"://[^\s/:@?#\"'<>\[\]]{0,256}:(?P<s>[^\s/?#\"'<>]{1,256})@", ["://"], _after_scheme),
    _r("url_token", r"[?&](?:access_token|api_key|apikey|token|auth|key|sig|signature|secret|password|"
       r"x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|code)=(?P<s>[^&\s#\"'<>]{6,2000})",
       ["="], _not_placeholder, flags=_I),
    _r("authorization", r"(?<![A-Za-z0-9_-])(?:proxy-)?authorization[\"']?[ \t]{0,5}[:=][ \t]{0,5}[\"']?"
       r"(?:(?:bearer|basic|token|digest|negotiate|apikey|sso-key|aws4-hmac-sha256)[ \t]{1,5})?"
       r"(?P<s>[^\s\"',;]{4,8000})", ["authorization"], _not_placeholder, flags=_I),
    _r("bearer_token", r"(?:bearer|basic)[ \t]{1,5}(?P<s>[A-Za-z0-9._~+/=-]{8,8000})",
       ["bearer", "basic"], _bearer, flags=_I, boundary=_TOKEN_CHARS),
    _r("cli_password", r"--?(?:password|passwd|pass|token|secret|api-key|apikey|auth-token)"
       r"[ \t=]{1,3}(?P<s>[^\s\"'-][^\s\"']{0,511})", ["-"], _not_placeholder, flags=_I, boundary=_TOKEN_CHARS),
    _r("password", rf"{_PW_KEY}{_SEP}{_VALUE}", ["pass", "pwd"], _not_placeholder, flags=_I),
    _r("aws_secret", r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])", [""], _aws_secret),
    # the regex finds "<secret|token|key|credential>[suffix] = value"; the whole key name (the
    # token before it too) must then be one of _SECRET_KEY's: "monkey=" and "key=" are not
    _r("secret", rf"(?P<k>(?:secret|token|key|credentials?)(?:[_.-]?(?:id|value|b64|base64))?){_SEP}{_VALUE}",
       ["secret", "token", "key", "credential"], _randomish, flags=_I, name=re.compile(_SECRET_KEY, _I)),
    # found from its "@"; the local part is then taken back from there (at most 64 characters)
    _r("email", r"@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])", ["@"], _email,
       back=_LOCAL_CHARS),
)

IP_RULES: tuple[Rule, ...] = (
    _r("ip", r"(?<![0-9.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
       r"(?!\.?\d)", ["."]),
    _r("ip", r"(?<![0-9A-Fa-f:])[0-9A-Fa-f:]{2,39}(?![0-9A-Fa-f:])", [":"], _ipv6),
)
HOST_RULES: tuple[Rule, ...] = (
    _r("hostname", r"(?<![A-Za-z0-9_.-])(?:[A-Za-z0-9][A-Za-z0-9-]{0,62}\.){1,10}[A-Za-z]{2,24}(?![A-Za-z0-9_-])",
       ["."], _hostname),
)

_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]{0,40})PRIVATE KEY( BLOCK)?-----")
_B64_LINE = re.compile(r"[ \t]*[A-Za-z0-9+/=]{1,200}[ \t]*\r?(?:\n|$)")
_B64_RUN = re.compile(r"(?:\\n|[A-Za-z0-9+/= ]){0,100000}")


def _key_blocks(text: str) -> list[tuple[int, int, str]]:
    """PEM / OpenSSH private key blocks, from BEGIN to END (or, when cut, to the end of the base64).

    Linear: the next BEGIN and the next END are each searched once from where the last search
    left off (a text of many BEGINs and no END must not rescan the text per BEGIN)."""
    out: list[tuple[int, int, str]] = []
    m = _BEGIN.search(text)
    end = -2  # position of the next "-----END " at or after the current BEGIN; -2: not looked yet
    while m is not None:
        if end != -1 and end < m.end():
            end = text.find("-----END ", m.end())
        nxt = _BEGIN.search(text, m.end())
        if end >= 0 and (nxt is None or end < nxt.start()):
            close = text.find("-----", end + 9)
            stop = len(text) if close < 0 else close + 5
        else:  # cut short (no END before the next BEGIN): the base64 that follows
            stop = m.end()
            if stop < len(text) and text[stop] == "\n":
                stop += 1
            while (b := _B64_LINE.match(text, stop)) and b.end() > stop:
                stop = b.end()
            if stop == m.end():  # the base64 follows on the same line (an escaped "\n" log)
                b = _B64_RUN.match(text, stop)
                stop = b.end() if b else stop
        out.append((m.start(), stop, "private_key"))
        while nxt is not None and nxt.start() < stop:
            nxt = _BEGIN.search(text, stop)
        m = nxt
    return out


@dataclass
class Pseudonyms:
    """Placeholder <-> original for one conversation; :meth:`restore` maps placeholders back."""

    by_secret: dict[str, str] = field(default_factory=dict)
    by_placeholder: dict[str, str] = field(default_factory=dict)
    prefix: str = "SECRET"

    def placeholder(self, secret: str, avoid: str = "") -> str:
        ph = self.by_secret.get(secret)
        if ph is None:
            n = len(self.by_secret) + 1
            while (ph := f"«{self.prefix}_{n}»") in avoid or ph in self.by_placeholder:
                n += 1
            self.by_secret[secret] = ph
            self.by_placeholder[ph] = secret
        return ph

    _PH = re.compile(r"«[A-Z]+_\d{1,9}»")

    def restore(self, text: str) -> str:
        return self._PH.sub(lambda m: self.by_placeholder.get(m.group(0), m.group(0)), text)


class Redactor:
    """Finds secrets in text; ``enabled=False`` passes text through untouched."""

    def __init__(self, *, enabled: bool = True, ips: bool = False, hostnames: bool = False,
                 extra_patterns: Sequence[str] = ()):
        self.enabled = enabled
        rules = list(RULES)
        if ips:
            rules += IP_RULES
        if hostnames:
            rules += HOST_RULES
        for i, pat in enumerate(extra_patterns):
            rules.append(Rule(f"custom_{i + 1}", compile_user_regex(pat, "redaction pattern"), ("",)))
        self.rules = tuple(rules)

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, kind) of every secret, in order; overlapping finds are merged."""
        if not self.enabled or not text:
            return []
        low = text.lower()
        same_length = len(low) == len(text)  # lower() never shortens: equal length = same offsets
        found = _key_blocks(text) if "private key" in low else []
        for rule in self.rules:
            if not any(t in low for t in rule.triggers):
                continue
            use_low = rule.lower is not None and same_length
            for m in (rule.lower if use_low else rule.regex).finditer(low if use_low else text):
                names = getattr(rule.regex, "groupindex", None) or {}
                g = next((n for n in ("s", "dq", "sq") if n in names and m.group(n) is not None), None)
                s, e = m.span(g) if g else m.span()
                if e <= s:
                    continue
                if rule.boundary and m.start() > 0 and text[m.start() - 1] in rule.boundary:
                    continue
                if rule.name is not None:
                    k0 = b = m.start("k")
                    while b > 0 and k0 - b < 41 and text[b - 1] in _NAME_CHARS:
                        b -= 1
                    if not rule.name.fullmatch(text, b, m.end("k")):
                        continue
                if rule.back:
                    b = m.start()
                    while b > 0 and m.start() - b < 65 and text[b - 1] in rule.back:
                        b -= 1
                    if b == m.start() or m.start() - b > 64:
                        continue
                    s = b
                if rule.check is not None and not rule.check(text[s:e], text, s):
                    continue
                found.append((s, e, rule.kind))
        found.sort()
        merged: list[tuple[int, int, str]] = []
        for s, e, kind in found:
            if merged and s < merged[-1][1]:
                ps, pe, pk = merged[-1]
                merged[-1] = (ps, max(pe, e), pk)
            else:
                merged.append((s, e, kind))
        return merged

    def _replace(self, text: str, make: Callable[[str, str], str]) -> str:
        spans = self.spans(text)
        if not spans:
            return text
        parts: list[str] = []
        pos = 0
        for s, e, kind in spans:
            parts.append(text[pos:s])
            parts.append(make(text[s:e], kind))
            pos = e
        parts.append(text[pos:])
        return "".join(parts)

    def redact(self, text: str) -> str:
        """One way: each secret becomes ``[REDACTED:<kind>]``."""
        return self._replace(text, lambda _secret, kind: f"[REDACTED:{kind}]")

    def pseudonymize(self, text: str, mapping: Pseudonyms) -> str:
        """Each secret becomes a placeholder (``«SECRET_3»``), the same one for the same secret."""
        return self._replace(text, lambda secret, _kind: mapping.placeholder(secret, avoid=text))

    def kinds(self, text: str) -> list[str]:
        """The kinds of secret found, in order (for tests and reports)."""
        return [k for _s, _e, k in self.spans(text)]


_default: Redactor | None = None


def redact(text: str) -> str:
    """Redact with the default settings (everything but IP addresses and host names)."""
    global _default
    if _default is None:
        _default = Redactor()
    return _default.redact(text)
