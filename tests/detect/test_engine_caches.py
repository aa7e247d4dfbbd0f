"""What the engine remembers between texts for speed never changes what it finds, and stays bounded."""

from __future__ import annotations

import pytest

from metascan.detect import engine as engine_module
from metascan.detect.engine import Engine
from metascan.detect.rules import load_rules
from metascan.model import FieldKind

RULES = load_rules()
TEXTS = [
    "export DB_PASSWORD='Tz7j6eB!SOebfTM#'\nexport API_TOKEN=ghs_notreal\n",
    '{"owner": "Linda Wilson", "password": "Qm3!vR8pLz", "name": "web"}',
    "password: 'X.-MqLPmyA*A=!7XrIkl.6'\nsecret_key: 1jXQcptqBhrkNdgLyY6h3zQhQrFrzQONhST1aQT1\n",
]


def _found(engine: Engine, text: str) -> list[tuple[str, str, int]]:
    return [(h.rule.id, h.secret, h.start) for h in engine.scan(text, FieldKind.SCRIPT).hits]


def test_a_warm_engine_finds_what_a_fresh_one_finds() -> None:
    warm = Engine(RULES)
    for text in TEXTS * 2:
        _found(warm, text)
    for text in TEXTS:
        assert _found(warm, text) == _found(Engine(RULES), text)
        assert _found(warm, text)


def test_key_verdicts_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "_KEY_VERDICTS", 8)
    engine = Engine(RULES)
    text = "\n".join(f"KEY_{i}_PASSWORD=Vq8#LmZ2pT{i}" for i in range(40))
    first = _found(engine, text)
    assert first == _found(engine, text)
    assert all(len(v) <= 8 for v in engine._key_verdicts.values())
