"""The assignment forms of `textctx` find exactly what their alternation, matching overlapped, finds.

`_assignments` runs one pattern per syntax (a speed-up); this file builds the alternation it replaced from the
same forms, in the same order, as the reference, and compares the two on generated texts built from the
characters and words the forms care about: what is checked is the merging (the first form that matches at a
position wins; a value already named by an assignment that starts earlier, or named by a number, is not
named) and that each form's literals are needed for it to match.
"""

from __future__ import annotations

import contextlib
import time
from unittest import mock

import pytest
import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from metascan.detect import keystarts
from metascan.detect.textctx import (
    _ASSIGN_FORMS,
    _FORM_GATES,
    _FORM_LITERALS,
    _GENERAL,
    _GENERAL_STARTS,
    _KEY_OF,
    _NUMBER,
    _SECRET_COLON,
    _VALUE_BEFORE_KEY,
    _YAML_CUTS,
    Pair,
    _assignments,
    _general,
    _secret_colon,
    _yaml_plain_end,
)
from metascan.model import FieldKind

_REFERENCE = regex.compile("|".join(f"(?:{form.pattern})" for _, form in _ASSIGN_FORMS), regex.VERBOSE)


def _reference(text: str) -> list[Pair]:
    out = []
    values = set()
    for m in _REFERENCE.finditer(text, overlapped=True):
        g = m.lastgroup
        g = _VALUE_BEFORE_KEY.get(g, g)
        assert g in _KEY_OF
        key = _KEY_OF[g]
        span = m.span(g)
        if (
            g == "uv" and text[span[1] : span[1] + 1] in _YAML_CUTS
        ):  # (a YAML plain scalar: `_yaml_plain_end`)
            span = (span[0], _yaml_plain_end(text, m.start(key), m.end(key), span))
        if span in values or _NUMBER.fullmatch(m.group(key)):
            continue
        values.add(span)
        out.append(Pair(m.group(key), span[0], span[1], text[span[0] : span[1]], m.start(key)))
    return out


_ATOMS = [
    "export ", "set ", "setx ", "$env:", "$", "KEY", "db_pass", "a.b-c", "x" * 105, "=", ":=", ": ", ":",
    " ", "\t", "\n", '"', "'", "`", "\\", "--", "--flag ", "--x=", "-", "<Key>", "</Key>", "<a>", "</a>",
    "value", "Pa$$w0rd!", "{", "}", "[", "]", ";", "&", ",", "|", "/", "@", ".", "0123", "-1.5", "é",
    "SetEnvironmentVariable(", "environ[", "]", '"k"', "'v'", "=value", 'setx DB "v"',
    "1pw", "var ", "const ", " string", "?=", "::=", ".=", "=>", "==", "//", "-Key ", "getenv(", "define(",
    "System.setProperty(", "ENV ", "ARG ", "name: ", "Value=", "- name: X\n  value: ", "<add key=", " value=",
    "<entry name='k'>", "</entry>", "  ", ": |", "\\n", '\\"', "@", "(", ")",
    "token:", "Key:", "NetworkCredential(", "SetBasicAuth(", "-D", "// ", "--$",
    "\x1c", "\x0b", "\r", "\f", "!", "?", "+", "a1_", " " * 257, "${", ":-", ":?",
    "echo ", "echo -n ", "printf '%s' ", " > ", ">> /etc/", "| sudo tee ", "| tee -a ", ".vault-token",
    "npm config set ", "git config --global ", "//r.io/:_authToken ", "configure ",
    "reg add HKLM\\X /v ", " /d ", "Set-ItemProperty -Path X -Name ", " -Value ",
    "--name /p/db_password ", "--value ", " --type SecureString", " \\\n  ",
    "HTTP_Passwd ", "rootpw ", "passwd ", "<<< '", "echo '", "Password ", "bindpw ", "auth_pass ",
    "xauth_pass ",
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_ATOMS), max_size=40).map("".join))
def test_forms_find_what_the_alternation_finds(text: str) -> None:
    assert list(_assignments(text, 5.0)) == _reference(text)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_ATOMS), max_size=40).map("".join))
def test_one_pass_finds_the_forms_whose_literals_occur(text: str) -> None:
    """A text learns which forms' literals occur from one Hyperscan pass (`keystarts.literals_present`), not
    a substring search per literal; without Hyperscan, from those searches: the same forms either way."""
    present = keystarts.literals_present(text, _FORM_LITERALS)
    assert present == {i for i, literals in enumerate(_FORM_LITERALS) if any(w in text for w in literals)}
    with mock.patch("metascan.detect.keystarts.hyperscan", None):
        assert keystarts.literals_present(text, _FORM_LITERALS) is None
        assert list(_assignments(text, 5.0)) == _reference(text)  # (the pass itself: the test above)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from([a for a in _ATOMS if a.isascii()]), max_size=40).map("".join))
def test_the_general_form_in_ascii_text_matches_where_an_overlapped_search_does(text: str) -> None:
    """`_general` finds the places where a key may start with the standard library's engine (white space
    there includes \\x1c-\\x1f, which `regex` does not count: a superset) and matches the form at each."""
    form = _ASSIGN_FORMS[_GENERAL][1]
    expected = [(m.span(), m.groups()) for m in form.finditer(text, overlapped=True)]
    assert [(m.span(), m.groups()) for m in _general(text, form, time.monotonic() + 60)] == expected
    # Hyperscan's places (keystarts) and the standard library's (the fallback without the package) are both
    # supersets of where the form matches (the two count different white space: \x1c-\x1f), with the same
    # matches.
    starts = {span[0] for span, _ in expected}
    places = keystarts.starts(text)
    assert places is not None and set(places) >= starts
    assert {m.start() for m in _GENERAL_STARTS.finditer(text)} >= starts
    with mock.patch.object(keystarts, "hyperscan", None):
        assert keystarts.starts(text) is None
        assert [(m.span(), m.groups()) for m in _general(text, form, time.monotonic() + 60)] == expected


_COLON_ATOMS = [
    "token:", "Token:", "TOKEN:", "key:", "api_key:", "x-api-key:", "authToken:", "secret:", "pass:", "pwd:",
    "passwd:", "password:", "auth:", ":", "-", "_", ".", "@", "/", " ", "\n", '"', "abcdefgh12345678", "v",
    "k" * 30, "KEY", "=", "tok", "en:", "x", "${", "}", "-", "?",
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_COLON_ATOMS), max_size=30).map("".join))
@example("@token:abcdefgh12345678 /key:abcdefgh12345678 .pass:abcdefgh12345678 :auth:abcdefgh12345678")
@example(" " + "k" * 60 + "password:abcdefgh12345678 " + "k" * 61 + "password:abcdefgh12345678")
@example("x-api-key:abcdefgh12345678\n-token:abcdefgh12345678 a-b_c-secret:abcdefgh12345678")
def test_the_secret_colon_form_in_ascii_text_matches_where_an_overlapped_search_does(text: str) -> None:
    """Tried only at the start of the key before a colon that follows one of the form's words."""
    form = _ASSIGN_FORMS[_SECRET_COLON][1]
    expected = [(m.span(), m.groups()) for m in form.finditer(text, overlapped=True)]
    found = _secret_colon(text, form, time.monotonic() + 60)
    assert [(m.span(), m.groups()) for m in found] == expected


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_ATOMS), max_size=40).map("".join))
@example("- name: DB_PASSWORD\n  value: 'x'")
@example('{ "k", "v" }')
@example("if ('Xq7vLm2pR9zK' != $db_pass)")
@example("FROM x\n  ENV TOKEN abc")
def test_a_form_s_gate_passes_every_text_the_form_matches(text: str) -> None:
    """A gate is what every match of its form holds: where the form matches, the gate does too."""
    assert len(_FORM_GATES) == 4
    for rank, gate in _FORM_GATES.items():
        if any(True for _ in _ASSIGN_FORMS[rank][1].finditer(text, overlapped=True)):
            assert gate.search(text), rank


def test_the_general_form_gives_up_past_its_deadline() -> None:
    form = _ASSIGN_FORMS[_GENERAL][1]
    with pytest.raises(TimeoutError):
        list(_general("a=1 " * 100, form, 0.0))


def test_a_yaml_plain_scalar_runs_to_the_end_of_its_line() -> None:
    """In YAML, `&`, `;` and `,` inside a plain scalar are part of it (`&` starts an anchor only first)."""
    text = "Parameters:\n  Db:\n    MasterUserPassword: 9nde&9syxo;Aw,uK  # set by ops\n  url: a?b=1&c=2\n"
    found = {p.key: p.value for p in _assignments(text, 5.0)}
    assert found["MasterUserPassword"] == "9nde&9syxo;Aw,uK"
    assert found["url"] == "a?b=1&c=2"
    assert found["c"] == "2"  # (the query's own pairs are still there)
    shell = "DB_PASSWORD=abc&def\necho password: x; y\n"
    found = {p.key: p.value for p in _assignments(shell, 5.0)}
    assert found["DB_PASSWORD"] == "abc"  # (not YAML: the general form's value)


def test_a_typical_script() -> None:
    text = (
        '#!/bin/bash\nexport DB_PASSWORD="s3cr3t"\nAPI_KEY=abc123 ./run --token=xyz --name "a b"\n'
        '{"password": "hunter2", "port": 5432}\n<Password>pw</Password>\nsetx TOKEN "t0k" /M\n'
        "[System.Environment]::SetEnvironmentVariable('K', 'v', 'Machine')\nos.environ['S'] = 'x'\n"
    )
    found = list(_assignments(text, 5.0))
    assert found == _reference(text)
    keys = {"DB_PASSWORD", "API_KEY", "token", "password", "Password", "TOKEN", "K", "S"}
    assert {p.key for p in found} >= keys


def test_an_empty_assignment_does_not_take_the_next_line() -> None:
    """`DB_PASSWORD=` alone on its line (a .env or .properties file) is empty: the next line is no value."""
    text = "DB_PASSWORD=\nDB_HOST=db.internal\nsonar.jdbc.password=\napi.key=\nuserpass=\nConnect to it\n"
    found = [(p.key, p.value) for p in _assignments(text, 5.0)]
    assert found == [("DB_HOST", "db.internal")]
    # a quoted value may follow on the next line (hand-written JSON)
    assert [(p.key, p.value) for p in _assignments('{"password":\n  "Xk9mP2vL8qRt"}', 5.0)] == [
        ("password", "Xk9mP2vL8qRt")
    ]


def test_the_name_of_a_name_value_pair_is_not_a_value() -> None:
    """`{"ParameterKey": "DbPassword", "ParameterValue": x}` and tag pairs: the name is the value's key."""
    text = '{"ParameterKey": "ApiToken", "ParameterValue": x}\n{"Key": "aws:cluster:v", "Value": "3.0.0"}\n'
    found = [(p.key, p.value) for p in _assignments(text, 5.0)]
    assert found == [("ApiToken", "x"), ("aws:cluster:v", "3.0.0")]


def test_a_yaml_block_indicator_is_not_the_value() -> None:
    """`password: |` then an indented line: the line is the value, as for `password: >-`."""
    for indicator in ("|", "|-", ">-", "|2"):
        text = f"password: {indicator}\n  Xk9mP2vL8qRt\nhost: db\n"
        found = [(p.key, p.value) for p in _assignments(text, 5.0)]
        assert ("password", "Xk9mP2vL8qRt") in found and ("password", indicator) not in found, indicator


def test_a_yaml_core_tag_is_not_the_value() -> None:
    """`password: !!str 4815162342` assigns 4815162342 (YAML's string tag), `!!binary` its base64."""
    text = "password: !!str 4815162342\ndb_password: !!binary UW03dlQyeEw5cFI0d1o4bg==\nimage: !!str v1\n"
    found = [(p.key, p.value) for p in _assignments(text, 5.0)]
    assert found == [("password", "4815162342"), ("db_password", "UW03dlQyeEw5cFI0d1o4bg=="), ("image", "v1")]


def test_xml_attributes_name_the_value_attribute() -> None:
    """`<Parameter Name="K" Value="V"/>` and `<add key="K" value="V"/>` (.NET configuration, Ant, Maven):
    the quoted name attribute names the value attribute that follows it after blanks."""
    text = (
        '<Parameter Name="DbPassword" Value="Xq7vLm2pR9zK" />\n'
        "<add key='ApiToken' value='Pz4nW8cT1bQe'/>\n"
    )
    found = [(p.key, p.value) for p in _assignments(text, 5.0)]
    assert ("DbPassword", "Xq7vLm2pR9zK") in found and ("ApiToken", "Pz4nW8cT1bQe") in found
    # an unquoted name still needs its separator: `name=x value=y` on one line is two assignments
    assert ("x", "y") not in [(p.key, p.value) for p in _assignments("name=x value=y", 5.0)]


def test_a_shell_parameter_s_default_is_its_value_and_its_error_message_is_not() -> None:
    """`${DB_PASSWORD:-v}` and `${DB_PASSWORD:=v}` give DB_PASSWORD the value v when it is unset: v is
    written in the script.  `${DB_PASSWORD:?msg}` prints msg when it is unset: msg is no value."""
    text = 'DB_PASSWORD="${DB_PASSWORD:-Xq7vLm2pR9zK}"\n: "${API_TOKEN:=Pz4nW8cT1bQe}"\n'
    found = [(p.key, p.value) for p in _assignments(text, 5.0)]
    assert ("DB_PASSWORD", "Xq7vLm2pR9zK") in found and ("API_TOKEN", "Pz4nW8cT1bQe") in found
    assert not any(v.startswith(("-", "=")) for _, v in found)
    text = "DB_PASSWORD=${DB_PASSWORD:?set-it-in-the-environment}\nexport AUTH_TOKEN=${AUTH_TOKEN:?}"
    assert [v for _, v in ((p.key, p.value) for p in _assignments(text, 5.0)) if "set" in v] == []
    assert [p.value for p in _assignments("x=${HOST:-${FALLBACK}}", 5.0)] == ["$"]


def test_a_literal_compared_with_a_name_is_that_name_s_value() -> None:
    """`"v" == password` (the literal first) names its value as `password == "v"` does."""
    for text in ('if ("Xq7vLm2pR9zK" === password) {', "if ('Xq7vLm2pR9zK' != $db_pass) exit 1"):
        found = [(p.key, p.value) for p in _assignments(text, 5.0)]
        assert ("password" if "password" in text else "db_pass", "Xq7vLm2pR9zK") in found
    assert [p.key for p in _assignments('if ("Xq7vLm2pR9zK" == check(password)) {', 5.0)] == []


def test_a_literal_written_to_a_file_is_the_value_of_the_file_s_name() -> None:
    """`echo 'v' > /etc/app/db_password`, `printf '%s' v | sudo tee .../token`: the file's name is the key."""
    cases = {
        "echo 'Xq7vLm2pR9zK' > /etc/app/db_password": ("db_password", "Xq7vLm2pR9zK"),
        'echo -n "Xq7vLm2" >> "/root/.vault-token"': (".vault-token", "Xq7vLm2"),
        "printf '%s' Xq7vLm2pR9zK | sudo tee -a /run/secrets/api_token >/dev/null": (
            "api_token",
            "Xq7vLm2pR9zK",
        ),
        # (a suffix that only says it is a file is left out: `secret-file`, `token.txt`)
        "echo Xq7vLm2pR9zK > db_password.txt": ("db_password", "Xq7vLm2pR9zK"),
        "echo Xq7vLm2pR9zK > secret-file": ("secret", "Xq7vLm2pR9zK"),
        'echo "Xq7vLm2pR9zK" > /etc/zabbix/agent.psk': ("agent.psk", "Xq7vLm2pR9zK"),  # (not `echo "..."`)
    }
    for text, pair in cases.items():
        assert pair in [(p.key, p.value) for p in _assignments(text, 5.0)], text
    for text in (
        "echo one two > /etc/app/db_password",  # not one value
        "echo 'password requisite pam_pwquality.so' >> /etc/pam.d/common-password",  # a line of configuration
        "echo x > /etc/app/db_password/",  # a directory
        "echo 'Xq7vLm2pR9zK' >&2",  # a stream, no file
        "echo 'Xq7vLm2pR9zK' | base64 -d > /etc/app/db_password",  # not the literal that is written
    ):
        assert [p.key for p in _assignments(text, 5.0) if "password" in p.key] == [], text


def test_a_registry_value_is_the_value_of_its_name() -> None:
    """`reg add ... /v NAME /d VALUE` and `Set-ItemProperty ... -Name NAME -Value VALUE` (Windows autologon's
    DefaultPassword, as Windows user data sets it)."""
    cases = {
        'reg add "HKLM\\SOFTWARE\\X\\Winlogon" /v DefaultPassword /t REG_SZ /d "Xq7 vLm2" /f': (
            "DefaultPassword",
            "Xq7 vLm2",
        ),
        "Set-ItemProperty -Path 'HKLM:\\X\\Winlogon' -Name DefaultPassword -Value 'Xq7vLm2'": (
            "DefaultPassword",
            "Xq7vLm2",
        ),
        "New-ItemProperty -Path $p -Name AutoAdminLogon -Value 1 -PropertyType String": (
            "AutoAdminLogon",
            "1",
        ),
    }
    for text, pair in cases.items():
        assert pair in [(p.key, p.value) for p in _assignments(text, 5.0)], text


def test_a_command_s_name_flag_names_its_value_flag() -> None:
    """`aws ssm put-parameter --name /prod/db/password ... --value V`: the last segment of the name is the key
    (a path is no key), over continued lines too."""
    text = "aws ssm put-parameter \\\n  --name /prod/db/password \\\n  --type SecureString \\\n"
    text += "  --value 'Xq7vLm2pR9'"
    assert ("password", "Xq7vLm2pR9") in [(p.key, p.value) for p in _assignments(text, 5.0)]
    text = "aws ssm put-parameter --name /prod/db/password --value Xq7vLm2pR9 --type SecureString"
    assert ("password", "Xq7vLm2pR9") in [(p.key, p.value) for p in _assignments(text, 5.0)]


def test_a_tool_s_config_set_names_its_value() -> None:
    """`npm config set KEY VALUE` and its kin: the setting's name is the key (an npm registry's `//host/:`
    prefix is not part of it)."""
    cases = {
        "npm config set //registry.npmjs.org/:_authToken Xq7vLm2pR9zK": ("_authToken", "Xq7vLm2pR9zK"),
        "yarn config set npmAuthToken 'Xq7vLm2pR9zK'": ("npmAuthToken", "Xq7vLm2pR9zK"),
        "poetry config pypi-token.pypi Xq7vLm2pR9zK": ("pypi-token.pypi", "Xq7vLm2pR9zK"),
        'git config --global --set http.extraheader "X: y"': ("http.extraheader", "X: y"),
    }
    for text, pair in cases.items():
        assert pair in [(p.key, p.value) for p in _assignments(text, 5.0)], text
    assert [p.key for p in _assignments("npm config get //registry.npmjs.org/:_authToken", 5.0)] == []


def test_a_password_line_of_a_config_file_names_its_value() -> None:
    """`KEY VALUE` lines with a password word ending the key (Fluent Bit's `HTTP_Passwd`, msmtp's `password`,
    slapd's `rootpw`), also echoed or here-stringed; commands such as `passwd USER` and prose are not."""
    cases = {
        "[OUTPUT]\n    Name es\n    HTTP_Passwd  Xq7vLm2pR9zK\n": ("HTTP_Passwd", "Xq7vLm2pR9zK"),
        "echo 'password Xq7vLm2pR9zK' >> ~/.msmtprc": ("password", "Xq7vLm2pR9zK"),
        "sudo tee -a /etc/x.conf <<< 'tls.key_passwd Xq7vLm2pR9zK'": ("tls.key_passwd", "Xq7vLm2pR9zK"),
        "rootpw Xq7vLm2pR9zK": ("rootpw", "Xq7vLm2pR9zK"),
        "binddn cn=nslcd,dc=corp\nbindpw 9V%jbf!GSXv7zQUn_\n": ("bindpw", "9V%jbf!GSXv7zQUn_"),
        "authentication {\n    auth_type PASS\n    auth_pass YF5wQzOt\n": ("auth_pass", "YF5wQzOt"),
    }
    for text, pair in cases.items():
        assert pair in [(p.key, p.value) for p in _assignments(text, 5.0)], text
    for text in (
        "passwd ec2-user",
        "smbpasswd -a jdoe",
        "password required pam_unix.so",
        "Password rotation-2024",
        "HTTP_Passwd ${ES_PASSWORD}",
        "db_password secret",
        "    proxy_pass http://127.0.0.1:8080;",
    ):
        assert [(p.key, p.value) for p in _assignments(text, 5.0)] == [], text


@pytest.mark.parametrize(
    "text",
    [
        ("KEY" + " " * 256 + '"\n')
        * 2000,  # blanks up to the limit, a quote that opens no value: slow matches
        "KEY" + " " * 200_000 + '"\n',  # a longer run: each match is limited by regex itself
        "a=" * 50_000,  # every key's value runs on for 4,000 characters
    ],
    ids=["blanks-256", "blanks-200000", "a=a=a"],
)
def test_the_general_form_keeps_the_time_limit_on_hostile_text(text: str) -> None:
    """Its matches are tried without a limit of their own where blanks are short: the deadline, checked
    between matches, still holds (to within one match), and the assignments are then found bounded.

    The work done is measured in CPU time: the deadline is wall-clock time, so on a busy machine (CI on two
    cores) the search stops after less work, never more; without the deadline it takes seconds."""
    form = _ASSIGN_FORMS[_GENERAL][1]
    started, cpu = time.monotonic(), time.process_time()
    with contextlib.suppress(TimeoutError):
        _general(text, form, started + 0.3)
    assert time.process_time() - cpu < 0.6
    from metascan.detect.textctx import TextContext

    ctx = TextContext(text, FieldKind.SCRIPT, limit=0.3)
    cpu = time.process_time()
    with contextlib.suppress(TimeoutError):
        assert ctx.pairs is not None
    assert time.process_time() - cpu < 1.5
