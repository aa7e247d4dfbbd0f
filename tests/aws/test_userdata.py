"""User-data decoding: every encoding EC2 and cloud-init accept, nested, and the bounds."""

from __future__ import annotations

import base64
import gzip
import quopri

from metascan.aws.userdata import Limits, decode_user_data


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
        ("base64", "mime:3"),
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
        ("base64", "write_files:/etc/app.env"),
        ("base64", "write_files:/etc/app2.env", "gzip"),
    ]
    assert d.segments[1].text == "API_TOKEN=abc\n"
    assert d.segments[2].text == "SECRET=xyz\n"


def test_cloud_config_write_files_binary_gzip() -> None:
    packed = base64.encodebytes(gz("TOKEN=abc\n")).decode().strip().replace("\n", "\n    ")
    head = "#cloud-config\nwrite_files:\n- encoding: gzip\n  path: /usr/bin/hello\n"
    cloud = f"{head}  content: !!binary |\n    {packed}\n"
    d = decode_user_data(b64(cloud))
    assert [(s.decoding, s.text) for s in d.segments[1:]] == [
        (("base64", "write_files:/usr/bin/hello", "gzip"), "TOKEN=abc\n")
    ]


def test_truncated_write_files_content_is_reported() -> None:
    cloud = "#cloud-config\nwrite_files:\n- encoding: b64\n  content: CiMgVGhpcyBm...\n  path: /etc/x\n"
    d = decode_user_data(b64(cloud))
    assert d.skipped == ["write_files content is not valid base64 (write_files:/etc/x)"]


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
