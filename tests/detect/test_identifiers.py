"""The identifier table (`[[identifiers]]` rows): each row becomes a rule; words choose the validator."""

from __future__ import annotations

import subprocess
import sys

import pytest

from metascan.detect.engine import Engine
from metascan.detect.rules import load_rules, parse_rules
from metascan.detect.validators import stdnum_validator
from metascan.errors import RuleError
from metascan.model import Confidence, FieldKind

ROW = """
[[identifiers]]
id = "se-personnummer"
country = "SE"
name = "Swedish personal identity number"
local_name = "personnummer"
document = "national_id"
validator = "stdnum:se.personnummer"
regex = '''(?:19|20)?\\d{6}[-+]?\\d{4}'''
words = { sv = ["personnummer", "födelsenummer"], en = ["Swedish personal identity number"] }
examples.match = ["personnummer 880320-0016"]
examples.no_match = ["build 880320-0016"]
"""


def with_(replace: str, by: str) -> str:
    assert replace in ROW
    return ROW.replace(replace, by)


def test_a_row_becomes_a_rule() -> None:
    (rule,) = parse_rules(ROW, "ids.toml")
    assert rule.id == "se-personnummer" and rule.country == "SE" and rule.document == "national_id"
    assert str(rule.category) == "personal_data" and rule.context.required
    assert [name for name, _ in rule.validators] == ["stdnum:se.personnummer"]
    # words are whole tokens, also without accents; keywords prefilter on them
    assert {"personnummer", "fodelsenummer", "foedelsenummer"} <= rule.context.words.singles
    assert "personnummer" in rule.keywords
    assert "SE national identity number" in rule.description and "(en, sv)" in rule.description


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (with_('country = "SE"', 'country = "Sweden"'), "ids.toml: rule 'se-personnummer': country must be"),
        (
            with_('"national_id"', '"nationality"'),
            "rule 'se-personnummer': document 'nationality' is not one",
        ),
        (with_('validator = "stdnum:se.personnummer"', 'validator = "stdnum:se.nope"'), "unknown validator"),
        (with_('validator = "stdnum:se.personnummer"', 'validator = "crc99"'), "unknown validator 'crc99'"),
        (
            with_('words = { sv = ["personnummer", "födelsenummer"], ', "words = { sv = [], "),
            "words must be a",
        ),
        (with_('document = "national_id"', 'document = "national_id"\ncolour = 1'), "unknown keys: colour"),
        (with_("regex = '''(?:19|20)?", "regex = '''(?:19|20"), "regex does not compile"),
        (with_('examples.no_match = ["build 880320-0016"]\n', ""), "examples must have both"),
    ],
)
def test_a_bad_row_is_an_error_naming_file_and_row(text: str, message: str) -> None:
    with pytest.raises(RuleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_rules(text, "ids.toml")


RULES = load_rules()
ENGINE = Engine(RULES)


def found(text: str, key: str | None = None, kind: FieldKind | None = None) -> list[tuple[str, str]]:
    kind = kind or (FieldKind.TAG_VALUE if key else FieldKind.SCRIPT)
    return [(h.rule.id, h.secret) for h in ENGINE.scan(text, kind, key).hits]


def test_words_in_the_local_language_choose_the_validator() -> None:
    # stdnum's documented example numbers, named in the issuing country's language
    assert found("Reisepass C01X00T47") == [("de-passport", "C01X00T47")]
    assert found("rodné číslo 710319/2745") == [("cz-rc", "710319/2745")]
    assert found("TC kimlik no: 17291716060") == [("tr-tckimlik", "17291716060")]
    assert found("17291716060", key="tckn") == [("tr-tckimlik", "17291716060")]


def test_a_key_may_leave_out_the_words_that_join_a_name() -> None:
    # `cédula de residencia`, `cartão de cidadão`: keys run the words together without `de`
    assert found("155812994816", key="CedulaResidencia") == [("cr-cr", "155812994816")]
    assert found("054546796ZY7", key="CartaoCidadao") == [("pt-cc", "054546796ZY7")]
    assert found("cartão de cidadão 054546796ZY7") == [("pt-cc", "054546796ZY7")]
    assert found("055812994816", key="CedulaResidencia") == []  # the check still decides


def test_words_count_only_as_whole_tokens() -> None:
    # 'Reisepass' names the passport; 'pass' inside another word names nothing
    assert found("bypass C01X00T47") == []
    assert found("compass C01X00T47 passage") == []


def test_words_in_scripts_without_word_tokens_count_near_the_value() -> None:
    assert found("护照号码：E38574629") == [("cn-passport", "E38574629")]
    assert found("运单 E38574629") == []


def test_words_joined_by_underscores_in_a_resource_name_are_tokens() -> None:
    # resource names join words with - or _: the value is its own token, not part of a longer one
    for name in ("emp-tckn-17291716060", "emp_tckn_17291716060", "tckn_17291716060_v2"):
        assert found(name, kind=FieldKind.NAME) == [("tr-tckimlik", "17291716060")], name
    for name in ("tckn_172917160601", "tckn_9_17291716060x"):
        assert not [r for r, _ in found(name, kind=FieldKind.NAME) if r == "tr-tckimlik"], name


def test_the_check_decides_after_the_word() -> None:
    assert found("TC kimlik no: 17291716061") == []  # wrong check digit
    assert found("build 17291716060") == []  # no word: a bare number never tells its country


def test_a_strong_row_is_found_without_words_at_lower_confidence() -> None:
    hits = ENGINE.scan("owner 240387-200T", FieldKind.SCRIPT).hits
    assert [(h.rule.id, h.confidence) for h in hits] == [("fi-hetu", Confidence.MEDIUM)]
    hits = ENGINE.scan("henkilötunnus 240387-200T", FieldKind.SCRIPT).hits
    assert [(h.rule.id, h.confidence) for h in hits] == [("fi-hetu", Confidence.HIGH)]


def test_an_identifier_is_not_hidden_by_an_account_id_of_the_same_digits() -> None:
    assert found("my number 123456789047", key="ИНН") == [("ru-inn", "123456789047")]


def test_stdnum_validators_never_raise() -> None:
    check = stdnum_validator("cn.ric")
    assert check is not None
    assert check("532241774002215674") is False  # stdnum raises KeyError('county') on this one
    assert check("360426199101010071") is True
    assert stdnum_validator("no.such_module") is None
    assert stdnum_validator("../etc") is None


def test_a_stdnum_module_is_known_without_importing_its_country_package() -> None:
    """Loading the rules checks that every stdnum module they name exists, from its file: no country's
    package is imported until its check runs (it answers as importlib's spec lookup does)."""
    code = (
        "import sys, importlib.util; from metascan.detect.validators import _stdnum_has;"
        "names = ['pt.nif', 'se.personnummer', 'cn.ric', 'mx.curp', 'pt', 'no.such_module', 'pt.nothing'];"
        "print([_stdnum_has(n) for n in names]);"
        "print(sorted(m for m in sys.modules if m.startswith(('stdnum.pt', 'stdnum.se', 'stdnum.mx'))));"
        "print([importlib.util.find_spec('stdnum.' + n) is not None for n in names])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    has, imported, spec = out.splitlines()
    assert has == spec == "[True, True, True, True, True, False, False]"
    assert imported == "[]"


def test_every_row_names_its_country_and_document() -> None:
    rows = [r for r in RULES if r.file == "patterns/identifiers.toml"]
    assert len(rows) > 100
    assert all(r.country and r.document for r in rows)
    assert len({r.country for r in rows}) >= 60


def test_a_generic_national_id_key_leaves_a_country_shaped_value_to_that_country() -> None:
    # PERSONNR is Sweden's word: a personnummer's shape is checked by Sweden's rule, whose Luhn digit decides
    assert found("850315-1238", key="PERSONNR") == [("se-personnummer", "850315-1238")]
    assert found("850315-1230", key="PERSONNR") == []
    # a key that names no country's number: the generic rule reports what its key names
    assert found("850315-1230", key="NationalID") == [("national-id-keyed", "850315-1230")]


def test_a_comment_line_over_an_assignment_names_its_value() -> None:
    assert found("# 個人番号\nEMPLOYEE_NO=6214 9832 0257") == [("jp-in", "6214 9832 0257")]
    assert found("# 個人番号\n\nEMPLOYEE_NO=6214 9832 0257") == []  # (not a line further)
    assert found("# 個人番号\necho 6214 9832 0257") == []  # (a line that assigns nothing)
