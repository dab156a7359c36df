"""The template miner: grouping, masks, fast paths, robustness, bounded memory, snapshots."""

from __future__ import annotations

import json
import random

import pytest

from vvai.common.errors import ConfigError
from vvai.monitor.templates import snapshot
from vvai.monitor.templates.evaluate import grouping_accuracy
from vvai.monitor.templates.masking import Masker, mask_is_token_local, shape_mode
from vvai.monitor.templates.miner import MinedTemplate, TemplateMiner
from vvai.monitor.templates.tuning import REFERENCE_LOG

# (line, expected event) pairs from a pipeline's app.log: the reference log the tuning grid must group
APP_LOG = REFERENCE_LOG


def mine(lines, **kw):
    m = TemplateMiner(**kw)
    return m, [m.add_message(line) for line in lines]


def test_app_log_groups_exactly_by_event() -> None:
    lines = [line for line, _ in APP_LOG]
    truth = [ev for _, ev in APP_LOG]
    m, res = mine(lines)
    assert grouping_accuracy([r.template_id for r in res], truth) == 1.0
    final = {t.template_id: t.template for t in m.templates()}
    by_event = {ev: final[r.template_id] for r, ev in zip(res, truth, strict=True)}
    assert by_event["scan"] == "scene_scanner: processing <*> (size <*> bytes)"
    assert by_event["login"] == "User <*> logged in from <*>"
    assert by_event["connfail"] == "Connection to <*> failed after <*> retries (timeout=<*>)"
    assert by_event["request"] == "request <*> done in <*> ticks"
    assert by_event["moved"] == "moved <*> to <*>"
    assert by_event["model"] == "scene_summarizer: model loaded in <*> s"
    assert by_event["empty"] == ""


def test_events_differing_by_one_word_stay_apart() -> None:
    m, res = mine(
        [f"Failed password for user{i % 7} from 10.0.{i}.1 port {4000 + i} ssh2" for i in range(30)]
        + ["Failed none for invalid user 0 from 5.188.10.180 port 49811 ssh2"]
        + ["Received disconnect from 1.2.3.4: 11: Bye Bye [preauth]"] * 20
        + ["Received disconnect from 1.2.3.9: 11: disconnected by user"]
    )
    ids = [r.template_id for r in res]
    assert len(set(ids[:30])) == 1
    assert len(set(ids)) == 4


def test_add_message_reports_new_count_and_generalised_template() -> None:
    m = TemplateMiner()
    a = m.add_message("worker alpha started on shard")
    assert a == MinedTemplate(a.template_id, "worker alpha started on shard", 1, True)
    b = m.add_message("worker beta started on shard")
    assert (b.template_id, b.template, b.count, b.is_new) == (a.template_id, "worker <*> started on shard", 2, False)
    c = m.add_message("worker beta started on shard")  # exact repeat: the fast path
    assert (c.template_id, c.count, c.is_new) == (a.template_id, 3, False)
    assert [(t.template, t.count) for t in m.templates()] == [("worker <*> started on shard", 3)]
    assert len(m) == 1
    # Three words differing in one: too little evidence that it is a variable (0.67 < 0.7).
    assert m.add_message("worker gamma started").is_new


def test_match_finds_covering_template_without_learning() -> None:
    m, _ = mine(["disk sda1 is 91% full", "disk sdb2 is 95% full", "service nginx restarted"])
    hit = m.match("disk nvme0n1 is 99% full")
    assert hit is not None and hit.template == "disk <*> is <*> full" and hit.count == 2
    assert m.match("service nginx restarted").template == "service nginx restarted"
    assert m.match("service redis restarted") is None  # would need a new wildcard: no match
    assert m.match("totally unknown message") is None
    assert len(m) == 2 and sum(t.count for t in m.templates()) == 3


def test_templates_sorted_by_count() -> None:
    m, _ = mine(["a b c"] * 2 + ["x y z"] * 5 + ["p q r"])
    assert [t.count for t in m.templates()] == [5, 2, 1]


# ---------------------------------------------------------------------------- masking


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("took 42 ms", "took <*> ms"),
        ("value=-3.5 ok", "value=<*> ok"),
        ("addr 0x7fff5fbff8c8", "addr <*>"),
        ("from 10.251.73.220:50010 to 10.0.0.1", "from <*> to <*>"),
        ("peer fe80::1ff:fe23:4567:890a up", "peer <*> up"),
        ("at 12:30:59.123 ok", "at <*> ok"),
        ("id 123e4567-e89b-12d3-a456-426614174000 ok", "id <*> ok"),
        ("open /var/log/app.log failed", "open <*> failed"),
        ("open ./data/x and ~/y/z", "open <*> and <*>"),
        ("(uid=0) core.2275 blk_-1608999687919862906", "(uid=<*>) core.<*> <*>"),
        ("instruction......0", "instruction......<*>"),
        ("plain words only", "plain words only"),
        ("", ""),
    ],
)
def test_builtin_masks(text: str, masked: str) -> None:
    assert Masker().mask(text) == masked


def test_user_masks_run_first_and_builtin_can_be_disabled() -> None:
    assert Masker([r"user=\w+"]).mask("user=root uid=0") == "<*> uid=<*>"
    assert Masker([r"[KGTM]B"], builtin=False).mask("free 5 MB") == "free 5 <*>"
    assert Masker([r"(\w)\1"]).mask("aa bb cd") == "<*> <*> cd"  # backreference: applied alone
    assert Masker([r"(?i)error", r"warn"]).mask("ERROR warn ok") == "<*> <*> ok"  # flags: not joinable


def test_a_word_holding_a_user_masked_part_is_masked_whole() -> None:
    """A user mask that cuts digits out of words (Loghub's OpenStack ``\\d+``, Android's signed
    numbers) leaves one text per value (``e<*>ffd-<*>cd<*>``, ``-<*>``): with the built-in masks
    on, the whole word is a variable, as a word holding a digit is. Delimited ones stay."""
    digits = Masker([r"\d+"])
    masked = digits.mask("vif-plugged:e3871ffd-5cd5-4287-bddd-3529f7b59515 for b9000564-fe1a")
    assert masked == "vif-plugged:<*> for <*>"
    assert digits.mask("uid=0 Window:7 (12) [3]") == "uid=<*> Window:<*> (<*>) [<*>]"
    signed = Masker([r"\b(\-?\+?\d+)\b"])
    assert signed.mask("index:-1") == signed.mask("index:0") == "index:<*>"
    assert Masker([r"\d+"], builtin=False).mask("e3871ffd-5cd5") == "e<*>ffd-<*>cd<*>"  # builtin off: as is
    assert Masker().mask("an <*> literal and x<*>y") == "an <*> literal and <*>"
    m = TemplateMiner(masks=[r"\d+"])
    ids = {m.add_message(f"Creating event network-vif-plugged:{u} for instance {v}").template_id
           for u, v in (("e3871ffd-5cd5-4287", "b9000564-fe1a"), ("a208479c-c0e3-4730", "96abccce-8d1f"))}
    assert len(ids) == 1


def test_glued_words_mask_in_linear_time() -> None:
    m = Masker([r"\d+"])
    for word in ("a" * 500_000 + "<*>" + "b" * 500_000, "ab<*" * 250_000, "a<" * 500_000 + "1", "x<*>" * 250_000,
                 "a" * 1_000_000 + " x<*>"):  # a long word beside a glued one: each word is scanned once
        assert m.mask(word + " end").endswith(" end")  # a quadratic pattern would take minutes here


@pytest.mark.parametrize("bad", ["([a-", "*x", "(?<=a+)b"])
def test_bad_mask_is_config_error(bad: str) -> None:
    with pytest.raises(ConfigError, match="invalid mask regex"):
        TemplateMiner(masks=[bad])


def test_mask_matching_empty_string_is_refused() -> None:
    with pytest.raises(ConfigError, match="empty string"):
        Masker([r"\d*"])


def test_mask_analysis_is_conservative() -> None:
    assert mask_is_token_local(r"blk_-?\d+") and mask_is_token_local(r"(\d+\.){3}\d+(:\d+)?")
    for p in (r"<\d+\ssec", r"/.+?\s", r"^start", r"[^x]+", r"a b", r"\W+"):
        assert not mask_is_token_local(p), p
    assert shape_mode([r"blk_-?\d+", r"core\.\d+"], builtin=True) == "collapse"
    assert shape_mode([r"\d{2}:\d{2}"], builtin=True) == "translate"  # counts digits
    assert shape_mode([r"0x[0-9a-f]+"], builtin=True) is None  # a literal digit
    assert shape_mode([], builtin=False) is None
    assert shape_mode([r"(?=\d{3})x"], builtin=True) == "translate"  # lookarounds count too
    assert not mask_is_token_local(r"[ a]+") and not mask_is_token_local(r"a\x20b")


def _random_corpus(seed: int, n: int = 600) -> list[str]:
    rnd = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "ok", "failed", "node", "job", "x"]
    shapes = [
        lambda: (
            f"job {rnd.randint(0, 10 ** rnd.randint(1, 9))} finished in {rnd.random() * 100:.{rnd.randint(0, 3)}f} s"
        ),
        lambda: f"node {rnd.choice(words)} state {rnd.choice(['up', 'down'])} code={rnd.randint(0, 999)}",
        lambda: f"core.{rnd.randint(0, 99999)} {rnd.choice(words)} {rnd.choice(words)} at 0x{rnd.getrandbits(32):x}",
        lambda: " ".join(rnd.choice(words) for _ in range(rnd.randint(0, 6))),
        lambda: f"blk_{rnd.randint(-(10**12), 10**12)} from /10.0.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}:50010",
    ]
    return [rnd.choice(shapes)() for _ in range(n)]


@pytest.mark.parametrize(
    ("masks", "mode"),
    [
        ([r"core\.\d+", r"blk_-?\d+"], "collapse"),
        ([r"\d{2}:\d{2}", r"(?<!\w)\d{3}(?!\d)"], "translate"),  # they count digits
        ([r"0x[0-9a-f]+", r"state \w+"], None),  # a literal digit; a space (not token-local)
        ([], "collapse"),
    ],
)
@pytest.mark.parametrize("seed", [1, 2])
def test_fast_paths_give_the_same_clusters_as_the_slow_path(masks: list[str], mode: str | None, seed: int) -> None:
    """The shape, masked and token caches are shortcuts only: disabling them changes nothing."""
    lines = _random_corpus(seed)
    lines += [
        f"at {h:02d}:{m:02d} got {n} items ({n * 7} bytes)"
        for h, m, n in zip(range(0, 24), range(5, 60, 2), range(95, 1200, 37), strict=False)
    ]
    fast = TemplateMiner(masks)
    assert fast._shape == mode
    slow = TemplateMiner(masks)
    slow._shape = None
    slow._token_local = False
    a = [fast.add_message(x) for x in lines]
    b = [slow.add_message(x) for x in lines]
    assert [(r.template_id, r.template, r.count, r.is_new) for r in a] == [
        (r.template_id, r.template, r.count, r.is_new) for r in b
    ]


# ---------------------------------------------------------------------------- robustness


def test_garbage_never_raises() -> None:
    rnd = random.Random(7)
    m = TemplateMiner(masks=[r"blk_-?\d+"])
    junk: list[object] = [
        "",
        " \t ",
        "\x00\x01\x02 \xff",
        "\ud800 lone surrogate",
        b"\xff\xfe\xfa invalid utf-8 \xc3",
        bytearray(b"bytes too"),
        None,
        12345,
        "<*> <*> already masked <*>",
        "x" * 1_000_000,  # one 1 MB word
        "a " * 500_000,  # 1 MB of tokens
        ("w1 " * 30_000) + "\n" + ("0" * 50_000),
    ]
    junk += [bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 300))) for _ in range(200)]
    for item in junk:
        r = m.add_message(item)
        assert isinstance(r.template, str) and r.template_id >= 1
        m.match(item)
    long = m.add_message("a " * 500_000)
    assert long.count == 2 and len(long.template.split()) == m.max_tokens  # capped, tail is <*>
    assert long.template.endswith("<*>")
    assert m.add_message(b"\xff\xfe").template == "\ufffd\ufffd"
    assert m.add_message("blob " + "Q" * 600 + " end").template == "blob <*> end"  # over-long token
    wide = m.add_message(" ".join(f"word{'abcdefghij'[i % 10]}x" * 40 for i in range(100)))
    assert len(wide.template) <= 4096 and wide.template.endswith(" <*>")  # long message: head + <*>


def test_memory_is_bounded_and_busy_templates_survive() -> None:
    m = TemplateMiner(max_clusters=20, cache_size=50)
    for i in range(2000):
        m.add_message("heartbeat from scheduler ok")  # the busy template
        m.add_message(f"unique event {'abcdefghij'[i % 10]}{'klmnopqrst'[i // 10 % 10]} w{i % 3}x q{i}r")
        m.add_message(" ".join(f"tok{j}{'abcdefgh'[(i + j) % 8]}" for j in range(i % 7)) + f" kind{i % 977}z")
        assert len(m) <= 20
        assert len(m._first) <= 50 and len(m._masked) <= 50 and len(m._token_cache) <= 50
    assert m.evicted > 0
    busy = m.match("heartbeat from scheduler ok")
    assert busy is not None and busy.count == 2000


# ---------------------------------------------------------------------------- snapshots


def test_snapshot_round_trip_continues_identically(tmp_path) -> None:
    lines = _random_corpus(11, 800)
    first, rest = lines[:500], lines[500:]
    a = TemplateMiner(masks=[r"core\.\d+"], sim_threshold=0.6)
    for x in first:
        a.add_message(x)
    d = json.loads(json.dumps(a.to_dict()))
    b = TemplateMiner.from_dict(d)
    assert b.settings() == a.settings()
    assert [(t.template_id, t.template, t.count) for t in b.templates()] == [
        (t.template_id, t.template, t.count) for t in a.templates()
    ]
    snapshot.save(a, tmp_path / "miner.json")
    c = snapshot.load(tmp_path / "miner.json")
    ra = [(r.template_id, r.template, r.count, r.is_new) for r in map(a.add_message, rest)]
    rb = [(r.template_id, r.template, r.count, r.is_new) for r in map(b.add_message, rest)]
    rc = [(r.template_id, r.template, r.count, r.is_new) for r in map(c.add_message, rest)]
    assert ra == rb == rc


def test_corrupt_snapshot_is_config_error(tmp_path) -> None:
    with pytest.raises(ConfigError):
        TemplateMiner.from_dict({"version": 99})
    with pytest.raises(ConfigError, match="corrupt"):
        TemplateMiner.from_dict({"version": 1, "settings": {}, "next_id": "x", "clusters": []})
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConfigError, match="cannot read"):
        snapshot.load(tmp_path / "bad.json")
    with pytest.raises(ConfigError, match="no template miner snapshot"):
        snapshot.load(tmp_path / "missing.json")
