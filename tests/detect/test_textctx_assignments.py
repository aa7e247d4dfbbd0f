"""The assignment forms of `textctx` find exactly what their alternation, matching overlapped, finds.

`_assignments` runs one pattern per syntax (a speed-up); this file keeps the alternation it replaced as the
reference and compares the two on generated texts built from the characters and words the forms care about.
"""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from metascan.detect.textctx import _KEY_OF, Pair, _assignments

_REFERENCE = regex.compile(
    r"""
    (?:
        "(?P<jk>[^"\\\n]{1,100})"\s*:\s*(?:"(?P<jv>(?:[^"\\\n]|\\.){0,4000})"|(?P<jn>-?\d[\d.]*))
      | <(?P<xk>[A-Za-z_][\w.-]{0,60})>(?P<xv>[^<>\n]{1,1000})</(?P=xk)>
      | (?<![\w$.@/-])(?:export\s+|set\s+|setx\s+|\$env:|\$)?(?P<k>[A-Za-z_][\w.-]{0,100}?)
        \s*(?P<op>:=|=|:(?=[ \t])|\s(?=[ \t]*"))\s*
        (?:"(?P<dv>[^"\n]{0,4000})"|'(?P<sv>[^'\n]{0,4000})'|(?P<uv>[^\s'"`;&,{}\[\]<>]{1,4000}))
      | (?<![\w-])--(?P<fk>[A-Za-z][\w-]{1,60})(?:=|[ \t]+)
        (?:"(?P<fdv>[^"\n]{0,4000})"|'(?P<fsv>[^'\n]{0,4000})'|(?P<fuv>[^\s'"`;&|-][^\s'"`;&|]{0,4000}))
      | SetEnvironmentVariable\(\s*["'](?P<ck>[^"'\n]{1,100})["']\s*,\s*["'](?P<cv>[^"'\n]{0,4000})["']
      | \benviron\[\s*["'](?P<ek>[^"'\n]{1,100})["']\s*\]\s*=\s*["'](?P<ev>[^"'\n]{0,4000})["']
      | \bsetx\s+(?P<sk>[A-Za-z_]\w{0,100})\s+(?:"(?P<sdv>[^"\n]{0,4000})"|(?P<suv>[^\s"/]{1,4000}))
    )
    """,
    regex.VERBOSE,
)
_VALUE_GROUPS = ("jv", "jn", "xv", "dv", "sv", "uv", "fdv", "fsv", "fuv", "cv", "ev", "sdv", "suv")


def _reference(text: str) -> list[Pair]:
    out = []
    for m in _REFERENCE.finditer(text, overlapped=True):
        g = next(g for g in _VALUE_GROUPS if m.group(g) is not None)
        out.append(Pair(m.group(_KEY_OF[g]), m.start(g), m.end(g), m.group(g)))
    return out


_ATOMS = [
    "export ", "set ", "setx ", "$env:", "$", "KEY", "db_pass", "a.b-c", "x" * 105, "=", ":=", ": ", ":",
    " ", "\t", "\n", '"', "'", "`", "\\", "--", "--flag ", "--x=", "-", "<Key>", "</Key>", "<a>", "</a>",
    "value", "Pa$$w0rd!", "{", "}", "[", "]", ";", "&", ",", "|", "/", "@", ".", "0123", "-1.5", "é",
    "SetEnvironmentVariable(", "environ[", "]", '"k"', "'v'", "=value", 'setx DB "v"',
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_ATOMS), max_size=40).map("".join))
def test_forms_find_what_the_alternation_finds(text: str) -> None:
    assert list(_assignments(text, 5.0)) == _reference(text)


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
