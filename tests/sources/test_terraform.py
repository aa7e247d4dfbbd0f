"""Terraform read as the API responses of what it manages: `.tf` files (heredocs, base64encode, references),
`terraform show -json` of a plan and of state, a raw `terraform.tfstate` and `.tf.json`."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest

import metascan
from metascan.sources import content, hcl, terraform

TF = Path(__file__).resolve().parents[1] / "fixtures" / "iac" / "terraform"
KEY = b"terraform-test-key-0123456789"

# What the configuration in fixtures/iac/terraform plants, on the resources and fields the API would show.
GROUP = "billing-api"
PLANTED = {
    (
        "generic-secret-assignment",
        "LaunchTemplateVersion",
        "LaunchTemplateData.UserData",
        "Fq6-Mz3r-Wn8t-Lb5v",
    ),
    (
        "email-address",
        "LaunchTemplateVersion",
        "LaunchTemplateData.TagSpecifications[instance].Tags[Owner].Value",
        "sanjay.raman@billing-team.io",
    ),
    ("email-address", "LaunchTemplateVersion", "VersionDescription", "sanjay.raman@billing-team.io"),
    ("phone-number", "AutoScalingGroup", "Tags[Escalation].Value", "+49 30 18272 3456"),
    ("iban", "LifecycleHook", "NotificationMetadata", "GB96BARC20038041234567"),
    ("sns-sms-endpoint", "SnsSubscription", "Endpoint", "+447911123456"),
    ("template-noecho-default", "TemplateParameter", "DefaultValue", "Jc5-Tv8k-Hy3m"),
}


def scan(*paths: Path) -> metascan.Report:
    return metascan.scan_files(list(paths), fingerprint_key=KEY)


def found(report: metascan.Report) -> set[tuple[str, str, str, str | None]]:
    return {(f.rule, f.resource.type, f.location.field, f.match) for f in report.findings}


def test_tf_files() -> None:
    report = scan(TF / "main.tf", TF / "variables.tf")
    assert report.errors == [] and report.skipped == []
    planted = PLANTED | {("password-command-line", "LaunchConfiguration", "UserData", "Rk7-Pz2n-Qw4x")}
    assert planted <= found(report)
    # var.db_password in user data, templatefile() user data, var.team tags, a sensitive variable without a
    # default: references, never findings.
    assert {f.match for f in report.findings if f.match} == {m for *_, m in planted}
    ids = {(f.resource.type, f.resource.id) for f in report.findings}
    assert ("LaunchTemplateVersion", "aws_launch_template.api:1") in ids
    assert ("LifecycleHook", f"{GROUP}/warm-cache") in ids
    assert ("LaunchConfiguration", "aws_launch_configuration.legacy") in ids
    text = (TF / "main.tf").read_text().splitlines()
    for f in report.findings:
        if f.match and f.location.source.endswith("main.tf") and f.rule != "iban":
            assert f.location.source_line is not None and f.match in text[f.location.source_line - 1], f
    # The heredoc is what base64encode() sends; its line 3 is line 20 of main.tf.
    (token,) = [f for f in report.findings if f.match == "Fq6-Mz3r-Wn8t-Lb5v"]
    assert token.location.decoding == ("base64",) and (token.location.line, token.location.source_line) == (
        3,
        20,
    )
    # The group launches aws_launch_template.api's latest version: its unencrypted volume is judged launched.
    (ebs,) = [f for f in report.findings if f.rule == "ebs-volume-unencrypted"]
    assert "launched by group billing-api" in str(ebs.evidence)


def test_a_tf_file_without_scanned_resources_is_skipped_in_a_directory() -> None:
    report = scan(TF)
    assert [
        (Path(s.source).name, s.reason)
        for s in report.skipped
        if s.resource is None and "SHA-1" not in s.reason
    ] == [("outputs.tf", terraform.NO_RESOURCES)]


def test_plan_json() -> None:
    report = scan(TF / "plan.json")
    assert report.errors == []
    assert found(report) >= PLANTED
    assert [s.reason for s in report.skipped] == [
        "aws_launch_configuration.legacy: user_data holds only the SHA-1 Terraform keeps of launch"
        " configuration user data; scan the .tf files that set it"
    ]
    # Unknown until apply, the group's template comes from the configuration's references.
    (ebs,) = [f for f in report.findings if f.rule == "ebs-volume-unencrypted"]
    assert "launched by group billing-api" in str(ebs.evidence)
    (sub,) = [f for f in report.findings if f.resource.type == "SnsSubscription"]
    assert sub.resource.id.startswith("billing-alerts/pending/")
    lines = (TF / "plan.json").read_text().splitlines()
    for f in report.findings:
        if f.match is None:
            continue
        line = lines[f.location.source_line - 1] if f.location.source_line else ""
        # A value as written is on its line; base64 user data points at the line of "user_data".
        assert (f.match in line) if not f.location.decoding else ('"user_data"' in line), f


def test_state_json_and_raw_tfstate() -> None:
    report = scan(TF / "state.json", TF / "terraform.tfstate")
    assert report.errors == []
    state = {t for t in PLANTED if t[0] not in ("iban", "template-noecho-default")}
    assert state <= found(report)
    by_source = {(Path(f.location.source).name, f.resource.type, f.resource.id) for f in report.findings}
    # Deployed resources carry their real ids and ARNs, so they match a live scan's.
    assert ("state.json", "LaunchTemplateVersion", "lt-04f2c9e7a1b3d5f60:3") in by_source
    assert ("terraform.tfstate", "AutoScalingGroup", GROUP) in by_source
    group = next(f for f in report.findings if f.resource.type == "AutoScalingGroup")
    assert (group.resource.account, group.resource.region) == ("210987654322", "eu-west-1")
    # A data source (mode "data") is not a managed resource: its description is not read.
    assert "jane@example.com" not in {f.match for f in report.findings}


def test_tf_json_configuration(tmp_path: Path) -> None:
    path = tmp_path / "main.tf.json"
    path.write_text(
        json.dumps(
            {
                "resource": {
                    "aws_autoscaling_lifecycle_hook": {
                        "drain": {
                            "name": "drain",
                            "autoscaling_group_name": "${aws_autoscaling_group.web.name}",
                            "notification_metadata": "refunds to GB96BARC20038041234567",
                        }
                    },
                    "aws_autoscaling_group": {"web": {"name": "web-prod", "max_size": 2, "min_size": 1}},
                },
                "variable": {"api_token": {"sensitive": True, "default": "Kd4-Xr7n-Vm2s"}},
            },
            indent=2,
        )
    )
    report = scan(path)
    assert report.errors == []
    assert {(f.rule, f.resource.id, f.match) for f in report.findings} == {
        ("iban", "web-prod/drain", "GB96BARC20038041234567"),
        ("template-noecho-default", "api_token", "Kd4-Xr7n-Vm2s"),
    }


def test_tf_json_strings_are_templates_with_their_escapes_undone(tmp_path: Path) -> None:
    """In `.tf.json` an attribute's string is a template: `$${DB_PASSWORD}` is the reference `${DB_PASSWORD}`,
    not a password; a literal password in the same user data is found, on its line of the file."""
    path = tmp_path / "main.tf.json"
    user_data = '#!/bin/bash\nexport DB_PASS="$${DB_PASSWORD}"\nexport REDIS_PASSWORD="Qw7-Lp3.Zx9"\n'
    path.write_text(
        json.dumps(
            {
                "resource": {
                    "aws_launch_configuration": {
                        "web": {"name": "web", "image_id": "ami-1", "user_data": user_data}
                    }
                }
            },
            indent=2,
        )
    )
    report = scan(path)
    assert report.errors == []
    (finding,) = report.findings
    assert (finding.rule, finding.match) == ("password-assignment", "Qw7-Lp3.Zx9")
    lines = path.read_text().splitlines()
    assert finding.location.line == 3  # of the user data
    assert finding.location.source_line == 1 + next(i for i, t in enumerate(lines) if "user_data" in t)


def test_tf_json_interpolations_are_evaluated_as_in_a_tf_file(tmp_path: Path) -> None:
    """`.tf.json` (written by hand or by CDK for Terraform) puts expressions in `${...}`: a user data of
    `${base64encode("...")}` is that text, `${local.db_password}` the document's local value, each finding
    on the line of its string; a reference (`${var.x}`, a resource's id) stays a reference and still links
    the group to its template."""
    path = tmp_path / "cdk.tf.json"
    user_data = (
        '${base64encode("#!/bin/bash\\nexport DB_PASSWORD=${local.db_password}\\n'
        'export API_TOKEN=${var.api_token}\\n")}'
    )
    path.write_text(
        json.dumps(
            {
                "locals": [{"db_password": "Wq8v-Lm2p-R9zK"}],
                "resource": {
                    "aws_launch_template": {"app": {"name": "app", "user_data": user_data}},
                    "aws_autoscaling_group": {
                        "web": {
                            "name": "web",
                            "max_size": 1,
                            "min_size": 1,
                            "launch_template": {"id": "${aws_launch_template.app.id}"},
                            "tag": [
                                {"key": "Owner", "value": '${lower("Owner")}', "propagate_at_launch": True}
                            ],
                        }
                    },
                },
            },
            indent=2,
        )
    )
    report = scan(path)
    assert report.errors == []
    (finding,) = report.findings
    assert (finding.rule, finding.match, finding.location.decoding) == (
        "password-assignment",
        "Wq8v-Lm2p-R9zK",
        ("base64",),
    )
    assert finding.location.line == 2  # of the user data
    lines = path.read_text().splitlines()
    assert finding.location.source_line == 1 + next(i for i, t in enumerate(lines) if "user_data" in t)
    assert finding.raised is not None and "web" in finding.raised  # the group launches the template


def test_tf_json_a_string_that_does_not_close_spoils_no_other(tmp_path: Path) -> None:
    """One string with an interpolation that never closes is text; the other strings of the file are still
    evaluated (the HCL made from them all stays valid)."""
    doc = {
        "locals": {"pw": "Wq8v-Lm2p-R9zK"},
        "resource": {
            "aws_launch_template": {
                "app": {
                    "name": "app",
                    "description": "broken ${lower(",
                    "user_data": '${base64encode("export DB_PASSWORD=${local.pw}")}',
                }
            }
        },
    }
    path = tmp_path / "main.tf.json"
    path.write_text(json.dumps(doc, indent=2))
    report = scan(path)
    assert report.errors == []
    assert [f.match for f in report.findings] == ["Wq8v-Lm2p-R9zK"]


def test_tf_json_locals_nested_near_the_recursion_limit(tmp_path: Path) -> None:
    """A local nested 900 deep neither stops the file's scan nor lends a line of the HCL made from the
    JSON to a finding: the file is one line long."""
    deep: object = "x"
    for _ in range(900):
        deep = [deep]
    user_data = '${base64encode("export DB_PASSWORD=${local.pw}")}'
    doc = {
        "locals": {"deep": deep, "pw": "Wq8v-Lm2p-R9zK"},
        "resource": {"aws_launch_template": {"app": {"name": "app", "user_data": user_data}}},
    }
    path = tmp_path / "main.tf.json"
    path.write_text(json.dumps(doc))
    report = scan(path)
    assert report.errors == []
    (finding,) = report.findings
    assert finding.match == "Wq8v-Lm2p-R9zK"
    assert finding.location.source_line in (None, 1)


def test_tf_json_template_quoting() -> None:
    """A `.tf.json` string's literal text is escaped for HCL; interpolations (with strings of their own,
    nested interpolations, braces) are kept whole; one that does not close is literal text."""
    assert terraform._hcl_template('a "b" \\ ${f("x}", {k = "${y}"})} $${z}\n') == (
        '"a \\"b\\" \\\\ ${f("x}", {k = "${y}"})} $${z}\\n"'
    )
    assert terraform._hcl_template("${open") == '"$\\u007bopen"'  # literal: HCL reads it as the text ${open


def test_heredocs_escapes_and_functions_of_literals() -> None:
    (block,) = hcl.parse(
        'resource "aws_launch_template" "x" {\n'
        '  description = "tab\\there \\"quoted\\" \\u00e9 $${not_ref} ${var.ref}"\n'
        "  user_data = base64encode(<<-EOT\n"
        "      line one\n"
        "        indented\n"
        "    EOT\n"
        "  )\n"
        '  other = join(", ", ["a", "b"])\n'
        '  ref   = templatefile("boot.sh", { pw = var.pw })\n'
        '  obj   = jsonencode({ k = "v" })\n'
        '  cond  = var.x ? "a" : "b"\n'
        "}\n"
    )
    body = block.body
    assert body["description"] == 'tab\there "quoted" \u00e9 ${not_ref} ${var.ref}'
    assert base64.b64decode(body["user_data"]).decode() == "line one\n  indented\n"  # the least indent goes
    assert body["user_data"].origin.lines == (4, 5) and body["user_data"].origin.chain == ("base64",)
    assert body["other"] == "a, b"
    assert body["ref"] == '${templatefile("boot.sh", { pw = var.pw })}'
    assert json.loads(body["obj"]) == {"k": "v"}
    assert body["cond"] == '${var.x ? "a" : "b"}'


def test_a_heredocs_escaped_interpolation_is_the_reference_it_spells(tmp_path: Path) -> None:
    """`$${X}` and `%%{` in a heredoc are Terraform's escapes for the literal `${X}` and `%{`: user data that
    reads a password from the environment holds no password; a literal one beside it is still found."""
    (block,) = hcl.parse(
        'resource "aws_launch_template" "x" {\n'
        "  user_data = <<-EOT\n"
        '    DB_PASS="$${DB_PASSWORD}"\n'
        "    %%{ not a directive }\n"
        "    cost=$$5\n"
        "  EOT\n"
        "}\n"
    )
    assert block.body["user_data"] == 'DB_PASS="${DB_PASSWORD}"\n%{ not a directive }\ncost=$$5\n'

    path = tmp_path / "main.tf"
    path.write_text(
        'resource "aws_launch_template" "web" {\n'
        '  name = "web"\n'
        "  user_data = base64encode(<<-EOT\n"
        "    #!/bin/bash\n"
        '    export DB_PASS="$${DB_PASSWORD}"\n'
        '    export REDIS_PASSWORD="Qw7-Lp3.Zx9"\n'
        "  EOT\n"
        "  )\n"
        "}\n"
    )
    report = scan(path)
    assert report.errors == []
    assert {(f.rule, f.match) for f in report.findings} == {("password-assignment", "Qw7-Lp3.Zx9")}


def test_local_values_are_what_they_evaluate_to() -> None:
    """`local.NAME` is its literal value wherever it is used: whole, inside a quoted string or a heredoc,
    as a map (`merge` of maps too) or one of its keys, through other locals; a local that depends on a
    variable, on itself, or that no file defines stays a reference."""
    blocks = hcl.parse(
        "locals {\n"
        '  password = "Qw7-Lp3.Zx9"\n'  # line 2
        '  team     = "payments"\n'
        '  owner    = "${local.team}-lead@acme-pay.io"\n'
        "  tags     = { Owner = local.owner, Team = local.team }\n"
        "  from_var = var.db_password\n"
        "  loop     = local.loop\n"
        "}\n"
        'resource "aws_launch_template" "x" {\n'
        "  user_data = <<-EOT\n"
        '    PGPASSWORD="${local.password}" LOOP=${local.loop} V=${local.from_var} N=$${local.team}\n'
        "  EOT\n"
        '  description = "owned by ${local.team}, ${local.nowhere}"\n'
        '  tags = merge(local.tags, { Name = "x" })\n'
        "  team = local.tags.Team\n"
        "  plain = local.password\n"
        "}\n"
    )
    (resource,) = (b for b in blocks if b.type == "resource")
    body = resource.body
    assert body["user_data"] == (
        'PGPASSWORD="Qw7-Lp3.Zx9" LOOP=${local.loop} V=${local.from_var} N=${local.team}\n'
    )
    assert body["user_data"].origin.line == 11  # the heredoc's own line
    assert body["description"] == "owned by payments, ${local.nowhere}"
    assert body["tags"] == {"Owner": "payments-lead@acme-pay.io", "Team": "payments", "Name": "x"}
    assert body["team"] == "payments"
    assert body["plain"] == "Qw7-Lp3.Zx9" and body["plain"].origin.line == 2  # where it is written


def test_locals_of_other_files_of_the_module(tmp_path: Path) -> None:
    """A module's locals are often in their own file: scanning main.tf alone finds what it takes from
    locals.tf, at the lines of main.tf that use it; locals.tf itself holds no resource and no finding."""
    (tmp_path / "locals.tf").write_text(
        'locals {\n  db_password = "Qw7-Lp3.Zx9"\n  owner = "tomasz.nowak@polbank-ops.pl"\n'
        "  from_var = var.db_password\n}\n"
    )
    main = tmp_path / "main.tf"
    main.write_text(
        'resource "aws_launch_template" "app" {\n'
        '  name = "app"\n'
        "  user_data = base64encode(<<-EOT\n"
        "    #!/bin/bash\n"
        '    export DB_PASSWORD="${local.db_password}"\n'
        '    export REDIS_PASSWORD="${local.from_var}"\n'
        "  EOT\n"
        "  )\n"
        "}\n"
        'resource "aws_autoscaling_group" "app" {\n'
        '  name = "app"\n'
        "  tag {\n"
        '    key   = "Owner"\n'
        "    value = local.owner\n"
        "    propagate_at_launch = true\n"
        "  }\n"
        "}\n"
    )
    report = scan(main)
    assert report.errors == []
    assert {(f.rule, f.match, f.location.source_line) for f in report.findings} == {
        ("password-assignment", "Qw7-Lp3.Zx9", 5),
        ("email-address", "tomasz.nowak@polbank-ops.pl", 14),
    }
    whole = scan(tmp_path)
    assert whole.errors == []
    assert {(f.rule, f.match) for f in whole.findings} == {(f.rule, f.match) for f in report.findings}


def test_dynamic_blocks_over_literal_collections_are_the_blocks_they_make(tmp_path: Path) -> None:
    """`dynamic "tag"` over a map of locals (how a group gets its tags from a map) makes one `tag` block per
    entry, with `tag.key`/`tag.value` or the `iterator`'s; over a variable it stays as written."""
    path = tmp_path / "main.tf"
    path.write_text(
        "locals {\n"
        "  tags = {\n"
        '    Owner  = "ines.moreau@banque-lyon.fr"\n'  # line 3
        '    OnCall = "+33 6 12 34 56 78"\n'
        '    Team   = "payments"\n'
        "  }\n"
        "}\n"
        'resource "aws_autoscaling_group" "app" {\n'
        '  name     = "app"\n'
        '  dynamic "tag" {\n'
        "    for_each = local.tags\n"
        "    iterator = t\n"
        "    content {\n"
        "      key                 = t.key\n"
        "      value               = t.value\n"
        "      propagate_at_launch = true\n"
        "    }\n"
        "  }\n"
        '  dynamic "tag" {\n'
        "    for_each = var.extra_tags\n"
        "    content {\n"
        "      key   = tag.key\n"
        "      value = tag.value\n"
        "    }\n"
        "  }\n"
        "}\n"
    )
    (_, group) = hcl.parse(path.read_text())
    assert group.body["tag"] == [
        {"key": "Owner", "value": "ines.moreau@banque-lyon.fr", "propagate_at_launch": True},
        {"key": "OnCall", "value": "+33 6 12 34 56 78", "propagate_at_launch": True},
        {"key": "Team", "value": "payments", "propagate_at_launch": True},
    ]
    assert [d["__labels__"] for d in group.body["dynamic"]] == [["tag"]]  # over var.extra_tags
    report = scan(path)
    assert report.errors == []
    assert {(f.rule, f.location.field, f.match, f.location.source_line) for f in report.findings} == {
        ("email-address", "Tags[Owner].Value", "ines.moreau@banque-lyon.fr", 3),
        ("phone-number", "Tags[OnCall].Value", "+33 6 12 34 56 78", 4),
    }


def test_user_data_read_from_the_modules_files(tmp_path: Path) -> None:
    """`filebase64`, `file` and `templatefile` of a file in the module's folder (or below it) are its text,
    a template's literal variables filled in; a path outside the folder, absolute, or that is not a literal
    stays a reference (nothing read, nothing reported, no error)."""
    module = tmp_path / "module"
    (module / "templates").mkdir(parents=True)
    (module / "bootstrap.sh").write_text(
        "#!/bin/bash\nexport STRIPE_KEY=sk_live_51HqLyjWDarjtT1zdp7dcXRa0Pw5B8bRt1Xk3sC0ZlNbY2mCpUv\n"
    )
    (module / "templates" / "app.sh.tpl").write_text(
        '#!/bin/bash\nexport DB_HOST=${db_host}\nexport DB_PASSWORD="${db_password}"\necho "$${HOME}"\n'
    )
    (module / "cloud.gz").write_bytes(gzip.compress(b"#!/bin/bash\nexport PGPASSWORD='Lm9#qRt2Vx7!'\n"))
    outside = "#!/bin/bash\nexport GITHUB_TOKEN=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\n"
    (tmp_path / "outside.sh").write_text(outside)
    main = module / "main.tf"
    main.write_text(
        'resource "aws_launch_template" "a" {\n'
        '  user_data = filebase64("${path.module}/bootstrap.sh")\n'
        "}\n"
        'resource "aws_launch_template" "b" {\n'
        '  user_data = base64encode(templatefile("${path.module}/templates/app.sh.tpl", {\n'
        '    db_host = var.db_host, db_password = "Zx8-Vb6.Nm4" }))\n'
        "}\n"
        'resource "aws_launch_template" "c" {\n'
        '  user_data = filebase64("cloud.gz")\n'
        "}\n"
        'resource "aws_launch_configuration" "d" {\n'
        '  name = "d"\n'
        '  user_data = file("${path.module}/../outside.sh")\n'
        "}\n"
        'resource "aws_launch_configuration" "e" {\n'
        '  name = "e"\n'
        f'  user_data = file("{tmp_path / "outside.sh"}")\n'
        "}\n"
        'resource "aws_launch_configuration" "f" {\n'
        '  name = "f"\n'
        '  user_data = file("${var.script}")\n'
        "}\n"
    )
    blocks = {b.labels[1]: b.body for b in hcl.parse(main.read_text(), folder=module)}
    assert base64.b64decode(blocks["b"]["user_data"]).decode() == (
        '#!/bin/bash\nexport DB_HOST=${db_host}\nexport DB_PASSWORD="Zx8-Vb6.Nm4"\necho "${HOME}"\n'
    )
    assert blocks["d"]["user_data"] == '${file("${path.module}/../outside.sh")}'
    report = scan(main)
    assert report.errors == []
    assert {(f.rule, f.match, f.location.source_line) for f in report.findings} == {
        ("stripe-api-key", "sk_live_51HqLyjWDarjtT1zdp7dcXRa0Pw5B8bRt1Xk3sC0ZlNbY2mCpUv", 2),
        ("password-assignment", "Zx8-Vb6.Nm4", 5),
        ("password-assignment", "Lm9#qRt2Vx7!", 9),
    }
    assert hcl.parse(main.read_text())[0].body["user_data"].startswith("${filebase64(")  # no folder: unread


def test_a_symlink_loop_named_by_file_is_a_reference_not_a_crash(tmp_path: Path) -> None:
    """A repository may hold anything: `filebase64()` of a symlink that points at itself stays a reference,
    and the rest of the file is scanned."""
    (tmp_path / "loop.sh").symlink_to("loop.sh")
    main = tmp_path / "main.tf"
    main.write_text(
        'resource "aws_launch_template" "a" {\n  user_data = filebase64("${path.module}/loop.sh")\n}\n'
        'resource "aws_autoscaling_group" "b" {\n  name = "b"\n'
        '  tag {\n    key = "Owner"\n    value = "anna.kowalczyk@mbank-ops.pl"\n  }\n}\n'
    )
    report = scan(main)
    assert report.errors == []
    assert [(f.rule, f.match) for f in report.findings] == [("email-address", "anna.kowalczyk@mbank-ops.pl")]


def test_resources_with_for_each_over_literals_are_their_instances(tmp_path: Path) -> None:
    """A resource with `for_each` over a literal map (or `toset` of strings) is one resource per entry,
    named as Terraform addresses it, with `each.key` and `each.value`; over a variable it stays one."""
    path = tmp_path / "main.tf"
    path.write_text(
        "locals {\n"
        "  groups = {\n"
        '    web    = { owner = "anna.kowalczyk@mbank-ops.pl" }\n'  # line 3
        '    worker = { owner = "platform-team@mbank-ops.pl" }\n'
        "  }\n"
        "}\n"
        'resource "aws_autoscaling_group" "this" {\n'
        "  for_each = local.groups\n"
        '  name     = "asg-${each.key}"\n'
        "  tag {\n"
        '    key                 = "Owner"\n'
        "    value               = each.value.owner\n"
        "    propagate_at_launch = true\n"
        "  }\n"
        "}\n"
        'resource "aws_autoscaling_group" "sets" {\n'
        '  for_each = toset(["a", "b", "a"])\n'
        "}\n"
        'resource "aws_autoscaling_group" "vars" {\n'
        "  for_each = var.groups\n"
        "  name     = each.key\n"
        "}\n"
    )
    blocks = hcl.parse(path.read_text())
    assert [(b.labels[1], b.body.get("name")) for b in blocks if b.type == "resource"] == [
        ('this["web"]', "asg-web"),
        ('this["worker"]', "asg-worker"),
        ('sets["a"]', None),
        ('sets["b"]', None),
        ("vars", "${each.key}"),
    ]
    report = scan(path)
    assert report.errors == []
    assert {(f.rule, f.resource.id, f.match, f.location.source_line) for f in report.findings} == {
        ("email-address", "asg-web", "anna.kowalczyk@mbank-ops.pl", 3),
    }


def test_module_blocks_are_named_as_not_evaluated(tmp_path: Path) -> None:
    """What a module makes is not in the `.tf` file: each module block is listed as skipped, naming its
    source and the plan that holds its resources; a file of modules only says so in its error."""
    both = tmp_path / "both" / "main.tf"
    both.parent.mkdir()
    both.write_text(
        'module "asg" {\n  source = "cloudposse/ec2-autoscale-group/aws"\n  name = "web"\n}\n'
        'resource "aws_autoscaling_group" "app" {\n  name = "app"\n}\n'
    )
    report = scan(both)
    assert report.errors == []
    (skip,) = report.skipped
    assert skip.reason.startswith('module "asg" (cloudposse/ec2-autoscale-group/aws) not evaluated')
    assert "terraform show -json" in skip.reason
    token = tmp_path / "token" / "main.tf"
    token.parent.mkdir()
    token.write_text(
        'module "asg" {\n'
        '  source = "git::https://ci: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@github.com/acme/asg.git?ref=v1"\n'
        "}\n"
    )
    (skip,) = scan(token).skipped
    assert "ghp_" not in skip.reason and "ci:" not in skip.reason and "ref=" not in skip.reason
    assert 'module "asg" (git::https://github.com/acme/asg.git) not evaluated' in skip.reason
    only = tmp_path / "only" / "main.tf"
    only.parent.mkdir()
    only.write_text('module "asg" {\n  source = "./modules/asg"\n}\n')
    report = scan(only)
    reason = (
        f'{terraform.NO_RESOURCES}; module "asg" (./modules/asg) not evaluated: the resources it makes are'
        " read from a plan (terraform show -json), not from .tf files"
    )
    assert [(s.source, s.reason) for s in report.skipped] == [(str(only), reason)]
    assert [e.message for e in report.errors] == [f"no input was recognised: {only}: {reason}"]


def test_the_registry_autoscaling_modules_inputs_are_what_it_makes(tmp_path: Path) -> None:
    """A `module` block of terraform-aws-modules/autoscaling/aws is read as the launch template, group,
    lifecycle hooks and schedules the module makes of its inputs (its main.tf): user data, the template's
    description, the tags it copies to the template, its tag specifications and the group, hook metadata,
    each on its line.  `create = false` makes nothing; `create_launch_template = false` no template."""
    main = tmp_path / "main.tf"
    main.write_text(
        "locals {\n"
        "  boot = <<-EOT\n"
        "    #!/bin/bash\n"
        "    export DB_PASSWORD='Xk29vLq83mZpR7tw'\n"
        "  EOT\n"
        "}\n"
        'module "web" {\n'
        '  source = "git::https://github.com/terraform-aws-modules/terraform-aws-autoscaling.git?ref=v9.2.1"\n'
        '  name = "billing-web"\n'
        '  launch_template_description = "owner jane.doe@acme-corp.io"\n'
        "  user_data = base64encode(local.boot)\n"
        "  initial_lifecycle_hooks = [\n"
        "    {\n"
        '      name = "drain"\n'
        '      lifecycle_transition = "autoscaling:EC2_INSTANCE_TERMINATING"\n'
        '      notification_metadata = jsonencode({ iban = "GB96BARC20038041234567" })\n'
        "    }\n"
        "  ]\n"
        '  tag_specifications = [{ resource_type = "instance", tags = { Pager = "+49 30 18272 3456" } }]\n'
        '  schedules = {\n    "off-call-lena.berg@acme-corp.io" = { recurrence = "0 18 * * 1-5" }\n  }\n'
        '  tags = { Owner = "sanjay.raman@billing-team.io" }\n'
        "}\n"
        'module "off" {\n'
        '  source = "terraform-aws-modules/autoscaling/aws"\n'
        "  create = false\n"
        '  launch_template_description = "owner lena.berg@acme-corp.io"\n'
        "}\n"
        'module "external" {\n'
        '  source = "registry.terraform.io/terraform-aws-modules/autoscaling/aws"\n'
        '  name = "batch"\n'
        "  create_launch_template = false\n"
        '  launch_template_id = "lt-0abc1234def567890"\n'
        '  launch_template_description = "owner lena.berg@acme-corp.io"\n'
        '  autoscaling_group_tags = { Escalation = "+44 20 7183 0958" }\n'
        "}\n"
    )
    report = scan(main)
    assert report.errors == [] and report.skipped == []
    lines = {(f.resource.type, f.location.field, f.match): f.location.source_line for f in report.findings}
    template = "module.web.aws_launch_template.this"
    assert lines == {
        ("LaunchTemplateVersion", "LaunchTemplateData.UserData", "Xk29vLq83mZpR7tw"): 4,
        ("LaunchTemplateVersion", "VersionDescription", "jane.doe@acme-corp.io"): 10,
        ("LifecycleHook", "NotificationMetadata", "GB96BARC20038041234567"): 16,
        (
            "LaunchTemplateVersion",
            "LaunchTemplateData.TagSpecifications[instance].Tags[Pager].Value",
            "+49 30 18272 3456",
        ): 19,
        (
            "LaunchTemplateVersion",
            "LaunchTemplateData.TagSpecifications[instance].Tags[Owner].Value",
            "sanjay.raman@billing-team.io",
        ): 23,
        ("LaunchTemplate", "Tags[Owner].Value", "sanjay.raman@billing-team.io"): 23,
        ("AutoScalingGroup", "Tags[Owner].Value", "sanjay.raman@billing-team.io"): 23,
        ("ScheduledAction", "ScheduledActionName", "off-call-lena.berg@acme-corp.io"): 21,
        ("AutoScalingGroup", "Tags[Escalation].Value", "+44 20 7183 0958"): 36,
    }
    resources = {(f.resource.type, f.resource.id) for f in report.findings}
    assert resources == {
        ("LaunchTemplateVersion", f"{template}:1"),
        ("LaunchTemplate", template),
        ("AutoScalingGroup", "billing-web"),
        ("LifecycleHook", "billing-web/drain"),
        ("ScheduledAction", "billing-web/off-call-lena.berg@acme-corp.io"),
        ("AutoScalingGroup", "batch"),
    }


def test_tfvars_values_and_map_defaults_are_scanned(tmp_path: Path) -> None:
    """A `.tfvars` file holds the values variables take: each is a parameter's `ParameterValue`; a variable's
    default (or value) that is a map or list is scanned as its JSON text, on the line of its first string."""
    (tmp_path / "variables.tf").write_text(
        'variable "tags" {\n  default = {\n    Owner = "anna.kowalczyk@mbank-ops.pl"\n  }\n}\n'
        'variable "regions" {\n  default = ["eu-west-1", "eu-central-1"]\n}\n'
    )
    (tmp_path / "prod.auto.tfvars").write_text(
        'db_password   = "Rt7!mKq2Lw9x"\n'
        'instance_type = "t3.micro"\n'
        "tags = {\n"
        '  Owner = "lena.fischer@stadtwerke-ops.de"\n'
        "}\n"
        "min_size = 2\n"
    )
    report = scan(tmp_path)
    assert report.errors == []
    assert {
        (
            f.rule,
            f.resource.id,
            f.location.field,
            f.match,
            Path(f.location.source).name,
            f.location.source_line,
        )
        for f in report.findings
    } == {
        ("email-address", "tags", "DefaultValue", "anna.kowalczyk@mbank-ops.pl", "variables.tf", 3),
        ("password-assignment", "db_password", "ParameterValue", "Rt7!mKq2Lw9x", "prod.auto.tfvars", 1),
        ("email-address", "tags", "ParameterValue", "lena.fischer@stadtwerke-ops.de", "prod.auto.tfvars", 4),
    }
    broken = tmp_path / "broken.tfvars"
    broken.write_text("db_password = \n")
    (err,) = scan(broken).errors
    assert err.message.startswith(f"{broken}: invalid HCL") and "\n" not in err.message


def test_user_data_rendered_by_template_file_and_cloudinit_config(tmp_path: Path) -> None:
    """`data.template_file.X.rendered` (its literal vars filled in) and `data.cloudinit_config.X.rendered`
    (its parts as cloud-init MIME, base64-encoded) are the user data they render; a data source over a
    variable stays a reference."""
    (tmp_path / "boot.sh.tpl").write_text('#!/bin/bash\nexport DB_PASSWORD="${db_password}"\n')
    (tmp_path / "data.tf").write_text(  # another file of the module, which reads a file of its own
        'data "template_file" "boot" {\n'
        '  template = file("${path.module}/boot.sh.tpl")\n'
        '  vars = { db_password = "Zx8-Vb6.Nm4" }\n'
        "}\n"
    )
    main = tmp_path / "main.tf"
    main.write_text(
        'data "template_file" "opaque" {\n'
        "  template = var.template\n"
        "}\n"
        'data "cloudinit_config" "app" {\n'
        "  part {\n"
        '    content_type = "text/cloud-config"\n'
        '    content      = "#cloud-config\\nruncmd:\\n  - echo '
        '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\\n"\n'
        "  }\n"
        "  part {\n"
        '    content_type = "text/x-shellscript"\n'
        "    content      = data.template_file.boot.rendered\n"
        "  }\n"
        "}\n"
        'resource "aws_launch_template" "app" {\n'
        '  name      = "app"\n'
        "  user_data = data.cloudinit_config.app.rendered\n"
        "}\n"
        'resource "aws_launch_configuration" "opaque" {\n'
        '  name      = "opaque"\n'
        "  user_data = data.template_file.opaque.rendered\n"
        "}\n"
    )
    module = hcl.Locals.of([(tmp_path / "data.tf").read_text()], tmp_path)
    blocks = hcl.parse(main.read_text(), lambda: module, tmp_path)
    resources = {b.labels[1]: b.body for b in blocks if b.type == "resource"}
    mime = base64.b64decode(resources["app"]["user_data"]).decode()
    assert mime.startswith("Content-Type: multipart/mixed;") and 'DB_PASSWORD="Zx8-Vb6.Nm4"' in mime
    assert resources["opaque"]["user_data"] == "${data.template_file.opaque.rendered}"
    report = scan(main)
    assert report.errors == []
    assert {(f.rule, f.resource.type, f.match) for f in report.findings} == {
        ("github-token", "LaunchTemplateVersion", "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"),
        ("password-assignment", "LaunchTemplateVersion", "Zx8-Vb6.Nm4"),
    }


def test_for_expressions_over_literal_collections() -> None:
    """`[for k, v in C : X]` and `{for k, v in C : K => V}` over a literal map or list are what they make (a
    group's `tags` list from a map of locals); with an `if`, or over a variable, they stay references."""
    (_, group) = hcl.parse(
        "locals {\n"
        '  tags = { Owner = "anna.kowalczyk@mbank-ops.pl", Team = "payments" }\n'
        "}\n"
        'resource "aws_autoscaling_group" "a" {\n'
        '  name = "a"\n'
        "  tags = [for key, value in local.tags : { key = key, value = value, propagate_at_launch = true }]\n"
        "  byname = {for k, v in local.tags : k => v}\n"
        '  names  = [for s in ["web", "api"] : "${s}-asg"]\n'
        '  some   = [for k, v in local.tags : v if k != "Team"]\n'
        "  vars   = [for x in var.list : x]\n"
        '  partial = merge(var.extra_tags, local.tags, var.more, { Name = "a" })\n'
        "}\n"
    )
    body = group.body
    assert body["tags"] == [
        {"key": "Owner", "value": "anna.kowalczyk@mbank-ops.pl", "propagate_at_launch": True},
        {"key": "Team", "value": "payments", "propagate_at_launch": True},
    ]
    assert body["byname"] == {"Owner": "anna.kowalczyk@mbank-ops.pl", "Team": "payments"}
    assert body["names"] == ["web-asg", "api-asg"]
    assert body["some"] == '${[for k, v in local.tags : v if k != "Team"]}'
    assert body["partial"] == {"Owner": "anna.kowalczyk@mbank-ops.pl", "Team": "payments", "Name": "a"}
    assert body["vars"] == "${[for x in var.list : x]}"


def test_base64gzip_and_sensitive_of_literals(tmp_path: Path) -> None:
    """`base64gzip(...)` of a literal is the gzipped user data EC2 unzips; `sensitive("...")` is its value."""
    path = tmp_path / "main.tf"
    path.write_text(
        'resource "aws_launch_template" "a" {\n'
        '  user_data = base64gzip("#!/bin/bash\\nexport DB_PASSWORD=Qw7-Lp3.Zx9\\n")\n'
        "}\n"
        'resource "aws_autoscaling_group" "b" {\n'
        '  name = "b"\n'
        "  tag {\n"
        '    key = "Owner"\n'
        '    value = sensitive("anna.kowalczyk@mbank-ops.pl")\n'
        "  }\n"
        "}\n"
    )
    report = scan(path)
    assert report.errors == []
    assert {(f.rule, f.match, f.location.decoding) for f in report.findings} == {
        ("password-assignment", "Qw7-Lp3.Zx9", ("base64", "gzip")),
        ("email-address", "anna.kowalczyk@mbank-ops.pl", ()),
    }


def test_invalid_hcl_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.tf"
    path.write_text('resource "aws_launch_template" "x" {\n  name = \n}\n')
    report = scan(path)
    (err,) = report.errors
    assert err.message.startswith(f"{path}: invalid HCL") and "\n" not in err.message


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"format_version": "1.2", "planned_values": {}}, True),
        ({"format_version": "1.0", "values": {"root_module": {}}}, True),
        ({"version": 4, "terraform_version": "1.8.5", "resources": []}, True),
        ({"resource": {"aws_instance": {}}}, True),
        ({"resource": {"Not A Type": {}}}, False),
        ({"AutoScalingGroups": []}, False),
    ],
)
def test_terraform_documents_are_told_by_content(doc: dict[str, object], expected: bool) -> None:
    assert terraform.is_terraform(doc) is expected


def test_a_long_chain_of_locals_across_files_is_a_reference_not_a_crash(tmp_path: Path) -> None:
    """Locals that name locals, back and forth between two files of a module 3,000 deep, stop being followed
    (`hcl.MAX_LOCAL_CHAIN`) instead of exhausting the stack; a short chain is followed."""
    n = 3000
    first = "\n".join(f"  l{i} = local.l{i + 1}" for i in range(0, n, 2))
    second = "\n".join(f"  l{i} = local.l{i + 1}" for i in range(1, n, 2))
    (tmp_path / "a.tf").write_text(
        f"locals {{\n{first}\n  s0 = local.s1\n}}\n"
        'resource "aws_launch_template" "x" {\n'
        '  user_data = base64encode("DB_PASSWORD=${local.l0}\\nREDIS_PASSWORD=${local.s0}\\n")\n'
        "}\n"
    )
    (tmp_path / "b.tf").write_text(
        f'locals {{\n{second}\n  l{n} = "Qw7-Lp3.Zx9"\n  s1 = "Rt7!mKq2Lw9x"\n}}\n'
    )
    report = scan(tmp_path)
    assert report.errors == []
    assert [(f.rule, f.match) for f in report.findings] == [("password-assignment", "Rt7!mKq2Lw9x")]


def test_what_is_read_of_a_folder_for_its_locals_is_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder's other files are read for their locals in name order up to `MODULE_MAX_TOTAL` bytes (a
    folder of many large files cannot make each scanned file read them all)."""
    (tmp_path / "a_locals.tf").write_text('locals {\n  first = "Qw7-Lp3.Zx9"\n}\n')
    (tmp_path / "b_locals.tf").write_text('locals {\n  second = "Rt7!mKq2Lw9x"\n}\n')
    main = tmp_path / "main.tf"
    main.write_text(
        'resource "aws_launch_template" "x" {\n'
        '  user_data = base64encode("DB_PASSWORD=${local.first}\\nREDIS_PASSWORD=${local.second}\\n")\n'
        "}\n"
    )
    monkeypatch.setattr(content, "MODULE_MAX_TOTAL", (tmp_path / "a_locals.tf").stat().st_size)
    assert [f.match for f in scan(main).findings] == ["Qw7-Lp3.Zx9"]


def test_what_evaluation_makes_of_a_file_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Locals that double each other and nested `for`s make from a small file far more than it holds:
    past `EVALUATION_BUDGET` characters and entries the rest is a reference (at 32 MB, a file of 40 doubling
    locals that made 40 GB before is read in half a second; here the budget is cut to 10,000)."""
    monkeypatch.setattr(hcl, "EVALUATION_BUDGET", 10_000)
    doubling = "\n".join(f'  l{i} = "${{local.l{i - 1}}}${{local.l{i - 1}}}"' for i in range(1, 13))
    ten = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"
    (_, resource) = hcl.parse(
        f'locals {{\n  l0 = "Qw7-Lp3.Zx9-0123456789"\n{doubling}\n}}\n'
        'resource "aws_launch_template" "x" {\n'
        "  small = local.l3\n"
        "  big   = local.l12\n"
        f"  fors  = [for a in {ten} : [for b in {ten} : [for c in {ten} : [for d in {ten} : a]]]]\n"
        "}\n"
    )
    body = resource.body
    assert body["small"] == "Qw7-Lp3.Zx9-0123456789" * 8
    assert body["big"] == "${local.l12}"
    assert (
        body["fors"] == f"${{[for a in {ten} : [for b in {ten} : [for c in {ten} : [for d in {ten} : a]]]]}}"
    )


def test_a_plans_prior_state_is_what_the_account_holds_now(tmp_path: Path) -> None:
    # (terraform show -json of a plan: `prior_state` is the state before it, as `terraform show -json` of
    # state writes it; a value the plan removes is still deployed until it is applied)
    group = {
        "address": "aws_autoscaling_group.edge",
        "mode": "managed",
        "type": "aws_autoscaling_group",
        "name": "edge",
        "values": {"name": "edge-fleet", "tag": [{"key": "Owner", "value": "edge-team"}]},
    }
    before = {
        **group,
        "values": {"name": "edge-fleet", "tag": [{"key": "Owner", "value": "Marguerite Okafor"}]},
    }
    plan = {
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": [group]}},
        "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": [before]}}},
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    report = scan(path)
    assert report.errors == []
    assert found(report) == {("person-name", "AutoScalingGroup", "Tags[Owner].Value", "Marguerite Okafor")}
