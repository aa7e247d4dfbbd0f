"""The scanner's result cache (`_LRU`): a key seen before is answered without scanning again, whatever its
value (None and empty results included), and the least recently used key goes first when it is full."""

from __future__ import annotations

from metascan.scanner import _LRU


def test_a_cached_value_is_returned_without_making_it_again_even_when_falsy() -> None:
    made: list[str] = []

    def make(key: str, value: object) -> object:
        made.append(key)
        return value

    lru: _LRU[str, object] = _LRU(8)
    for key, value in (("none", None), ("empty", ()), ("zero", 0), ("x", "x")):
        assert lru.get(key, lambda k=key, v=value: make(k, v)) == value
        assert lru.get(key, lambda: make("again", "wrong")) == value
    assert made == ["none", "empty", "zero", "x"]


def test_the_least_recently_used_key_is_dropped_when_full() -> None:
    lru: _LRU[str, int] = _LRU(2)
    lru.get("a", lambda: 1)
    lru.get("b", lambda: 2)
    assert lru.get("a", lambda: -1) == 1  # "a" is now the most recently used
    lru.get("c", lambda: 3)  # full: "b" goes
    assert lru.get("a", lambda: -1) == 1
    assert lru.get("b", lambda: 20) == 20  # made again
    assert lru.get("c", lambda: -1) == -1  # "c" went when "b" came back (size 2: "a" and "b" were newer)


def test_findings_at_the_same_place_of_different_resources_share_one_location() -> None:
    """A report with a finding in every group keeps one `Location` for the same tag of every group (and
    one string for its path), not one each; findings at different places keep their own."""
    import metascan

    groups = [
        {"AutoScalingGroupName": f"web-{i}", "Tags": [{"Key": "Owner", "Value": f"ann.lee{i}@gmail.com"}]}
        for i in range(3)
    ]
    groups.append({"AutoScalingGroupName": "db", "Tags": [{"Key": "Contact", "Value": "bob.ray@gmail.com"}]})
    report = metascan.scan_responses([("asg.json", {"AutoScalingGroups": groups})], fingerprint_key=b"k" * 32)
    owners = [f.location for f in report.findings if f.location.field == "Tags[Owner].Value"]
    assert len(owners) == 3 and all(loc is owners[0] for loc in owners)
    other = [f.location for f in report.findings if f.location.field == "Tags[Contact].Value"]
    assert len(other) == 1 and other[0] is not owners[0]
