"""User-data decoding: every encoding EC2 and cloud-init accept, nested, and the bounds."""

from __future__ import annotations

import base64
import binascii
import gzip
import quopri
import subprocess
import sys

from metascan.aws.bootformats import FormatLimits
from metascan.aws.layers import derive
from metascan.aws.userdata import Decoded, Limits, decode_user_data


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def gz(text: str) -> bytes:
    return gzip.compress(text.encode(), mtime=0)


SCRIPT = "#!/bin/bash\nexport DB_PASSWORD='Tz7j6eB!SOebfTM#'\n"


def mime(*parts: tuple[str, str, str]) -> str:
    """A cloud-init style multipart document; parts are (content type, transfer encoding, payload)."""
    out = ['Content-Type: multipart/mixed; boundary="//"', "MIME-Version: 1.0", ""]
    for ctype, cte, payload in parts:
        out += ["--//", f'Content-Type: {ctype}; charset="us-ascii"', "MIME-Version: 1.0"]
        if cte:
            out.append(f"Content-Transfer-Encoding: {cte}")
        out += ["", payload]
    out.append("--//--")
    return "\n".join(out) + "\n"


def test_plain_base64_shell() -> None:
    d = decode_user_data(b64(SCRIPT))
    assert [s.decoding for s in d.segments] == [("base64",)]
    assert d.segments[0].text == SCRIPT
    assert d.skipped == []


def test_gzip_is_detected_by_its_magic_bytes() -> None:
    d = decode_user_data(b64(gz(SCRIPT)))
    assert [(s.decoding, s.text) for s in d.segments] == [(("base64", "gzip"), SCRIPT)]


def test_mime_parts_with_base64_quoted_printable_and_gzip() -> None:
    cloud = "#cloud-config\npassword: 'Xy7#kLm2pQ'\n"
    doc = mime(
        ("text/cloud-config", "7bit", cloud),
        ("text/x-shellscript", "base64", b64(SCRIPT)),
        ("text/x-shellscript", "quoted-printable", quopri.encodestring(b"echo caf\xc3\xa9=done\n").decode()),
        ("application/x-gzip", "base64", b64(gz("#!/bin/sh\necho inner\n"))),
    )
    d = decode_user_data(b64(doc))
    chains = [s.decoding for s in d.segments]
    assert chains == [
        ("base64", "mime:1"),
        ("base64", "mime:2", "base64"),
        ("base64", "mime:3", "quoted-printable"),
        ("base64", "mime:4", "base64", "gzip"),
    ]
    texts = [s.text for s in d.segments]
    assert texts[0].startswith("#cloud-config")
    assert texts[1] == SCRIPT
    assert "café=done" in texts[2]
    assert texts[3] == "#!/bin/sh\necho inner\n"
    assert d.skipped == []


def test_gzipped_mime() -> None:
    doc = mime(("text/x-shellscript", "", SCRIPT))
    d = decode_user_data(b64(gz(doc)))
    assert [s.decoding for s in d.segments] == [("base64", "gzip", "mime:1")]
    assert "DB_PASSWORD" in d.segments[0].text


def test_nested_multipart_parts_are_numbered_in_order() -> None:
    inner = (
        'Content-Type: multipart/mixed; boundary="in"\n\n--in\nContent-Type: text/x-shellscript\n\n'
        "echo a\n--in\nContent-Type: text/x-shellscript\n\necho b\n--in--\n"
    )
    outer = (
        'Content-Type: multipart/mixed; boundary="out"\nMIME-Version: 1.0\n\n--out\n'
        "Content-Type: text/x-shellscript\n\necho first\n--out\n" + inner + "--out--\n"
    )
    d = decode_user_data(b64(outer))
    assert [(s.decoding[-1], s.text.strip()) for s in d.segments] == [
        ("mime:1", "echo first"),
        ("mime:2", "echo a"),
        ("mime:3", "echo b"),
    ]


def test_cloud_config_write_files_b64_and_gzip_base64() -> None:
    env1 = b64("API_TOKEN=abc\n")
    env2 = b64(gz("SECRET=xyz\n"))
    cloud = (
        "#cloud-config\nwrite_files:\n"
        f"- path: /etc/app.env\n  encoding: b64\n  content: {env1}\n"
        f"- path: /etc/app2.env\n  encoding: gzip+base64\n  content: {env2}\n"
        "- path: /etc/plain\n  content: |\n    plain text stays in the cloud-config\n"
    )
    d = decode_user_data(b64(cloud))
    chains = [s.decoding for s in d.segments]
    assert chains == [
        ("base64",),
        ("base64", "write_files[0]", "base64"),
        ("base64", "write_files[1]", "base64", "gzip"),
    ]
    assert d.segments[1].text == "API_TOKEN=abc\n"
    assert d.segments[2].text == "SECRET=xyz\n"
    # each decoded file carries its path (rules read it as the text's key); the cloud-config itself none
    assert [s.key for s in d.segments] == [None, "/etc/app.env", "/etc/app2.env"]


def test_cloud_config_write_files_binary_gzip() -> None:
    packed = base64.encodebytes(gz("TOKEN=abc\n")).decode().strip().replace("\n", "\n    ")
    head = "#cloud-config\nwrite_files:\n- encoding: gzip\n  path: /usr/bin/hello\n"
    cloud = f"{head}  content: !!binary |\n    {packed}\n"
    d = decode_user_data(b64(cloud))
    assert [(s.decoding, s.text) for s in d.segments[1:]] == [
        (("base64", "write_files[0]", "base64", "gzip"), "TOKEN=abc\n")
    ]


def test_truncated_write_files_content_is_reported() -> None:
    cloud = "#cloud-config\nwrite_files:\n- encoding: b64\n  content: CiMgVGhpcyBm...\n  path: /etc/x\n"
    d = decode_user_data(b64(cloud))
    assert d.skipped == ["write_files content is not valid base64 (write_files[0]) (base64)"]


def test_double_base64_is_decoded_again() -> None:
    d = decode_user_data(b64(b64(SCRIPT)))
    assert [s.decoding for s in d.segments] == [("base64", "base64")]
    assert d.segments[0].text == SCRIPT


def test_invalid_base64_is_skipped_and_scanned_as_text() -> None:
    raw = "#!/bin/bash\necho not base64 at all\n"
    d = decode_user_data(raw)
    assert d.skipped == ["user data is not valid base64; scanned as plain text"]
    assert [(s.decoding, s.text) for s in d.segments] == [((), raw)]


def test_truncated_gzip_is_reported_and_partial_text_scanned() -> None:
    data = gz(SCRIPT * 50)[:-30]
    d = decode_user_data(b64(data))
    assert any("truncated" in r or "corrupt" in r for r in d.skipped), d.skipped
    assert d.segments and "DB_PASSWORD" in d.segments[0].text


def test_gzip_bomb_is_bounded() -> None:
    bomb = gzip.compress(b"A" * (20 * 1024 * 1024), mtime=0)
    limits = Limits(max_decoded_bytes=1024 * 1024)
    d = decode_user_data(b64(bomb), limits)
    assert any("past the 1048576-byte bound" in r for r in d.skipped), d.skipped
    assert sum(len(s.text) for s in d.segments) <= 1024 * 1024


def test_depth_bound_is_reported() -> None:
    data = SCRIPT.encode()
    for _ in range(12):
        data = gzip.compress(data, mtime=0)
    d = decode_user_data(b64(data), Limits(max_depth=5))
    assert any("deeper than 5" in r for r in d.skipped), d.skipped


def test_part_count_bound_is_reported() -> None:
    doc = mime(*[("text/x-shellscript", "", f"echo {i}") for i in range(10)])
    d = decode_user_data(b64(doc), Limits(max_parts=3))
    assert len(d.segments) == 3
    assert any("more than 3 parts" in r for r in d.skipped)


def test_binary_user_data_is_reported() -> None:
    d = decode_user_data(b64(bytes(range(256)) * 4))
    assert any("binary" in r for r in d.skipped)


def test_powershell_and_utf16_text() -> None:
    ps = "<powershell>\n$Password = 'Qz8#mLp2Vx'\n</powershell>\n"
    d = decode_user_data(b64(ps.encode("utf-16")))
    assert d.segments[0].text == ps


# --- issue 17: what cloud-init decodes is decoded (or listed as skipped), hostile input is bounded -------


def multipart(*parts: str, preamble: str = "", boundary: str = "==P==") -> str:
    """A multipart document of raw parts (each with its own headers)."""
    body = "".join(f"--{boundary}\n{p}\n" for p in parts)
    head = f'Content-Type: multipart/mixed; boundary="{boundary}"\nMIME-Version: 1.0\n\n'
    return f"{head}{preamble}{body}--{boundary}--\n"


def decoded_with(d: Decoded, needle: str) -> list[tuple[str, ...]]:
    return [s.decoding for s in d.segments if needle in s.text]


def test_gzip_with_two_members_is_read_whole() -> None:
    data = gzip.compress(b"#!/bin/sh\necho first member\n", mtime=0) + gz(SCRIPT)
    d = decode_user_data(b64(data))
    assert d.skipped == []
    assert decoded_with(d, "Tz7j6eB") == [("base64", "gzip")]


def test_bytes_after_gzip_that_are_not_gzip_are_reported() -> None:
    d = decode_user_data(b64(gz(SCRIPT) + b"trailing garbage"))
    assert decoded_with(d, "Tz7j6eB") == [("base64", "gzip")]
    assert d.skipped == ["16 bytes after the gzip data are not gzip; not decoded (base64>gzip)"]


def uuencode(data: bytes) -> str:
    lines = [binascii.b2a_uu(data[i : i + 45]).decode() for i in range(0, len(data), 45)]
    return "begin 644 part\n" + "".join(lines) + "`\nend\n"


def test_mime_part_in_uuencode() -> None:
    head = "Content-Type: text/x-shellscript\nContent-Transfer-Encoding: x-uuencode\n\n"
    part = head + uuencode(SCRIPT.encode())
    d = decode_user_data(b64(multipart(part)))
    assert d.skipped == []
    assert decoded_with(d, "Tz7j6eB") == [("base64", "mime:1", "uuencode")]


def test_mime_preamble_and_epilogue_are_scanned() -> None:
    doc = multipart("Content-Type: text/x-shellscript\n\necho part", preamble=SCRIPT + "\n")
    doc += "epilogue: contact ana.souza@northwind-logistics.com\n"
    d = decode_user_data(b64(doc))
    assert decoded_with(d, "Tz7j6eB") == [("base64", "mime:preamble")]
    assert decoded_with(d, "ana.souza") == [("base64", "mime:epilogue")]


def test_utf16_with_a_byte_order_mark_is_text_not_binary() -> None:
    for data in (SCRIPT.encode("utf-16"), SCRIPT.encode("utf-16-be").join([b"\xfe\xff", b""])):
        d = decode_user_data(b64(data))
        assert d.skipped == []
        assert [(s.decoding, s.text) for s in d.segments] == [(("base64", "utf-16"), SCRIPT)]


def test_utf16_without_a_byte_order_mark_and_a_part_charset() -> None:
    d = decode_user_data(b64(SCRIPT.encode("utf-16-le")))
    assert [(s.decoding, s.text) for s in d.segments] == [(("base64", "utf-16"), SCRIPT)]
    part = (
        'Content-Type: text/x-shellscript; charset="utf-16-le"\nContent-Transfer-Encoding: base64\n\n'
        + b64(SCRIPT.encode("utf-16-le"))
    )
    d = decode_user_data(b64(multipart(part)))
    assert decoded_with(d, "Tz7j6eB") == [("base64", "mime:1", "base64", "utf-16-le")]


def test_a_charset_that_is_a_python_codec_but_not_a_charset_is_not_used() -> None:
    """`punycode` decodes in quadratic time (80 KB: 6 s) and raised UnicodeError, a traceback, on text that
    is not punycode; `unicode-escape` would read what it holds as escapes.  A part or a data URL that declares
    one is read as UTF-8."""
    body = "x" * 4000 + "-" + "999" * 1000 + "\n" + SCRIPT
    for charset in ("punycode", "idna", "unicode-escape"):
        part = f'Content-Type: text/x-shellscript; charset="{charset}"\n\n{body}'
        d = decode_user_data(b64(multipart(part)))
        assert d.skipped == []
        assert decoded_with(d, "Tz7j6eB") == [("base64", "mime:1")]
        url = "data:text/plain;charset=" + charset + ";base64," + b64(body)
        got, problems = derive(f"source={url}")
        assert problems == []
        assert ("data-url", "base64") in [g.steps for g in got if "Tz7j6eB" in g.text]


def test_more_than_64_mime_parts_are_all_decoded() -> None:
    parts = [f"Content-Type: text/x-shellscript\n\necho {i}" for i in range(80)]
    d = decode_user_data(b64(multipart(*parts, f"Content-Type: text/x-shellscript\n\n{SCRIPT}")))
    assert d.skipped == []
    assert decoded_with(d, "Tz7j6eB") == [("base64", "mime:81")]


def test_cloud_config_part_without_its_header() -> None:
    cloud = f"write_files:\n- path: /etc/app.env\n  encoding: b64\n  content: {b64(SCRIPT)}\n"
    d = decode_user_data(b64(multipart(f"Content-Type: text/cloud-config\n\n{cloud}")))
    assert decoded_with(d, "Tz7j6eB") == [("base64", "mime:1", "write_files[0]", "base64")]


def test_gzip_content_type_without_gzip_is_reported() -> None:
    d = decode_user_data(b64(multipart(f"Content-Type: application/x-gzip\n\n{SCRIPT}")))
    assert d.skipped == [
        "MIME part declared application/x-gzip is not gzip (base64>mime:1); scanned as it is"
    ]
    assert decoded_with(d, "Tz7j6eB") == [("base64", "mime:1")]


def test_write_files_entries_are_named_by_index_not_by_path() -> None:
    """Issue 17.3: a path can hold an e-mail address or an account id, and it is not always a string."""
    cloud = (
        "#cloud-config\nwrite_files:\n"
        "- path: /srv/ana.souza@northwind-logistics.com/210987654322.env\n"
        f"  encoding: b64\n  content: {b64(SCRIPT)}\n"
        "- path: {owner: ana.souza@northwind-logistics.com, id: [1, 2, 3]}\n"
        f"  encoding: b64\n  content: {b64(SCRIPT)}\n"
    )
    d = decode_user_data(b64(cloud))
    chains = [s.decoding for s in d.segments if s.parent < 0]
    assert chains == [
        ("base64",),
        ("base64", "write_files[0]", "base64"),
        ("base64", "write_files[1]", "base64"),
    ]
    assert not [c for c in chains if any("ana.souza" in step or "2109876" in step for step in c)]


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels + 1):
        refs = ",".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines)


def test_a_yaml_alias_bomb_is_skipped_and_the_rest_still_decoded() -> None:
    """Issue 17.7: a few hundred bytes of YAML that expand to 10^9 items."""
    bomb = (
        "#cloud-config\n"
        + billion_laughs()
        + "\nwrite_files:\n- path: *a9\n  encoding: b64\n  content: eA==\n"
    )
    assert len(bomb) < 1024
    doc = multipart(
        f"Content-Type: text/cloud-config\n\n{bomb}", f"Content-Type: text/x-shellscript\n\n{SCRIPT}"
    )
    d = decode_user_data(b64(doc))
    assert d.skipped == [
        "cloud-config is more than 100000 YAML nodes once aliases are expanded (an alias bomb?); not decoded"
        " (base64>mime:1)"
    ]
    assert decoded_with(d, "Tz7j6eB") == [("base64", "mime:2")]
    assert decoded_with(d, "&a9") == [("base64", "mime:1")]  # the bomb's text is still scanned as text


def test_yaml_with_few_aliases_is_read() -> None:
    cloud = (
        "#cloud-config\ndefaults: &d {encoding: b64, permissions: '0600'}\nwrite_files:\n"
        f"- <<: *d\n  path: /etc/a\n  content: {b64(SCRIPT)}\n"
    )
    d = decode_user_data(b64(cloud))
    assert d.skipped == []
    assert decoded_with(d, "Tz7j6eB") == [("base64", "write_files[0]", "base64")]


def test_a_base64_check_is_linear_on_hostile_padding() -> None:
    """Issue 17.8: `AAA` + a million spaces + `!` as a base64 MIME part (2 KB of gzip+base64 user data) made
    the old pattern backtrack for minutes.  Run in a child process so that a regression fails, not hangs."""
    part = (
        "Content-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\n\nAAA" + " " * 1_000_000 + "!"
    )
    user_data = b64(gzip.compress(multipart(part).encode(), mtime=0))
    assert len(user_data) < 4096
    code = (
        "import sys; from metascan.aws.userdata import decode_user_data;"
        "print(decode_user_data(sys.stdin.read()).skipped)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], input=user_data, capture_output=True, text=True, timeout=120, check=True
    )
    assert "MIME part is not valid base64 (base64>gzip>mime:1); scanned as text" in proc.stdout


def test_a_long_content_type_header_is_cut_to_its_media_type() -> None:
    """The standard library reads a header's parameters in quadratic time: 4 KB of gzipped user data holding
    a 3 MB Content-Type header of `;"` would take minutes.  Run in a child process so that a regression
    fails, not hangs."""
    header = 'Content-Type: text/x-shellscript; a="' + ';"' * 1_500_000 + '"'
    user_data = b64(gz(multipart(f"{header}\n\n{SCRIPT}")))
    assert len(user_data) < 8192
    code = (
        "import sys; from metascan.aws.userdata import decode_user_data;"
        "d = decode_user_data(sys.stdin.read());"
        "print(d.skipped); print([s.decoding for s in d.segments if 'Tz7j6eB' in s.text])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], input=user_data, capture_output=True, text=True, timeout=120, check=True
    )
    skip = "MIME Content-Type header longer than 4096 characters; its parameters were not read (base64>gzip)"
    assert proc.stdout.split("\n")[:2] == [str([skip]), "[('base64', 'gzip', 'mime:1')]"]


def test_a_long_folded_content_type_header_of_the_document_is_cut_too() -> None:
    folded = "".join(f"\n ;x{i}=1" for i in range(1000))
    doc = multipart(f"Content-Type: text/x-shellscript\n\n{SCRIPT}").replace(
        'boundary="==P=="', f'boundary="==P=="{folded}', 1
    )
    d = decode_user_data(b64(doc))
    assert d.skipped == [
        "MIME Content-Type header longer than 4096 characters; its parameters were not read (base64)"
    ]
    # Without its boundary the document is one part: its text is still scanned.
    assert decoded_with(d, "Tz7j6eB") == [("base64", "mime:1")]


def many_strings_and_one_escaped(n: int) -> str:
    """A cloud-config of `n` plain strings, then one string whose YAML escapes hide what it holds."""
    lines = "".join(f"- echo step-{i:08d} done\n" for i in range(n))
    return f'#cloud-config\nruncmd:\n{lines}- "DB_USER=app\\tDB_PASSWORD=Tz7j6eB!SOebfTM#"\n'


def test_escaped_strings_of_a_large_document_are_read_in_linear_time() -> None:
    """Each string of a document was looked for in the whole raw text: 80,000 strings (1.7 MB of cloud-config,
    far less once gzipped) took 200 s.  Run in a child process so that a regression fails, not hangs."""
    user_data = b64(gz(many_strings_and_one_escaped(80_000)))
    code = (
        "import sys; from metascan.aws.userdata import decode_user_data;"
        "d = decode_user_data(sys.stdin.read());"
        "print([r for r in d.skipped if 'time limit' in r or 'cloud-config' in r]);"
        "print([s.decoding for s in d.segments if s.text.startswith('DB_USER=app')])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], input=user_data, capture_output=True, text=True, timeout=120, check=True
    )
    # (The json-escape layer over the whole 1.7 MB text is past its 1 MiB bound: a skip of its own.)
    assert proc.stdout.split("\n")[:2] == ["[]", "[('base64', 'gzip', 'cloud-config:runcmd[80000]')]"]


def test_an_escaped_strings_step_names_its_path_through_keys_lists_and_unsafe_keys() -> None:
    """A string that YAML escapes changed is named by its path: `.key` for a short identifier, `[i]` for a
    list index, `[*]` for any other key (a path, an address: what a user wrote is no decoding step)."""
    doc = (
        "#cloud-config\n"
        "bootcmd:\n"
        "  - [sh, -c, 'true']\n"
        '  - [sh, -c, "A=1\\nDB_PASSWORD=Tz7j6eB!SOebfTM#"]\n'
        "files:\n"
        '  "/etc/app.env":\n'
        '    env: "B=2\\tAPI_TOKEN=Qb7rT2mW9xK4vN8p"\n'
    )
    d = decode_user_data(b64(doc))
    steps = {s.text: s.decoding[-1] for s in d.segments if s.decoding[-1].startswith("cloud-config")}
    assert steps == {
        "A=1\nDB_PASSWORD=Tz7j6eB!SOebfTM#": "cloud-config:bootcmd[1][2]",
        "B=2\tAPI_TOKEN=Qb7rT2mW9xK4vN8p": "cloud-config:files[*].env",
    }


def test_reading_a_documents_strings_has_a_time_limit() -> None:
    d = decode_user_data(b64(many_strings_and_one_escaped(50)), Limits(formats=FormatLimits(time_limit=0.0)))
    assert d.skipped == ["time limit (0s) stopped reading the cloud-config document's strings (base64)"]
    assert d.segments[0].decoding == ("base64",)  # the raw text is still scanned (and its layers undone)
    assert [s.decoding for s in d.segments if "cloud-config" in "".join(s.decoding)] == []


def test_a_text_with_a_header_like_first_line_is_not_read_as_mime() -> None:
    # As MIME, its first lines would be headers and would never be scanned.
    text = f"DB_PASSWORD: {PLAIN_PASSWORD}\ncontent-type: application/json\n\n{{}}\n"
    d = decode_user_data(b64(text))
    assert [(s.decoding, s.text) for s in d.segments] == [(("base64",), text)]
    mime_doc = f"From: ops\nMIME-Version: 1.0\nContent-Type: text/x-shellscript\n\n{SCRIPT}"
    assert decoded_with(decode_user_data(b64(mime_doc)), "Tz7j6eB") == [("base64", "mime:1")]


PLAIN_PASSWORD = "Rv8#nT2qLx5w"
