"""What a detector may ask about the text around a candidate: its line, the key it is assigned to, the words
near it, and whether it sits inside AWS structure (an ARN's account field, a resource id, a UUID, an IP,
a date).  Everything is computed lazily, once per text, and only when a rule asks.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
import time
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any, Generic, NamedTuple, TypeVar, overload

import regex

from ..model import FieldKind
from . import keystarts


def reversed_framed(text: str) -> bytes:
    """What a shape or gate database reads of an ASCII text: its bytes reversed (a match's end in them is
    where it starts in the text), with a newline at each end: what the translation takes for the edges of
    the text (its lookarounds at the start and end became consumed context that may be the text's edge)."""
    return b"\n" + text.encode("ascii")[::-1] + b"\n"


# A key that starts its line and the start of its value (`KEY=`, `export KEY="`, `key: `, `$env:KEY = '`), and
# the marker of a comment line of shell, YAML, INI, PowerShell, batch, SQL and C-like languages.
_LINE_KEY = regex.compile(
    r"[ \t]*(?:(?i:export|set|setx|declare|readonly|local)[ \t]+|-[ \t]+|\$env:|\$)?"
    r"[\w.-]{1,64}[ \t]*(?::=|[=:])[ \t]*[\"']?"
)
_COMMENT_LINE = regex.compile(r"[ \t]*(?:#|//|;|--|::|(?i:rem)(?=\s))[ \t]*(?=\S)")


class Pair(NamedTuple):
    """A value assigned to a key: `KEY=value`, `key: value`, `"key": "value"`, `--key value`, a tag.

    A named tuple, not a dataclass: a script has hundreds of assignments and tuples are built 3x faster.
    """

    key: str
    start: int  # span of the value (without quotes)
    end: int
    value: str
    at: int = -1  # where the key starts in the text (-1: not in the text, e.g. a tag's key)
    parent: str | None = None  # what encloses the key when no position says it (an SQL row's table)
    record: str | None = None  # the names of the fields of the value's record (a table's columns)


# Assignments in scripts, YAML, JSON, INI, .env, PowerShell, URLs, connection strings, XML and source code:
# one pattern per syntax, each with literals one of which must occur for it to match (none: no such literal).
# `_assignments` runs them one by one with overlapped matching and keeps, at each start position, the first
# form that matches there: exactly the matches of their alternation
# (tests/detect/test_textctx_assignments.py), in half the time, as forms whose literal is absent are skipped
# and `regex` no longer tries every form at every position.  Speed: every repetition is bounded, a key is a
# run of [\w.-] that an operator must follow (so a possessive `{0,100}+` matches what a lazy `{0,100}?` would,
# without the retries), and no form has two unbounded parts that can match the same characters, so each form
# is linear in the text.  A lookahead for what must follow a key (an operator; a colon after a run of word
# characters) lets a form give up at a word that is no key before it tries its alternatives.
#
# The forms, each written from its format's documentation:
# - quoted keys: JSON `"k": "v"`, Python/JS dicts `'k': 'v'`, PHP/Ruby/Perl `'k' => 'v'`, PowerShell
#   hashtables and HCL maps `"k" = "v"`;
# - `<add key="k" value="v"/>` (.NET appSettings), `<property name="k" value="v"/>` (Spring, Ant),
#   `<entry key="k">v</entry>` (Java XML properties), and XML elements `<k>v</k>` (with attributes, the value
#   trimmed of the white space around it);
# - `k=v`, `k: v`, `k:'v'`, `k := v` (Go), `k ::= v`, `k ?= v`, `k += v` (make), `$k .= v` (PHP), `k => v`
#   (Ruby, Perl, Puppet), `var k string = v` (Go), `k: T = v` (TypeScript, Python annotations), shell
#   `export`, cmd `set`, PowerShell `$k` and `$env:k`, Java `-Dk=v`; values in double, single or back quotes
#   (Go raw strings, JS templates), JSON-escaped quotes, C# verbatim strings, or bare; keys may start with
#   digits (`1password_token`) and follow a comment marker (`//$key = 'v'`, `-- key = 'v'`); comparisons
#   with a literal (`password == "v"`, also the literal first: `"v" == password`, Yoda conditions);
# - command-line flags `--k v`, `--k=v` and single-dash `-Key v` (PowerShell, Java keytool, Go flags), also
#   dotted (`--spring.datasource.password=v`: Spring Boot's command-line properties);
# - calls that set or read a named value with a literal: `System.setProperty("k", "v")`,
#   `os.Setenv("k", "v")`, `os.getenv("k", "default")`, `define('k', 'v')` (PHP), `headers.set("k", "v")`,
#   `SetEnvironmentVariable("k", "v")`, C# `{ "k", "v" }` initialisers;
# - subscripts `ENV['k'] = 'v'`, `$config['k'] = 'v'`, `os.environ["k"] = "v"`;
# - a secret's name, a colon and the value with no space (`token:abc`, `-H "X-Api-Key:abc"`);
# - credentials in code: `new NetworkCredential("user", "pw")`, `HTTPBasicAuth('user', 'pw')`,
#   `req.SetBasicAuth("user", "pw")`: the callee names the password;
# - `setx K v` (Windows), Dockerfile `ENV K v` / `ARG K v` (the legacy form without `=`);
# - a value named by its sibling: Kubernetes and ECS `name: K` / `value: V`, Elastic Beanstalk
#   `OptionName`/`Value`, CloudFormation `ParameterKey`/`ParameterValue`, XML attributes
#   (`<add key="K" value="V"/>`, `<Parameter Name="K" Value="V"/>`: a quoted name, then blanks);
# - YAML values on the line after their key (`k:\n  'v'`, block scalars `k: |\n  v`);
# - a YAML plain scalar with `&`, `;` or `,` in it (`Password: 9nde&9s;x`), which the general form would cut
#   there: the rest of its line, without a comment (`_yaml_plain_end`);
# - a shell parameter's default (`${DB_PASSWORD:-v}`, `${DB_PASSWORD:=v}`; not the message of `${K:?msg}`).
# - a command's `--name NAME ... --value VALUE` (aws ssm put-parameter: the last segment of a path names it);
# - Windows registry values: `reg add KEY /v NAME /d VALUE`, `Set-ItemProperty -Name NAME -Value VALUE`;
# - a tool's `config set KEY VALUE` (npm, yarn, pip, git, poetry, conda, bundle, composer, gcloud, ...);
# - a line of a configuration file `KEY VALUE` whose key ends in a password word (Fluent Bit's `HTTP_Passwd`,
#   msmtp's `password`, slapd's `rootpw`, nslcd's `bindpw`, keepalived's `auth_pass`), also echoed or
#   here-stringed into a file; the value must hold a
#   character that is neither a letter nor a sentence's punctuation (`password authentication.`), and
#   commands (`passwd USER`, `smbpasswd -a`) and prose (`Password ...`) are not keys;
# - a literal a script writes to a file: `echo 'v' > /etc/app/db_password`, `printf '%s' v | sudo tee
#   /root/.vault-token`: the file's name (without its directory) is the key; a value with blanks is a line
#   of configuration (`echo 'password requisite pam_pwquality.so' >> /etc/pam.d/common-password`), not one.
# A key that names a secret, then a colon and the value without white space (`token:abc`, `X-Api-Key:abc`):
# the literals say that such a key occurs at all (the form runs only then).
SECRET_COLON_LITERALS = tuple(
    dict.fromkeys(
        f"{v}:"
        for w in ("secret", "token", "key", "pass", "passwd", "password", "pwd", "pw", "auth")
        for v in (w, w.upper(), w.capitalize())
    )
)
# A password word ending a key, in the casings a config file writes it: the `KEY VALUE` form runs only then.
PASSWORD_LINE_LITERALS = (
    "asswd", "ASSWD", "assword", "ASSWORD", "pwd", "PWD", "Pwd", "rootpw", "bindpw", "auth_pass", "assphrase",
    "ASSPHRASE"
)  # fmt: skip
# The operator and value of `k=v`-like assignments (the general form and the one after a comment marker).
_OPERATOR = r"""
    \s*(?:(?:===?|!==?)(?=\s*@?["'])                       # a comparison with a literal
      |(?::[ \t]+[A-Za-z_][\w.\[\]<>|]{0,40}[ \t]+(?==(?!=)))?(?::{1,3}=|[?+.]=|=>|=(?!=))   # k: T = v
      |:(?=[ \t]|["'][^\s"',;:])|(?<![\r\n][ \t]*)[ \t](?=[ \t]*"))
    (?:[ \t]*|\s*(?=@?["']))    # the value on the operator's line (`KEY=` alone is empty), or quoted
"""
_VALUE = r"""
    (?:@?"(?P<{p}dv>[^"\n]{{0,4000}})"|'(?P<{p}sv>[^'\n]{{0,4000}})'|`(?P<{p}bv>[^`\s]{{1,4000}})`
      |\\"(?P<{p}ev>[^"\\\n]{{1,4000}})\\"
      |(?!\|[-+]?\d?[ \t]*(?:\r?\n|$))    # (not YAML's block indicator: `key: |` then the lines)
       (?P<{p}uv>(?:[^\s'"`;&,{{}}\[\]<>\\]|\\(?![nrt"]))[^\s'"`;&,{{}}\[\]<>\\]{{0,4000}}
         (?:\\(?![nrt"])[^\s'"`;&,{{}}\[\]<>\\]{{0,4000}}){{0,100}}))"""

# A literal written to a file, after `echo` or `printf`: the value (no blanks: a line with blanks is
# configuration), `>`, `>>` or `| tee`, and the file, whose name without its directory is the key.
_TO_FILE = r"""
    (?P<{p}q>["']?)(?P<{p}v>[^\s'"`;&|<>()]{{1,4000}})(?P={p}q)
    [ \t]*(?:>>?|\|[ \t]*(?:sudo[ \t]+)?tee(?:[ \t]+-a)?)[ \t]*
    (?P<{p}pq>["']?)(?:[^\s"';|&<>]{{0,300}}/)?(?P<{p}k>[\w.-]{{1,100}})(?P={p}pq)(?![\w./-])"""

# A YAML core tag before a value (`password: !!str 4815162342`): the value is what follows it.
_YAML_TAG = r"(?:!!(?:str|binary)[ \t]+)?"

_ASSIGN_FORMS: tuple[tuple[tuple[str, ...], regex.Pattern[str]], ...] = tuple(
    (literals, regex.compile(source, regex.VERBOSE))
    for literals, source in (
        (
            ('"',),
            r"""
            "(?P<jk>[^"\\\n]{1,100})"\s*(?::|=>|=(?!=))\s*
            (?:"(?P<jv>(?:[^"\\\n]|\\.){0,4000})"|(?P<jn>-?\d[\d.]*)|'(?P<jsv>[^'\n]{0,4000})'|`(?P<jbv>[^`\n]{0,4000})`)""",
        ),
        (
            ("'",),
            r"""
            '(?P<qk>[^'"\\\n]{1,100})'\s*(?::|=>|=(?!=))\s*
            (?:'(?P<qv>(?:[^'\\\n]|\\.){0,4000})'|"(?P<qdv>[^"\n]{0,4000})"|(?P<qn>-?\d[\d.]*)|`(?P<qbv>[^`\n]{0,4000})`)""",
        ),
        (
            ("<",),
            r"""
            <(?P<ael>[A-Za-z_][\w.:-]{0,60})[ \t\n][^<>]{0,300}?\b(?:key|name)[ \t]*=[ \t]*
            (?P<aq>["'])(?P<ak>[^"'<>\n]{1,100})(?P=aq)
            (?:[^<>]{0,300}?\bvalue[ \t]*=[ \t]*(?P<avq>["'])(?P<av>[^"'<>\n]{0,4000})(?P=avq)
              |[^<>/]{0,300}>\s{0,200}(?P<aev>[^<>\s](?:[^<>\n]{0,1000}[^<>\s])?)\s{0,200}</(?P=ael)>)""",
        ),
        (
            ("</",),
            r"""
            <(?P<xk>[A-Za-z_][\w.:-]{0,60})(?:[ \t][^<>\n]{0,200})?>\s{0,200}
            (?P<xv>[^<>\s](?:[^<>\n]{0,1000}[^<>\s])?)\s{0,200}</(?P=xk)>""",
        ),
        (
            ("alue", "ALUE"),
            r"""
            (?<![\w-])(?i:name|key|optionname|parameterkey|variable)(?P<nq0>["']?)[ \t]*[:=][ \t]*
            (?P<nq>["']?)(?P<nk>[A-Za-z_/][\w./:-]{0,100})(?P=nq)
            (?:[ \t]*[,;][ \t\n]*|[ \t]*\n[ \t]*|(?<=["'])[ \t]+)
            (?:-[ \t]+)?(?P<nq2>["']?)(?i:value|parametervalue)(?P=nq2)[ \t]*[:=][ \t]*
            (?:"(?P<ndv>[^"\n]{0,4000})"|'(?P<nsv>[^'\n]{0,4000})'|(?P<nuv>[^\s'",;}\]]{1,4000}))""",
        ),
        (
            ("Credential", "Auth(", "Authentication("),
            r"""
            (?<!\w)(?P<bk>NetworkCredential|UsernamePasswordCredentials|PasswordAuthentication|HTTPBasicAuth
                |HTTPDigestAuth|SetBasicAuth|BasicAuth)\s*\(\s*(?P<bq>["'])[^"'\n]{0,100}(?P=bq)\s*,\s*
            (?P<bvq>["'])(?P<bv2>[^"'\n]{1,200})(?P=bvq)""",
        ),
        (
            ("==", "!="),
            r"""
            (?P<rvq>["'])(?P<rv>[^"'\n]{1,4000})(?P=rvq)\s*(?:===?|!==?)\s*\$?(?P<rk>[A-Za-z_][\w.]{0,100}+)(?![\w(])""",
        ),
        (
            (),
            r"""
            (?<![\w.@/-])(?!(?:echo|printf)[ \t])(?P<k>\w[\w.-]{0,100}+)(?=\s*[=!:?+."])"""
            + _OPERATOR
            + _YAML_TAG
            + _VALUE.format(p=""),
        ),
        (
            ("// ", "//\t", "//$", "-- ", "--\t", "--$"),
            r"""
            (?://|--)(?<=(?:^|[ \t])(?://|--))(?:[ \t]+\$?|\$)(?P<ck>\w[\w.-]{0,100}+)"""
            + _OPERATOR
            + _VALUE.format(p="c"),
        ),
        (
            SECRET_COLON_LITERALS,
            r"""
            (?<![\w.@/:-]|\$\{)(?=[\w-]{1,70}+:)(?P<nck>[\w-]{0,60}?(?i:secret|token|key|pass|passwd|password|pwd|pw|auth)):
            (?P<ncv>[^\s:'"`;,{}\[\]<>][^\s'"`;,{}\[\]<>]{7,4000})""",
        ),
        (
            ("-D",),
            r"""
            -D(?P<pk>[A-Za-z_][\w.-]{0,100}+)="""
            + _VALUE.format(p="p"),
        ),
        (
            (" string",),
            r"""
            \b(?:var|const)[ \t]+(?P<gk>[A-Za-z_]\w{0,100})[ \t]+(?:string|\[\]byte)[ \t]*=[ \t]*"""
            + _VALUE.format(p="g"),
        ),
        (
            ("--value",),
            r"""
            (?<![\w-])--name(?:[ \t]+|=)(?P<nvq>["']?)(?:[^\s"'/]{0,200}/){0,20}
            (?P<nvk>[^\s"'/]{1,100})(?P=nvq)
            (?:[ \t]+(?:\\\n[ \t]*)?(?!--(?:name|value)\b)[^\s\\]{1,200}){0,12}  # other flags
            [ \t]+(?:\\\n[ \t]*)?--value(?:[ \t]+|=)
            (?:"(?P<nvdv>[^"\n]{1,4000})"|'(?P<nvsv>[^'\n]{1,4000})'|(?P<nvuv>[^\s"'\\]{1,4000}))""",
        ),
        (
            ("--", " -", "\t-", "\n-", "\r-", "'-", '"-', "(-"),
            r"""
            (?:(?<![\w-])--|(?<=[ \t\n\r"'(])-)
            (?P<fk>[A-Za-z][\w-]{1,60}(?:\.[A-Za-z][\w-]{0,60}){0,8})(?:=|[ \t]+)
            (?:"(?P<fdv>[^"\n]{0,4000})"|'(?P<fsv>[^'\n]{0,4000})'
              |(?P<fuv>[^\s'"`;&|\\-][^\s'"`;&|\\]{0,4000}(?:\\(?![nrt])[^\s'"`;&|\\]{0,4000}){0,100}))""",
        ),
        (
            ("(", "{"),
            r"""
            (?:\((?<=(?<![\w$])(?i:[a-z_]{0,20}(?:env|environment|property|header|setting|default)[a-z_]{0,20}
                  |set|put|add|get|define|fetch|setdefault|append)\s{0,3}\()|\{)
            \s*(?P<fq>["'])(?P<fnk>[^"'\n]{1,100})(?P=fq)\s*,\s*(?P<fvq>["'])(?P<fnv>[^"'\n]{0,4000})(?P=fvq)
            \s*[,)}]""",
        ),
        (
            ("[",),
            r"""
            \[\s*(?P<eq>["'])(?P<ek>[^"'\n]{1,100})(?P=eq)\s*\]\s*(?:=|:=|\|\|=)(?!=)\s*
            (?P<evq>["'])(?P<esv>[^"'\n]{0,4000})(?P=evq)""",
        ),
        (
            ("setx",),
            r"""
            \bsetx\s+(?P<sk>[A-Za-z_]\w{0,100})\s+(?:"(?P<sdv>[^"\n]{0,4000})"|(?P<suv>[^\s"/]{1,4000}))""",
        ),
        (
            ("ENV", "ARG"),
            r"""
            (?:ENV|ARG)(?<=(?m:^)[ \t]*(?:ENV|ARG))[ \t]+(?P<dk>[A-Za-z_]\w{0,100})[ \t]+(?![\w.-]*=)
            (?:"(?P<ddv>[^"\n]{0,4000})"|'(?P<dsv>[^'\n]{0,4000})'|(?P<duv>[^\s"'][^\n]{0,4000}?))
            [ \t]*(?m:$)""",
        ),
        (
            (":\n", ": \n", ":\t", ": |", ": >", ":|", ":>", ":\r"),
            r"""
            (?m:^)(?P<yi>[ \t]*)(?:-[ \t]+)?(?P<yk>[A-Za-z_][\w.-]{0,100}):[ \t]*(?:[|>][-+]?\d?[ \t]*)?\n
            (?P=yi)[ \t]+(?:"(?P<ydv>[^"\n]{1,4000})"|'(?P<ysv>[^'\n]{1,4000})'
              |(?P<yuv>[^\s:#'"\-\[\]{}&*!|>%@`,](?:[^\s]{0,4000}[^\s:,;])?))[ \t]*[,;]?[ \t]*(?m:$)""",
        ),
        (
            (":-", ":="),
            r"""
            \$\{(?P<hk>[A-Za-z_]\w{0,100}):[-=](?P<hv>[^\s}'"`$]{1,4000})\}""",
        ),
        (
            ("config",),
            r"""
            config(?:ure)?\b
            (?<=\b(?:npm|yarn|pnpm|pip3?|git|poetry|conda|bundle|composer|gcloud|kubectl|helm|dvc|az|aws)
                [ \t]+config(?:ure)?)
            (?:[ \t]+(?:set|--set|--global|-g|--local|--user|--site|--system))*[ \t]+
            (?!(?:get|delete|del|list|ls|edit|unset|remove|rm)[ \t])
            (?://[^\s'"/]{1,200}(?:/[^\s'"/:]{0,200})*/:)?   # an npm registry's //host/path/: prefix
            (?P<csk>[A-Za-z_@.][\w./:@-]{0,200})[ \t]+
            (?:"(?P<csdv>[^"\n]{1,4000})"|'(?P<cssv>[^'\n]{1,4000})'|(?P<csuv>[^\s'"`;&|<>()-][^\s'"`;&|<>()]{0,4000}))""",
        ),
        (
            ("reg ", "REG ", "reg.exe", "REG.EXE"),
            r"""
            \b(?i:reg(?:\.exe)?[ \t]+add)\b[^\n]{0,400}?
            [ \t]/v[ \t]+(?P<rgq>["']?)(?P<rgk>[^"'\s/]{1,100})(?P=rgq)
            [^\n]{0,400}?[ \t]/d[ \t]+
            (?:"(?P<rgdv>[^"\n]{1,4000})"|'(?P<rgsv>[^'\n]{1,4000})'|(?P<rguv>[^\s"']{1,4000}))""",
        ),
        (
            ("ItemProperty",),
            r"""
            \b(?:Set|New)-ItemProperty\b[^\n]{0,400}?
            [ \t]-Name[ \t]+(?P<ipq>["']?)(?P<ipk>[^"'\s]{1,100})(?P=ipq)
            [^\n]{0,400}?[ \t]-Value[ \t]+
            (?:"(?P<ipdv>[^"\n]{1,4000})"|'(?P<ipsv>[^'\n]{1,4000})'|(?P<ipuv>[^\s"';]{1,4000}))""",
        ),
        (
            ("echo",),
            r"""
            echo(?<=\becho)(?:[ \t]+-[neE]{1,3})*[ \t]+"""
            + _TO_FILE.format(p="ew"),
        ),
        (
            PASSWORD_LINE_LITERALS,
            r"""
            (?:(?m:^)[ \t]*|(?<=\becho[ \t]{1,5}(?:-[neE]{1,3}[ \t]{1,5})?["']|<<<[ \t]{0,5}["']))
            (?!(?i:(?:ch|htp|smbp|vncp|kp|gp|ypp|lpp|ldapp|p)asswd|pwd)[ \t]
              |(?-i:Password|Passphrase|Passwort|Kennwort)[ \t])
            (?P<lk>[A-Za-z][\w.-]{0,60}+)
            (?<=(?i:passw(?:or)?d|pwd|rootpw|bindpw|(?<![a-z])auth_pass|passphrase))[ \t]+
            (?:'(?P<lsv>[^'\n]{1,200})'
              |(?P<luv>(?=[^\s'"]*[^\p{L}\s'".,;:!?])[^\s'"=:#$<>|&;(){}\[\]-][^\s'"]{0,200}+))
            [ \t]*(?:\r?(?m:$)|(?<=\S)["'])""",
        ),
        (
            ("printf",),
            r"""
            printf(?<=\bprintf)(?:[ \t]+(?P<pwf>["'])%s(?:\\n)?(?P=pwf))?[ \t]+"""
            + _TO_FILE.format(p="pw"),
        ),
    )
)

# The group holding the key of each value group (a form's value group is the last group it closes).
_KEY_OF = {
    "jv": "jk",
    "jn": "jk",
    "jsv": "jk",
    "jbv": "jk",
    "qv": "qk",
    "qdv": "qk",
    "qn": "qk",
    "qbv": "qk",
    "xv": "xk",
    "av": "ak",
    "aev": "ak",
    "dv": "k",
    "sv": "k",
    "bv": "k",
    "ev": "k",
    "uv": "k",
    "cdv": "ck",
    "csv": "ck",
    "cbv": "ck",
    "cev": "ck",
    "cuv": "ck",
    "ncv": "nck",
    "rv": "rk",
    "bv2": "bk",
    "pdv": "pk",
    "psv": "pk",
    "pbv": "pk",
    "pev": "pk",
    "puv": "pk",
    "gdv": "gk",
    "gsv": "gk",
    "gbv": "gk",
    "gev": "gk",
    "guv": "gk",
    "fdv": "fk",
    "fsv": "fk",
    "fuv": "fk",
    "fnv": "fnk",
    "esv": "ek",
    "sdv": "sk",
    "suv": "sk",
    "ddv": "dk",
    "dsv": "dk",
    "duv": "dk",
    "ndv": "nk",
    "nsv": "nk",
    "nuv": "nk",
    "ydv": "yk",
    "ysv": "yk",
    "yuv": "yk",
    "hv": "hk",
    "ewv": "ewk",
    "nvdv": "nvk",
    "nvsv": "nvk",
    "nvuv": "nvk",
    "rgdv": "rgk",
    "rgsv": "rgk",
    "rguv": "rgk",
    "ipdv": "ipk",
    "ipsv": "ipk",
    "ipuv": "ipk",
    "pwv": "pwk",
    "csdv": "csk",
    "cssv": "csk",
    "csuv": "csk",
    "lsv": "lk",
    "luv": "lk",
}

# The value group of each form whose key comes after its value (`"v" == password`): there the key closes last.
_VALUE_BEFORE_KEY = {"rk": "rv", "ewk": "ewv", "pwk": "pwv"}


def _groups_by_last(form: regex.Pattern[str]) -> dict[int, tuple[int, int]]:
    """The numbers of the value group and the key group of a form's match, by the number of the last group
    the match closed (`Match.lastindex`: numbers, not names, are what a match looks up fastest)."""
    index = form.groupindex
    out: dict[int, tuple[int, int]] = {}
    for name, number in index.items():
        value = _VALUE_BEFORE_KEY.get(name, name)
        if value in _KEY_OF:
            out[number] = (index[value], index[_KEY_OF[value]])
    return out


_GROUPS_BY_LAST = tuple(_groups_by_last(form) for _, form in _ASSIGN_FORMS)

# AWS structure whose digits and hex must never look like an account number or a secret.
_STRUCTURE_FORMS = r"""
      arn:aws[\w-]*:[\w-]*:[\w-]*:(?:\d{12}|aws)?:       # ARN prefix up to and with its account field
    | \b\d{12}\.dkr\.ecr\.                               # ECR registry host
    | \b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b   # UUID
    | \b(?:ami|aki|ari|sg|subnet|vpc|i|lt|eni|vol|snap|fs|fsap|eipalloc|eipassoc|igw|rtb|nat|acl|pcx|tgw
        |tgw-attach|vpce|dopt|cvpn-endpoint|pl|prefix|r|key|cr|hsm|elb|tg|app|net|lc|asg|sir|spot|fleet
        |ec2|img|dhcp)-[0-9a-f]{8,17}\b                  # AWS resource ids
    | \b(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?\b           # IPv4 and CIDR
    | \b(?:19|20)\d\d-[01]\d-[0-3]\d                      # ISO dates and timestamps
      (?:[T\ ][0-2]\d:[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?
    | \b(?!(?:1\.)?\d{3}\.\d{3}\.\d{4}\b)v?\d+\.\d+\.\d+(?:[.-][\w.]+)?\b   # versions (not 1.415.555.2671)
    | \b(?:sha\d*|md5)[:=][0-9a-fA-F]{32,}\b            # digests
    | \b[0-9a-f]{32,128}\b                               # lowercase hex hashes and git SHAs
    | \b(?=\w{16,132}\b)                                 # hex ids: a whole word of 16 to 132 characters
      [A-Za-z]{0,4}(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{16,128}\b   # (the lookahead: speed)
    | ^--\S+$ | boundary="?[^"\n]+"?                     # MIME boundaries
"""
_STRUCTURE_FLAGS = regex.VERBOSE | regex.MULTILINE
# Each form starts at the start of a word or with one of these literals.  Saying so up front lets `regex`
# pass over every other position at once; the spans are those of the forms alone
# (tests/detect/test_textctx_structure.py), found in 20% less time.
_STRUCTURE_START = r"(?=(?<!\w)\w|arn:aws|^--|boundary=)"
_STRUCTURE = regex.compile(f"{_STRUCTURE_START}(?:{_STRUCTURE_FORMS})", _STRUCTURE_FLAGS)
# The same pattern for the standard library's engine, which finds its spans three times as fast: the same
# spans in ASCII text, where `\w`, `\d` and `\b` mean the same to both (test_textctx_structure.py).
# It takes no time limit, so it reads only lines of at most `_STD_LINE` characters: every form reads at most
# the rest of the line from where it starts, and hostile lines of that length (digits and dots, repeated
# `arn:aws`, hex runs) take about a millisecond each.  Longer lines go to `regex`, with the time limit.
_STRUCTURE_STD = re.compile(_STRUCTURE.pattern, re.VERBOSE | re.MULTILINE)
_STD_LINE = 4096

_SQL_INSERT = regex.compile(
    r"(?i)\binsert\s+into\s+(?P<table>[\w.\"`\[\]]+)\s*\((?P<cols>[^()\n]{1,1000})\)\s*values\s*\((?P<vals>[^\n]{1,4000}?)\)"
)
# (the rows after the first of a multi-row INSERT: `VALUES\n ('a', 1),\n ('b', 2);`, one row a line)
_SQL_NEXT_ROW = regex.compile(r"[ \t]*,[ \t]*\r?\n?[ \t]*\((?P<vals>[^\n]{1,4000}?)\)(?=[ \t]*(?:[,;]|\r?$))")
_SQL_ROWS = 10_000
_SQL_VALUE = regex.compile(r"\s*(?:'(?P<q>(?:[^'\n]|'')*)'|(?P<u>[^,'\n]*?))\s*(?:,|$)")


def _sql_pairs(text: str, limit: float) -> Iterator[Pair]:
    """Column/value pairs of `INSERT INTO t (a, b) VALUES (1, 'x')`: the column names are the values' keys,
    and the table (without its schema) encloses them as a YAML parent would (`INSERT INTO travellers (name)`:
    a name of a traveller)."""
    for m in _SQL_INSERT.finditer(text, timeout=limit):
        cols = [c.strip().strip('"`[]') for c in m.group("cols").split(",")]
        table = m.group("table").rsplit(".", 1)[-1].strip('"`[]') or None
        record = " ".join(cols)
        row: regex.Match[str] | None = m
        rows = 0
        while row is not None and rows < _SQL_ROWS:
            pos, end = row.start("vals"), row.end("vals")
            for col in cols:
                v = _SQL_VALUE.match(text, pos, end)
                if v is None or pos >= end:
                    break
                g = "q" if v.group("q") is not None else "u"
                if v.group(g):
                    yield Pair(col, v.start(g), v.end(g), v.group(g), -1, table, record)
                pos = v.end()
            rows += 1
            row = _SQL_NEXT_ROW.match(text, row.end(), timeout=limit)


# Delimited tables (CSV, semicolon- and tab-separated, pipe-separated) that scripts write as fixtures and seed
# files: a header line of two or more column names, then rows with as many fields; each field's key is its
# column's name (`dob,passport\n11/04/2002,540614159`: 540614159 is a `passport`).  A column name is a word
# (`dl_number`, `Passport.No`, `"iban"`, `Nazwisko`) or up to seven of them with single blanks between
# (`DNI / NIE`, `Date of birth`, as spreadsheets export them); a header of names with blanks needs three
# columns or a delimiter other than a comma, so that prose with a comma is no header.
_CSV_NAME = r""""?[^\W\d_][\w.()/'’№#°-]{0,40}+(?: [\w.()/'’№#°-]{1,40}+){0,6}+"?"""
_CSV_HEADER = re.compile(
    rf"^(?P<indent>[ \t]*)(?P<md>\|[ \t]*)?"
    rf"(?P<h>{_CSV_NAME}[ \t]*(?P<d>[,;\t|])[ \t]*{_CSV_NAME}(?:[ \t]*(?P=d)[ \t]*{_CSV_NAME})*)"
    r"[ \t]*(?P=d)?[ \t]*\r?$",
    re.MULTILINE,
)
# (possessive: a field's characters are never given back, so that a long line of blanks or a stray quote
# costs one pass, not one per character)
_CSV_FIELD = {
    d: re.compile(rf'[ \t]*+(?:"(?P<q>(?:[^"\n]|"")*+)"|(?P<u>[^{d}"\n]*+))[ \t]*+(?:{re.escape(d)}|\r?$)')
    for d in ",;\t|"
}
_CSV_DELIMITERS = (",", ";", "\t", "|")
_CSV_ROWS = 10_000  # rows read after one header
_CSV_LINE = 8192  # a longer line is no row of a table (and ends it)


_MD_RULE = re.compile(
    r"[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)+\|?[ \t]*\r?$", re.MULTILINE
)
_MD_LEAD = re.compile(r"[ \t]*\|")


def _csv_pairs(text: str) -> Iterator[Pair]:
    """The fields of delimited tables, each keyed by its column's name (see `_CSV_HEADER`)."""
    for h in _CSV_HEADER.finditer(text):
        d = h.group("d")
        names = [n.strip(' \t"') for n in h.group("h").split(d)]
        if d == "," and len(names) < 3 and any(" " in n for n in names):
            continue  # (prose: `Restart the service, then check the logs`)
        field = _CSV_FIELD[d]
        header = " ".join(names)  # (the record's fields)
        markdown = h.group("md") is not None and d == "|"
        pos = h.end() + 1
        if markdown:  # (a Markdown table: `| a | b |`, its rule line `|---|:--|` after the header)
            rule = _MD_RULE.match(text, pos)
            if rule is not None:
                pos = rule.end() + 1
        for _ in range(_CSV_ROWS):
            if pos >= len(text):
                break
            eol = text.find("\n", pos)
            if eol < 0:
                eol = len(text)
            if eol - pos > _CSV_LINE:
                break
            row: list[tuple[int, int]] = []
            at = pos
            if markdown:
                lead = _MD_LEAD.match(text, pos, eol)
                if lead is None:
                    break
                at = lead.end()
            while at <= eol and len(row) <= len(names):
                f = field.match(text, at, eol)
                if f is None:
                    break
                if f.group("q") is not None:
                    row.append(f.span("q"))
                else:  # an unquoted field, without the blanks before its delimiter
                    a, b = f.span("u")
                    while b > a and text[b - 1] in " \t\r":
                        b -= 1
                    row.append((a, b))
                if f.end() == at or f.end() >= eol:
                    if f.end() > at and text[f.end() - 1] == d and not markdown:
                        row.append((eol, eol))  # (a delimiter at the line's end: the last field is empty)
                    break
                at = f.end()
            if len(row) != len(names) or not any(a < b for a, b in row):
                break
            for name, (a, b) in zip(names, row, strict=True):
                if a < b:
                    yield Pair(name, a, b, text[a:b], -1, None, header)
            pos = eol + 1


_by_start_and_rank = operator.itemgetter(0, 1)
_NUMBER = regex.compile(r"[\d.-]+")
_NUMBER_FIRST = frozenset("0123456789.-")  # the ASCII characters a number can start with (`\d` in ASCII)
# Every form needs one of these characters (an operator, a quote, a bracket or white space).
_ASSIGNABLE = regex.compile(r"""[=:\s"'`(\[{<]""")
_by_value_start = operator.attrgetter("start")


def _assignments(text: str, limit: float, window: int | None = None) -> Iterator[Pair]:
    """The assignments of every form, in the order of their matches' starts (see `_ASSIGN_FORMS`).

    `window`: the bounded search (see `_bounded`) in place of overlapped matching over the whole text.
    Raises TimeoutError when matching takes longer than `limit` seconds.
    """
    if not _ASSIGNABLE.search(text):
        return  # no operator, quote, bracket or white space: a name or an id, never an assignment
    deadline = time.monotonic() + limit
    ascii_text = text.isascii()
    found: list[tuple[int, int, regex.Match[str]]] = []
    # (one Hyperscan pass finds which forms' literals occur: cheaper than 60-odd substring searches)
    present = keystarts.literals_present(text, _FORM_LITERALS)
    for rank, (literals, form) in enumerate(_ASSIGN_FORMS):
        if literals and (
            rank not in present if present is not None else not any(map(text.__contains__, literals))
        ):
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("assignments")
        gate = _FORM_GATES.get(rank)
        if gate is not None and not _passes(gate, text, remaining):
            continue
        if window is not None:
            found.extend((m.start(), rank, m) for m in _bounded(text, form, deadline, window))
            continue
        if rank == _GENERAL and ascii_text:
            found += [(m.start(), rank, m) for m in _general(text, form, deadline)]
            continue
        if rank == _SECRET_COLON and ascii_text:
            found += [(m.start(), rank, m) for m in _secret_colon(text, form, deadline)]
            continue
        if rank == _PASSWORD_LINE and ascii_text:
            found += [(m.start(), rank, m) for m in _password_lines(text, form, deadline)]
            continue
        found += [(m.start(), rank, m) for m in form.finditer(text, overlapped=True, timeout=remaining)]
    found.sort(key=_by_start_and_rank)
    previous = -1
    # `{"ParameterKey": "DbPassword", "ParameterValue": ...}`: the name is the value's key, not a value
    values: set[tuple[int, int]] = {m.span("nk") for _, rank, m in found if rank == _NAME_VALUE}
    for start, rank, m in found:
        if start == previous:
            continue  # an earlier form already matched at this position
        # the value: the last group a form closes (or the key, in a form whose value comes first)
        groups = _GROUPS_BY_LAST[rank].get(m.lastindex)  # type: ignore[arg-type]
        if groups is None:
            continue
        previous = start
        value, key = groups
        span = m.span(value)
        if rank == _GENERAL and value == _GENERAL_UV and text[span[1] : span[1] + 1] in _YAML_CUTS:
            span = (span[0], _yaml_plain_end(text, m.start(key), m.end(key), span))
        name = m.group(key)
        if rank in _TO_FILE_RANKS:
            name = _FILE_SUFFIX.sub("", name) or name
        first = name[:1]
        if span in values or (
            (first in _NUMBER_FIRST or not first.isascii()) and _NUMBER.fullmatch(name) is not None
        ):
            # a value named by an assignment that starts earlier (`name: K` / `value: V` names it K), or a
            # number that only looks like a key (10: x)
            continue
        values.add(span)
        yield Pair(name, span[0], span[1], text[span[0] : span[1]], m.start(key))


_FORM_LITERALS = tuple(literals for literals, _ in _ASSIGN_FORMS)

# The characters that end the general form's bare value but not a YAML plain scalar's: `&` (an anchor only
# first), `;` and `,` (flow indicators only inside `[...]` and `{...}`), and blanks (`owner: Jane Doe`); nor
# an INI or git config value's (`name = Jane Doe`).
_YAML_CUTS = frozenset("&;, \t")
# (a comment's `# Address: 12 Main St, Springfield` as well: a note's field runs to the end of its line)
_YAML_KEY_LEAD = regex.compile(r"[ \t]*(?:(?:#+|//|--|;+|::|(?i:rem)(?=[ \t]))[ \t]*)?(?:-[ \t]+)?")
_YAML_COLON = regex.compile(r"[ \t]*:[ \t]+")
_YAML_COMMENT = regex.compile(r"[ \t]#")
_INI_EQUALS = regex.compile(r"[ \t]+=[ \t]+")  # `name = Jane Doe`: blanks on both sides of `=`
_INI_COMMENT = regex.compile(r"[ \t][#;]")


def _yaml_plain_end(text: str, key_start: int, key_end: int, span: tuple[int, int]) -> int:
    """Where a bare value cut at `&`, `;`, `,` or a blank ends if it is a YAML plain scalar or an INI value:
    a `key: value` or `key = value` line (the key first on it, maybe after `- `) whose value runs to the end
    of the line, without a comment and a trailing `,` or `;` (a JavaScript object's line); else where it was
    cut."""
    line_start = text.rfind("\n", 0, key_start) + 1
    if not _YAML_KEY_LEAD.fullmatch(text, line_start, key_start):
        return span[1]
    if _YAML_COLON.fullmatch(text, key_end, span[0]):
        comments = _YAML_COMMENT
    elif _INI_EQUALS.fullmatch(text, key_end, span[0]):
        comments = _INI_COMMENT
    else:
        return span[1]
    line_end = text.find("\n", span[0])
    line_end = len(text) if line_end < 0 else line_end
    comment = comments.search(text, span[0], line_end)
    end = comment.start() if comment is not None else line_end
    rest = text[span[0] : end].rstrip(" \t\r,;")
    if ": " in rest:
        return span[1]  # (not a plain scalar)
    if text[span[1]] in " \t" and (
        text[span[0] : end].rstrip(" \t\r")[-1:] in _CODE_LINE_ENDS or _NOT_PLAIN_WORDS.search(rest)
    ):
        return span[1]  # words of code, not of a scalar: `k: a === 'b',`, `k: f(x) + 1;`
    return span[0] + len(rest)


# A line of code, not of YAML or INI, where a value with blanks would run on: it ends in `,`, `;`, `{`, `(`
# or `[`, or its words hold quotes, operators or brackets.
_CODE_LINE_ENDS = frozenset(",;{([")
_NOT_PLAIN_WORDS = regex.compile(r"""['"`]|[=!<>]=|&&|\|\||[(){}\[\]]""")


def _form_rank(literals: tuple[str, ...]) -> int:
    return next(rank for rank, (lits, _) in enumerate(_ASSIGN_FORMS) if lits == literals)


# What every match of some forms holds (their literals say less): a text without it is not searched.  The
# name/value form needs `value` (or `ParameterValue`) before its operator, the pair initialisers a quoted
# string, a comma and a quote, the comparisons a quote before `==` or `!=`, Dockerfile's `ENV k v` the word at
# the start of a line.  (Each pattern is linear: one search per text.)
_FORM_GATES: dict[int, regex.Pattern[str]] = {
    _form_rank(("alue", "ALUE")): regex.compile(r"(?i:value)[\"']?[ \t]*[:=]"),
    _form_rank(("(", "{")): regex.compile(r"[\"']\s*,\s*[\"']"),
    _form_rank(("==", "!=")): regex.compile(r"[\"']\s*[=!]="),
    _form_rank(("ENV", "ARG")): regex.compile(r"(?m)^[ \t]*(?:ENV|ARG)[ \t]"),
}


def _passes(gate: regex.Pattern[str], text: str, limit: float) -> bool:
    try:
        return gate.search(text, timeout=limit) is not None
    except TimeoutError:
        return True  # not known: the form is searched (within the time limit of all assignments)


# The general form (`k=v` and its relatives: the one without literals) starts only where this finds a key
# followed by what may begin one of the operators of `_OPERATOR` (`=`, `!=`, `?=`, `+=`, `.=`, a colon before
# a blank, a colon, `=` or a quote, or blanks before a quote; not `key":` in a JSON string, nor `https:/`).
# In ASCII text (where `\w` is the same for both engines and this `\s` is a superset of that of `regex`) the
# standard library's engine finds those places in half the time `regex` needs to try every position, and
# `regex` then matches the form at each: the same matches as an overlapped search
# (tests/detect/test_textctx_assignments.py).  With Hyperscan, one pass over the reversed text finds a
# superset of those places in a third of that time (keystarts.py); this pattern is the fallback.
_GENERAL = _form_rank(())
_GENERAL_UV = _ASSIGN_FORMS[_GENERAL][1].groupindex["uv"]
_NAME_VALUE = _form_rank(("alue", "ALUE"))
_GENERAL_STARTS = re.compile(r"""(?<![\w.@/-])\w[\w.-]{0,100}+(?=\s*(?:=|[!?+.]=|:[ \t:="'])|\s+")""")


# Blanks enough to make one match of the general form slow: its operator's `\s*` gives back a blank at a time
# when no value follows, retrying the value forms (each up to 4,000 characters) at each.
_LONG_BLANKS = re.compile(r"\s{257}")


def _general(text: str, form: regex.Pattern[str], deadline: float) -> list[regex.Match[str]]:
    """The matches of the general form in an ASCII text: every match, as `finditer(overlapped=True)`
    gives them.  Raises TimeoutError past the deadline.

    Each match is tried without a time limit of its own (passing one to `regex` costs 2 us a call, more
    than most matches take): where no run of blanks is longer than 256 characters a match reads at most a
    few million characters, so checking the deadline between matches keeps the limit.  A text with longer
    runs has each match limited as before."""
    places = keystarts.starts(text)  # (one Hyperscan pass; a superset of the places below)
    if places is None:
        places = [m.start() for m in _GENERAL_STARTS.finditer(text)]
    return _matches_at(text, form, places, deadline, limited=_LONG_BLANKS.search(text) is not None)


def _matches_at(
    text: str, form: regex.Pattern[str], places: Iterable[int], deadline: float, limited: bool = False
) -> list[regex.Match[str]]:
    """The form's matches at each of `places` (a superset of where its matches start, in order), as
    `finditer(overlapped=True)` gives them.  The deadline is checked before each match; `limited`: each match
    is also limited by it (a match that may read far: see `_general`).  Raises TimeoutError past it."""
    match = form.match
    clock = time.monotonic
    out = []
    for start in places:
        remaining = deadline - clock()
        if remaining <= 0:
            raise TimeoutError("assignments")
        m = match(text, start, timeout=remaining) if limited else match(text, start)
        if m is not None:
            out.append(m)
    return out


# The form of a configuration file's `KEY VALUE` line (`HTTP_Passwd v`) matches only where a password word
# ends a key and blanks follow: at the start of that key's line, or at the key itself (after `echo '` or
# `<<< '`).  In ASCII text those few places are found from the words (the form itself tried every position,
# six times the cost of any other form).
_PASSWORD_LINE = _form_rank(PASSWORD_LINE_LITERALS)
# The forms of a literal written to a file, whose key is the file's name: a suffix that says only that it
# is a file (`secret-file`, `token.txt`) is left out of the key (the name says what the file holds).
_TO_FILE_RANKS = frozenset({_form_rank(("echo",)), _form_rank(("printf",))})
_FILE_SUFFIX = regex.compile(r"(?i)[._-](?:file|txt|dat)$")
# (in the lowered text: four times as fast as a case-insensitive search, and the same places in ASCII text;
# `xauth_pass` is a place too, which the form refuses: a look-behind here made the search three times slower)
_PASSWORD_WORD = re.compile(r"(?:passw(?:or)?d|pwd|rootpw|bindpw|auth_pass|passphrase)(?=[ \t])")


def _password_lines(text: str, form: regex.Pattern[str], deadline: float) -> list[regex.Match[str]]:
    r"""The matches of the `KEY VALUE` form in an ASCII text, as `finditer(overlapped=True)` gives them: each
    starts at the start of a line (then blanks, then the key) or at the key (after a quote), and the key is
    the whole run of `[\w.-]` that ends in a password word before a blank (the form's key is possessive)."""
    return _matches_at(text, form, _password_line_starts(text), deadline)


def _password_line_starts(text: str) -> Iterator[int]:
    tried: set[int] = set()
    for word in _PASSWORD_WORD.finditer(text.lower()):
        key = _key_start(text, word.start(), _KEY_RUN, max(0, word.end() - 62))
        for start in (text.rfind("\n", 0, key) + 1, key):
            if start not in tried:
                tried.add(start)
                yield start


# The form of a secret's name, a colon and the value (`token:abc`) starts where a key ends in one of these
# words and a colon, at the start of that key: a few places in a script, found from its colons (in ASCII
# text, as for `_general`; the form itself tried every position).
_SECRET_COLON = _form_rank(SECRET_COLON_LITERALS)
# (the form's words)
_SECRET_COLON_WORDS = ("secret", "token", "key", "pass", "passwd", "password", "pwd", "pw", "auth")
_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")  # [\w-] in ASCII
_NOT_BEFORE_KEY = _KEY_CHARS | frozenset(".@/:")  # the form's lookbehind
_KEY_RUN = _KEY_CHARS | frozenset(".")  # [\w.-] in ASCII: the `KEY VALUE` form's key


def _key_start(text: str, end: int, chars: frozenset[str], floor: int) -> int:
    """Where the run of `chars` that ends at `end` starts, looking back no further than `floor` (a form's
    longest key: a place before it matches nothing)."""
    start = end
    while start > floor and text[start - 1] in chars:
        start -= 1
    return start


def _secret_colon(text: str, form: regex.Pattern[str], deadline: float) -> list[regex.Match[str]]:
    r"""The matches of the secret-colon form in an ASCII text, as `finditer(overlapped=True)` gives them.

    A match's key is the whole run of `[\w-]` before its colon (a place inside the run follows a word
    character, which the form's lookbehind refuses), of at most 70 characters: each colon after one of the
    words gives one place to try.  A match reads at most the key and a value of 4,000 characters, so the
    deadline is checked between matches."""
    return _matches_at(text, form, _secret_colon_starts(text), deadline)


def _secret_colon_starts(text: str) -> Iterator[int]:
    find = text.find
    colon = find(":")
    while colon >= 0:
        at, colon = colon, find(":", colon + 1)
        if not text[max(0, at - 8) : at].lower().endswith(_SECRET_COLON_WORDS):
            continue
        start = _key_start(text, at, _KEY_CHARS, max(0, at - 71))
        if start > 0 and text[start - 1] in _NOT_BEFORE_KEY:
            continue  # a key of more than 70 characters, or one after `.`, `@`, `/` or `:`: no match
        yield start


def _bounded(text: str, form: regex.Pattern[str], deadline: float, window: int) -> Iterator[regex.Match[str]]:
    """The matches of one assignment form when finding them all took longer than the time limit (thousands
    of overlapping candidates, such as `a=a=a=...`, each read up to a value's 4,000 characters): each search
    reads at most `window` characters, the next one starts past the value just found (an assignment inside
    another's value is not found), or half a window on when a window holds none.  Linear in the text's
    length; a value longer than the window is cut at its end.  Raises TimeoutError past the deadline."""
    n = len(text)
    pos = 0
    while pos < n:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("assignments")
        end = min(n, pos + window)
        m = form.search(text, pos, end, timeout=remaining)
        if m is None:
            if end == n:
                return
            pos += window // 2
            continue
        yield m
        group = m.lastgroup
        pos = max(m.start() + 1, m.end(group) if group is not None else m.end())


# How far each search for an assignment reads once finding them all hit the time limit.
BOUNDED_WINDOW = 512

_DIGITS = regex.compile(r"[0-9]+")
_WORD = regex.compile(r"\p{Lu}+(?!\p{Ll})|\p{Lu}?\p{Ll}+|\d+")
# The same words in ASCII text, where the standard library's engine finds them in 40% less time.
_ASCII_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def words(text: str) -> list[str]:
    """Lowercase word tokens, splitting camelCase, snake_case, kebab-case, dots and slashes."""
    return [w.lower() for w in _WORD.findall(text)]


@lru_cache(maxsize=16384)
def key_text(key: str) -> str:
    """A key as keyed rules see it: its lowercase words joined by `_`, so that one pattern covers every
    spelling (`dbPassword`, `DB-PASSWORD`, `db.password` and `1password` become `db_password` and
    `1_password`; a path or URL is no key).  A pure function of the key, remembered because the same keys
    recur in every script."""
    if key.startswith("/") or "://" in key:
        return ""  # a path or a URL (a route, a JSON pointer) names no value
    if _NO_CASE.search(key):  # (Japanese, Chinese, Korean: letters without case, which `words` leaves out)
        return "_".join(w.lower() for w in _KEY_WORD.findall(key))
    return "_".join(words(key))


_NO_CASE = regex.compile(r"\p{Lo}")
# `words`, and runs of letters without case
_KEY_WORD = regex.compile(_WORD.pattern + r"|[\p{Lo}\p{Lm}]+")

# Where a key sits: the key, section or label that encloses it (see `TextContext.parent_of`).
_OPENER = regex.compile(  # a YAML key that opens a mapping or a block scalar: `database:`, `- env:`, `key: |`
    r"""[ \t]*(?:-[ \t]+)?(?:"(?P<q>[^"\n]{1,100})"|'(?P<s>[^'\n]{1,100})'|(?P<k>[A-Za-z_][\w.-]{0,100}))
        [ \t]*:[ \t]*(?:[|>][-+]?\d?[ \t]*)?(?:\#[^\n]*)?$""",
    regex.VERBOSE,
)
_SECTION = regex.compile(  # an INI or TOML section: `[client]`, `[database.replica]`, `[[servers]]`
    r"""[ \t]*\[{1,2}[ \t]*(?P<k>[A-Za-z0-9_][\w. :"-]{0,100}?)[ \t]*\]{1,2}[ \t]*(?:[\#;][^\n]*)?$""",
    regex.VERBOSE,
)
_LABEL = regex.compile(  # what opens a brace: `"database": {`, `database = {`, `variable "db_password" {`,
    # and the first object of a list: `"oncall": [{`
    r"""(?:"(?P<q>[^"\n]{1,100})"|'(?P<s>[^'\n]{1,100})'|(?P<k>[A-Za-z_][\w.-]{0,100}))
        [ \t]*(?:=>|[:=])?[ \t]*(?:\[[ \t]*)?$""",
    regex.VERBOSE,
)
_BRACES = re.compile(r"[{}]")
# Keys that name a slot, not a value: the value's name is that of the key, section or block around them.
_SLOTS = frozenset(
    {"value", "values", "default", "data", "current", "content", "secret_value", "string_value"}
)
_PARENT_LINES = 200  # lines looked back for an enclosing YAML key or INI section


def _label(m: regex.Match[str] | None) -> str | None:
    return None if m is None else (m.group("q") or m.group("s") or m.group("k"))


def _enclosing_braces(text: str) -> tuple[list[int], list[int], list[int]]:
    """The positions of the `{` in the text and of their `}` (the text's end for one never closed), in the
    order of the `{`, and the index of the `{` around each (-1 for none).  A `}` closes the last `{` still
    open, so the braces nest: a brace that opens before another and closes after it encloses it."""
    opens: list[int] = []
    closes: list[int] = []
    parents: list[int] = []
    stack: list[int] = []
    end = len(text)
    for m in _BRACES.finditer(text):
        pos = m.start()
        if text[pos] == "{":
            parents.append(stack[-1] if stack else -1)
            stack.append(len(opens))
            opens.append(pos)
            closes.append(end)  # until closed
        elif stack:
            closes[stack.pop()] = pos
    return opens, closes, parents


def _innermost_brace(opens: list[int], closes: list[int], parents: list[int], at: int) -> int:
    """The index of the innermost `{` open at `at` (see `_enclosing_braces`), or -1.  From the last `{`
    before `at`, up through the braces around it: one closed before `at` cannot be around it, and a brace
    around `at` that opened before that one is around that one too (braces nest).  (A walk back over every
    `{` before `at` took a Python step per brace, for each key: quadratic in a script of `${VAR}`s.)"""
    i = bisect.bisect_left(opens, at) - 1
    while i >= 0 and closes[i] < at:
        i = parents[i]
    return i


class _Spans:
    """The spans of a pattern's matches in a slice of a text, found only as far as they are asked for.

    Matches are found left to right, each search going on where the last match ended, so the spans found up
    to a position are the same whether or not the rest of the slice is ever matched.
    """

    __slots__ = ("_endpos", "_limit", "_matches", "_pattern", "_pos", "_text", "spans")

    def __init__(
        self,
        pattern: regex.Pattern[str] | re.Pattern[str],
        text: str,
        limit: float,
        pos: int = 0,
        endpos: int | None = None,
    ) -> None:
        """`limit`: seconds for each search of a `regex` pattern (one of the standard library's engine has
        no time limit: only for searches that are bounded otherwise)."""
        self._pattern, self._text, self._limit = pattern, text, limit
        self._pos, self._endpos = pos, len(text) if endpos is None else endpos
        self._matches: Iterator[regex.Match[str] | re.Match[str]] | None = self._finditer()
        self.spans: list[tuple[int, int]] = []

    def _finditer(self) -> Iterator[regex.Match[str] | re.Match[str]]:
        pattern = self._pattern
        if isinstance(pattern, re.Pattern):
            return pattern.finditer(self._text, self._pos, self._endpos)
        return pattern.finditer(self._text, self._pos, self._endpos, timeout=self._limit)

    def until(self, end: int) -> list[tuple[int, int]]:
        """The spans, found at least until one starts at or after `end` (or the slice ends).

        Raises TimeoutError when one search takes longer than the limit; the next call starts over.
        """
        while self._matches is not None and (not self.spans or self.spans[-1][0] < end):
            try:
                m = next(self._matches, None)
            except TimeoutError:
                self._matches = self._finditer()
                self.spans = []
                raise
            if m is None:
                self._matches = None
            else:
                self.spans.append(m.span())
        return self.spans


_T = TypeVar("_T")


class _once(Generic[_T]):
    """`functools.cached_property` without its lock.  Python 3.11's takes a lock on each first access
    (3.12 dropped it): a microsecond, and the engine makes 230,000 first accesses per 10,000 groups.  A
    TextContext is one text's, used by one scan in one thread.  Like cached_property, the value goes into
    the instance's `__dict__`, which later lookups find first, and an exception stores nothing."""

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _once[_T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> _T | _once[_T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


class TextContext:
    """Lazy facts about one text being scanned."""

    __slots__ = ("__dict__", "key", "kind", "limit", "pairs_timed_out", "protocol", "text")

    def __init__(
        self,
        text: str,
        kind: FieldKind,
        key: str | None = None,
        protocol: str | None = None,
        limit: float = 1.0,
    ) -> None:
        self.text = text
        self.kind = kind
        self.key = key
        self.protocol = protocol
        self.limit = limit  # seconds for each analysis of the text (assignments, structure)
        self.pairs_timed_out = False  # finding the assignments hit the time limit (see `pairs`)

    @_once
    def lower(self) -> str:
        return self.text.lower()

    @_once
    def haystack(self) -> str:
        """The lowercase key and text, a line apart: where keywords and context words are looked for."""
        return f"{self.key.lower()}\n{self.lower}" if self.key else self.lower

    @_once
    def digit_run(self) -> int:
        """The length of the longest run of ASCII digits (a cheap gate for number rules)."""
        runs = _DIGITS.findall(self.text)
        return max(map(len, runs)) if runs else 0

    @_once
    def key_words(self) -> tuple[str, ...]:
        return tuple(words(self.key)) if self.key else ()

    @_once
    def tokens(self) -> frozenset[str]:
        """Every word token of the field's key and of the text: a superset of the context words any candidate
        can have (its key, the key it is assigned to, the words near it)."""
        # (each distinct word lowercased once: a script repeats most of its words)
        found = (_ASCII_WORD if self.text.isascii() else _WORD).findall(self.text)
        return frozenset(map(str.lower, set(found))).union(self.key_words)

    @_once
    def framed(self) -> bytes | None:
        """The text as the Hyperscan gates and shapes read it (`prefilter.reversed_framed`), made once for
        all of them; None when it is not ASCII."""
        return reversed_framed(self.text) if self.text.isascii() else None

    def known_tokens(self) -> frozenset[str] | None:
        """`tokens` when they have been found already, else None (without finding them)."""
        return self.__dict__.get("tokens")

    @_once
    def _line_starts(self) -> list[int]:
        """Where each line starts: 0, then one past each line break (summed from the lines' lengths, in C)."""
        lengths = map(len, self.text.split("\n"))
        starts = list(itertools.accumulate(map(operator.add, lengths, itertools.repeat(1)), initial=0))
        starts.pop()  # (where a line after the last would start)
        return starts

    def line_of(self, pos: int) -> int:
        return bisect.bisect_right(self._line_starts, pos)

    def line_span(self, pos: int) -> tuple[int, int]:
        n = self.line_of(pos)
        start = self._line_starts[n - 1]
        end = self.text.find("\n", start)
        return start, (len(self.text) if end < 0 else end)

    @_once
    def pairs(self) -> list[Pair]:
        """Key/value assignments found in the text, in order of their values' positions; each key as
        `key_text` spells it.

        When finding them takes longer than the time limit (thousands of overlapping candidates, such as
        `a=a=a=...`), they are found again with each search reading at most `BOUNDED_WINDOW` characters, a
        search linear in the text's length, and `pairs_timed_out` says so: a value longer than that is cut at
        the window's end.  Raises TimeoutError when even that takes longer than the limit (and at once on
        later calls).
        """
        if self.pairs_timed_out:
            if "_bounded_pairs_failed" in self.__dict__:
                raise TimeoutError("assignments")
        else:
            try:
                return self._pairs(None)
            except TimeoutError:
                self.pairs_timed_out = True
        try:
            return self._pairs(BOUNDED_WINDOW)
        except TimeoutError:
            self.__dict__["_bounded_pairs_failed"] = True
            raise

    def _pairs(self, window: int | None) -> list[Pair]:
        out: list[Pair] = []
        if self.key is not None and self.kind in (FieldKind.TAG_VALUE, FieldKind.TEXT, FieldKind.ENDPOINT):
            out.append(Pair(self.key, 0, len(self.text), self.text))
        out.extend(_assignments(self.text, self.limit, window))
        if "insert" in self.lower:
            try:
                out.extend(_sql_pairs(self.text, self.limit))
            except TimeoutError:
                if window is None:
                    raise
        if "\n" in self.text and any(map(self.text.__contains__, _CSV_DELIMITERS)):
            out.extend(_csv_pairs(self.text))
        out = [self._named(p) for p in out]
        out.sort(key=_by_value_start)
        return out

    def _named(self, pair: Pair) -> Pair:
        """The pair with its key as `key_text` spells it; a generic slot (`value`, `default`, ...) takes the
        name of what encloses it: `token:\n  value: x`, `variable "db_password" {\n  default = "x"\n}`."""
        key = key_text(pair.key)
        if key in _SLOTS and pair.at >= 0:
            parent, at = self._parent(pair.at)
            if parent:
                key = key_text(f"{parent}_{key}")
                # A CloudFormation template's interface labels its parameters (`ParameterLabels:
                # DbPassword: {default: Database password}`): the label of a password is no password.
                if pair.key == "default" and at >= 0 and self._parent(at)[0] == "ParameterLabels":
                    key = "label"
        return Pair(key, pair.start, pair.end, pair.value, pair.at, pair.parent, pair.record)

    @_once
    def _braces(self) -> tuple[list[int], list[int], list[int]]:
        return _enclosing_braces(self.text)

    def parent_of(self, at: int) -> str | None:
        """The name of what encloses the key at `at`: the label of the nearest brace around it (`"db": {`,
        `variable "db_password" {`), else the YAML key it is nested under, else its INI or TOML section."""
        return self._parent(at)[0]

    def _parent(self, at: int) -> tuple[str | None, int]:
        """`parent_of`, and where that name starts in the text (-1 when there is none)."""
        if "{" in self.text:
            opens, closes, parents = self._braces
            i = _innermost_brace(opens, closes, parents, at)
            if i >= 0:
                ls = self.text.rfind("\n", 0, opens[i]) + 1
                m = _LABEL.search(self.text, max(ls, opens[i] - 200), opens[i])
                return _label(m), -1 if m is None else m.start()
        ls, _ = self.line_span(at)
        column = at - ls
        n = self.line_of(at) - 1  # the index of the key's line in _line_starts
        indented = True  # still looking for a YAML parent
        for k in range(n - 1, max(-1, n - 1 - _PARENT_LINES), -1):
            start = self._line_starts[k]
            end = self._line_starts[k + 1] - 1
            line = self.text[start:end]
            content = line.lstrip(" \t")
            if not content or content[0] == "#":
                continue
            if content[0] == "[":
                section = _SECTION.fullmatch(line)
                if section is not None:
                    return section.group("k").strip('"'), start + section.start("k")
            if indented:
                col = len(line) - len(content) + (2 if content.startswith("- ") else 0)
                if col < column:
                    opener = _OPENER.fullmatch(line)
                    if opener is not None:
                        return _label(opener), start + col
                    indented = False
            if not indented and column > 0:
                return None, -1  # an indented key under something that is not a YAML key or a section
        return None, -1

    @_once
    def _pair_starts(self) -> list[int]:
        return [p.start for p in self.pairs]

    def pair_at(self, start: int, end: int) -> Pair | None:
        """The innermost assignment whose value contains the span."""
        i = bisect.bisect_right(self._pair_starts, start) - 1
        best = None
        while i >= 0:
            p = self.pairs[i]
            if (
                p.start <= start
                and end <= p.end
                and (best is None or p.end - p.start < best.end - best.start)
            ):
                best = p
            if self.pairs[i].start < start - 4000:
                break
            i -= 1
        return best

    @_once
    def _structure(self) -> dict[int, _Spans]:
        return {}

    def in_structure(self, start: int, end: int) -> bool:
        """Whether the span overlaps AWS structure.

        No form of AWS structure crosses a line break, so each line is matched on its own (lookbehinds and
        `^` still see the text before it) and only as far as the span: a candidate near the end of a long
        script costs a search of its line, not of the whole text.
        """
        first = self.line_of(start)
        last = self.line_of(max(start, end - 1))
        for n in range(first, last + 1):
            spans = self._structure.get(n)
            if spans is None:
                line_start = self._line_starts[n - 1]
                line_end = self.text.find("\n", line_start)
                line_end = len(self.text) if line_end < 0 else line_end
                spans = self._structure[n] = (
                    _Spans(_STRUCTURE_STD, self.text, self.limit, line_start, line_end)
                    if line_end - line_start <= _STD_LINE and self.text.isascii()
                    else _Spans(_STRUCTURE, self.text, self.limit, line_start, line_end)
                )
            for s, e in spans.until(end):
                if s < end and start < e:
                    return True
                if s >= end:
                    break
        return False

    def window_words(self, start: int, end: int, before: int, after: int) -> Iterator[str]:
        """Word tokens within `before` characters before and `after` characters after a span, on its line;
        for a span that starts its line (after blanks or a list's `- `), also those of a label that ends the
        line before it (`Phone:` / `201-948-1927` in a contact block)."""
        ls, le = self.line_span(start)
        yield from words(self.text[max(ls, start - before) : start])
        if before and ls > 1 and not self.text[ls:start].strip(" \t-"):
            label = self.text[self.text.rfind("\n", 0, ls - 1) + 1 : ls - 1].rstrip()
            if label.endswith(":"):
                yield from words(label[-before:])
        if after:
            yield from words(self.text[end : min(le, end + after)])
        if before:
            above = self.comment_above(start, end)
            if above is not None:
                yield from words(self.text[above[0] : above[1]])

    def comment_above(self, start: int, end: int) -> tuple[int, int] | None:
        """The span of a comment line right above the span's line when the span is the value of an
        assignment that starts its line: a heading that says what the value is (`# 口座番号` over
        `KOZA_BANGO=0684656`, `# customer's bank account` over `ACCT=...`).  At most 80 characters of it."""
        ls, _ = self.line_span(start)
        if ls < 2:
            return None
        if _LINE_KEY.fullmatch(self.text, ls, start) is None:
            return None
        cs = self.text.rfind("\n", 0, ls - 1) + 1
        m = _COMMENT_LINE.match(self.text, cs, ls - 1)
        if m is None:
            return None
        return max(m.end(), ls - 1 - 80), ls - 1

    def since_value(self, start: int, before: int) -> int | None:
        """Where the text after the last digit before `start` (within `before` characters, on its line)
        begins: what labels the value at `start` when another value comes before it.  None when no digit
        comes before it there."""
        ls, _ = self.line_span(start)
        lo = max(ls, start - before)
        last = max(self.text.rfind(d, lo, start) for d in "0123456789")
        return None if last < 0 else last + 1

    def key_text(self) -> str | None:
        """The field's own key as `key_text` spells it, else None."""
        return key_text(self.key) if self.key else None

    def key_text_at(self, start: int, end: int) -> str | None:
        """The key the span is assigned to as `key_text` spells it (the innermost assignment, or the field's
        own key), else None."""
        pair = self.pair_at(start, end)
        return pair.key if pair is not None else self.key_text()

    def key_words_at(self, start: int, end: int) -> set[str]:
        """The words of the key the span is assigned to (the innermost assignment, or the field's own key),
        and of what encloses that key (its YAML parent, JSON object or INI section: `parent_of`)."""
        pair = self.pair_at(start, end)
        if pair is None:
            return set(self.key_words)
        found = {w for w in pair.key.split("_") if w}
        if pair.parent is not None:
            found.update(words(pair.parent))
        elif pair.at >= 0:
            parent = self.parent_of(pair.at)
            if parent:
                found.update(words(parent))
        return found

    def record_words_at(self, start: int, end: int) -> set[str]:
        """The words of the names of the fields of the record whose value the span is: a table row's columns
        (`name;dob;passport`), or the keys of the JSON object (or other braces) its key is in."""
        pair = self.pair_at(start, end)
        if pair is None:
            return set()
        if pair.record:
            return set(words(pair.record))
        if pair.at < 0 or "{" not in self.text:
            return set()
        # the other keys of the object that holds the key (`{"name": ..., "dob": ..., "passport": ...}`)
        opens, closes, parents = self._braces
        i = _innermost_brace(opens, closes, parents, pair.at)
        if i < 0:
            return set()
        lo, hi = opens[i], closes[i]
        first = bisect.bisect_right(self._pair_starts, lo)
        found: set[str] = set()
        for p in self.pairs[first:]:
            if p.start > hi:
                break
            if lo < p.at < hi and _innermost_brace(opens, closes, parents, p.at) == i:
                found.update(w for w in p.key.split("_") if w)
        return found

    def context_words(
        self, start: int, end: int, before: int, after: int, assigned: set[str] | None = None
    ) -> set[str]:
        """Words that give a candidate meaning: the field's key, the key it is assigned to, nearby words.

        `assigned` is `key_words_at(start, end)` when the caller already has it.
        """
        found = self.key_words_at(start, end) if assigned is None else set(assigned)
        found.update(self.key_words)
        found.update(self.window_words(start, end, before, after))
        return found
