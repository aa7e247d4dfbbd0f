"""How keys are spelled for keyed rules (`key_text`), and what encloses a key (`parent_of`,
`key_words_at`)."""

from __future__ import annotations

import bisect
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metascan.detect.textctx import TextContext, _csv_pairs, _enclosing_braces, _innermost_brace, key_text
from metascan.model import FieldKind


@pytest.mark.parametrize(
    ("key", "spelled"),
    [
        ("DB_PASSWORD", "db_password"),
        ("dbPassword", "db_password"),
        ("db-password", "db_password"),
        ("spring.datasource.password", "spring_datasource_password"),
        ("X-API-Key", "x_api_key"),
        ("APIKey", "api_key"),
        ("1passwordToken", "1_password_token"),
        ("facebookClientAccessToken", "facebook_client_access_token"),
        ("Reisepass", "reisepass"),
        ("/en/docs/creating-a-strong-password", ""),
        ("https://example.net/password", ""),
    ],
)
def test_key_text(key: str, spelled: str) -> None:
    assert key_text(key) == spelled


def _pair(ctx: TextContext, value: str) -> tuple[str, set[str]]:
    start = ctx.text.index(value)
    pair = ctx.pair_at(start, start + len(value))
    assert pair is not None and pair.value == value
    return pair.key, ctx.key_words_at(start, start + len(value))


def test_a_yaml_key_is_known_with_its_parent() -> None:
    text = "services:\n  billing:\n    database:\n      host: db.internal\n      password: Kq7Wm2Lp9Xv4\n"
    ctx = TextContext(text, FieldKind.SCRIPT)
    key, context = _pair(ctx, "Kq7Wm2Lp9Xv4")
    assert key == "password"
    assert context == {"password", "database"}  # the nearest enclosing key, not the whole path


def test_a_yaml_list_item_and_a_block_scalar_have_their_parents() -> None:
    text = "env:\n- name: LOG_LEVEL\n  value: info\nfiles:\n  content: |\n    TOKEN=Zr8Kq2Lm5Xv9\n"
    ctx = TextContext(text, FieldKind.SCRIPT)
    assert _pair(ctx, "info") == ("log_level", {"log", "level", "env"})
    assert _pair(ctx, "Zr8Kq2Lm5Xv9") == ("token", {"token", "content"})


def test_an_ini_or_toml_section_encloses_its_keys() -> None:
    text = "[client]\nuser = backup\npassword = Hb6Nc3Vd8Mz1\n\n[mysqldump]\nquick = true\n"
    ctx = TextContext(text, FieldKind.SCRIPT)
    assert _pair(ctx, "Hb6Nc3Vd8Mz1")[1] == {"password", "client"}
    assert _pair(ctx, "true")[1] == {"quick", "mysqldump"}


def test_json_and_hcl_blocks_enclose_their_keys() -> None:
    text = '{\n  "stripe": {\n    "key": "Wq3Xr7Lm2Kp9Vt5Nz8Bc4Hd6"\n  }\n}\n'
    ctx = TextContext(text, FieldKind.SCRIPT)
    assert _pair(ctx, "Wq3Xr7Lm2Kp9Vt5Nz8Bc4Hd6") == ("key", {"key", "stripe"})
    hcl = 'variable "db_password" {\n  type    = string\n  default = "Kd8Ff2Gh5Lp"\n}\n'
    ctx = TextContext(hcl, FieldKind.SCRIPT)
    # a slot key takes the name of its block, so keyed rules see db_password_default
    assert _pair(ctx, "Kd8Ff2Gh5Lp") == ("db_password_default", {"default", "db", "password"})


def test_a_key_in_a_shell_block_has_no_yaml_parent() -> None:
    text = 'if [ -n "$X" ]; then\n  export API_TOKEN=Tn4Rb7Yd1Hc6Fs0Gj5Qa3Wx8\nfi\n'
    ctx = TextContext(text, FieldKind.SCRIPT)
    assert _pair(ctx, "Tn4Rb7Yd1Hc6Fs0Gj5Qa3Wx8") == ("api_token", {"api", "token"})


def test_a_value_named_by_its_sibling_is_named_once() -> None:
    text = '[{"name": "DB_PASSWORD", "value": "Pw3Ks8Ld2Mf"}, {"Name": "REGION", "Value": "eu-west-1"}]'
    ctx = TextContext(text, FieldKind.SCRIPT)
    named = {p.value: p.key for p in ctx.pairs}
    assert named["Pw3Ks8Ld2Mf"] == "db_password"
    assert named["eu-west-1"] == "region"
    assert [p.value for p in ctx.pairs].count("Pw3Ks8Ld2Mf") == 1


def test_numbers_are_no_keys() -> None:
    ctx = TextContext("10: ten\n2024-01-01: launch\nretries: 3\n", FieldKind.SCRIPT)
    assert [p.key for p in ctx.pairs] == ["retries"]


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="{}x\n", max_size=60), st.data())
def test_the_innermost_brace_is_found_through_the_braces_around_it(text: str, data: st.DataObject) -> None:
    """Walking up through enclosing braces finds what a walk back over every `{` before the key finds: the
    last `{` before it that is not closed before it (braces never closed included)."""
    opens, closes, parents = _enclosing_braces(text)
    at = data.draw(st.integers(0, len(text)))
    i = bisect.bisect_left(opens, at) - 1
    while i >= 0 and closes[i] < at:
        i -= 1
    assert _innermost_brace(opens, closes, parents, at) == i


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="ab\n\r", max_size=40))
def test_line_starts_are_one_past_each_line_break(text: str) -> None:
    assert TextContext(text, FieldKind.SCRIPT)._line_starts == [0] + [
        i + 1 for i, c in enumerate(text) if c == "\n"
    ]


# Delimited tables: each field is keyed by its column's name.
_CSV = (
    "cat > /opt/app/fixtures/applicants.csv <<'EOF'\n"
    "state,dl_number,passport,dob\n"
    'CA,E0948475,"540 614 159",11/04/2002\n'
    "NY,E0948476,,12/05/1990\n"
    "EOF\n"
    "country,national_id,passport\n"
    "SG,S8273915G,\n"
    "CN,110105198204173217,E71930528\n"
    '$csv = @"\n'
    "  codice_fiscale;iban;indirizzo\n"
    '  PVLTMR48P56G273R;IT31X0483412658905599833938;"Corso Vittorio Emanuele II 195, 20121 Milano"\n'
    '"@\n'
)


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("E0948475", "dl_number"),
        ("540 614 159", "passport"),  # quoted: the value inside the quotes
        ("12/05/1990", "dob"),  # a later row, after an empty field
        ("IT31X0483412658905599833938", "iban"),  # semicolons, indented
        ("Corso Vittorio Emanuele II 195, 20121 Milano", "indirizzo"),  # a delimiter inside quotes
        ("S8273915G", "national_id"),  # a row whose last field is empty (a delimiter ends the line)
        ("E71930528", "passport"),  # and the row after it
    ],
)
def test_a_table_field_is_keyed_by_its_column(value: str, key: str) -> None:
    ctx = TextContext(_CSV, FieldKind.SCRIPT)
    assert _pair(ctx, value)[0] == key


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Restart the service, then check the logs\nwait 5 minutes, then retry\n", "then retry"),  # prose
        ("a,b,c\n1,2\n", "2"),  # a row with another number of fields: no table
        ("echo a,b\n1,2\n", "2"),  # a command, not a header
    ],
)
def test_no_table_without_a_header_and_rows_of_its_width(text: str, value: str) -> None:
    ctx = TextContext(text, FieldKind.SCRIPT)
    start = text.rindex(value)
    assert ctx.pair_at(start, start + len(value)) is None


@pytest.mark.parametrize(
    "row",
    [
        " " * 8000 + '"',  # blanks, then a quote that opens nothing
        ("x" * 40 + " ") * 190 + '"',  # words and blanks up to the longest row, then a stray quote
        "," * 4000,  # a row of empty fields
    ],
)
def test_a_hostile_row_costs_one_pass(row: str) -> None:
    """A table's fields are matched without giving characters back: a long row of blanks or a stray quote
    is read in one pass (a lazy field pattern tried every length: quadratic in the row's length)."""
    text = "a,b\n" + row + "\n"
    cpu = time.process_time()
    for _ in range(20):
        list(_csv_pairs(text))
    assert time.process_time() - cpu < 0.5


def test_a_header_of_names_with_blanks_keys_its_rows() -> None:
    # (spreadsheets export `Date of birth` and `DNI / NIE`; three columns or another delimiter than a comma)
    text = "Nombre y apellidos;DNI / NIE;fecha de nacimiento\nConcha Ferrer Vidal;48217593W;03/05/1981\n"
    ctx = TextContext(text, FieldKind.SCRIPT)
    assert _pair(ctx, "48217593W")[0] == "dni_nie"
    assert _pair(ctx, "03/05/1981")[0] == "fecha_de_nacimiento"
    assert ctx.record_words_at(text.index("Concha"), text.index(";48217593W")) >= {
        "nombre",
        "dni",
        "nie",
        "fecha",
    }


def test_the_record_of_a_json_value_is_its_object_s_keys() -> None:
    text = '{"name": "Oana Marinescu", "tier": "gold", "contact": {"dob": "x"}}'
    ctx = TextContext(text, FieldKind.TEXT)
    start = text.index("Oana")
    # (the keys of its own object's values, not those of an object inside it)
    assert ctx.record_words_at(start, start + len("Oana Marinescu")) == {"name", "tier"}


@pytest.mark.parametrize(
    ("text", "value", "key"),
    [
        ("host|user|password\ndb1|app|Tq7vLm2pR9zWx4\n", "Tq7vLm2pR9zWx4", "password"),  # pipes
        (  # a Markdown table, indented, with its rule line and a value in backticks
            "  | Service | Compte | Mot de passe |\n"
            "  |---|:---:|---|\n"
            "  | Redis | default | `Tq7vLm2pR9zWx4` |\n",
            "`Tq7vLm2pR9zWx4`",
            "mot_de_passe",
        ),
    ],
)
def test_pipe_tables_and_markdown_tables_key_their_fields(text: str, value: str, key: str) -> None:
    ctx = TextContext(text, FieldKind.SCRIPT)
    assert _pair(ctx, value)[0] == key
