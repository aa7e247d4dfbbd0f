"""User data for the benchmark corpus: shell, cloud-config, MIME multi-part (EKS style) and PowerShell, built
from the blocks real bootstrap scripts are made of, and encoded as EC2 returns it (base64, gzip, MIME parts).

A `Plan` fixes a template's script (style, blocks, parameters, planted secret); `render(plan, version)`
gives the text of one version.  Versions of a template differ in a few lines (application version, image
tag, build), and often not at all, as when only the instance type changed.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
from collections.abc import Callable
from dataclasses import dataclass

from . import values as v

STYLES = ("shell", "shell", "shell", "shell", "cloud-config", "cloud-config", "mime", "eks", "powershell")
PLANTS = ("password", "aws-keys", "github", "slack", "basic-auth", "private-key", "jwt", "email", "db-url")


@dataclass(frozen=True, slots=True)
class Plan:
    seed: int
    style: str
    team: str
    service: str
    env: str
    region: str
    account: str
    gzip: bool
    plant: str | None  # the kind of planted secret, if any
    plant_from: int  # first version that carries it


@dataclass(frozen=True, slots=True)
class _Ctx:
    rng: random.Random
    plan: Plan
    version: int

    @property
    def app_version(self) -> str:
        return f"{self.plan.seed % 5}.{self.plan.seed % 17}.{self.version}"

    @property
    def image(self) -> str:
        p = self.plan
        return f"{p.account}.dkr.ecr.{p.region}.amazonaws.com/{p.team}/{p.service}:{self.app_version}"


def make_plan(
    rng: random.Random, team: str, service: str, env: str, region: str, account: str, style: str | None = None
) -> Plan:
    plant = rng.choice(PLANTS) if rng.random() < 0.04 else None
    drawn = rng.choice(STYLES)
    return Plan(
        seed=rng.getrandbits(32),
        style=style or drawn,
        team=team,
        service=service,
        env=env,
        region=region,
        account=account,
        gzip=rng.random() < 0.3,
        plant=plant,
        plant_from=rng.randint(1, 3),
    )


# --- shell blocks -------------------------------------------------------------------------------------------


def _header(c: _Ctx) -> str:
    return (
        "#!/bin/bash\nset -euo pipefail\n"
        "exec > >(tee /var/log/user-data.log | logger -t user-data -s 2>/dev/console) 2>&1\n"
        f'echo "bootstrap {c.plan.service} {c.app_version} starting at $(date -Is)"\n'
    )


def _imds(c: _Ctx) -> str:
    return (
        'TOKEN=$(curl -sX PUT "http://169.254.169.254/latest/api/token"'
        ' -H "X-aws-ec2-metadata-token-ttl-seconds: 21600")\n'
        'INSTANCE_ID=$(curl -s -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/instance-id)\n'
        'AZ=$(curl -s -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/placement/availability-zone)\n'
        f'hostnamectl set-hostname "{c.plan.service}-${{INSTANCE_ID#i-}}"\n'
    )


def _env(c: _Ctx) -> str:
    p = c.plan
    return (
        "cat > /etc/profile.d/app.sh <<'EOF'\n"
        f"export AWS_REGION={p.region}\nexport APP_ENV={p.env}\nexport APP_NAME={p.service}\n"
        f"export APP_VERSION={c.app_version}\nexport BUILD_SHA={v.hexs(c.rng, 40)}\n"
        f"export LOG_LEVEL={c.rng.choice(('info', 'warn', 'debug'))}\n"
        f"export PORT={c.rng.choice((8080, 8000, 3000))}\n"
        f"export CONFIG_BUCKET=s3://{p.team}-{p.env}-config-{p.account}/{p.service}/\n"
        "EOF\n. /etc/profile.d/app.sh\n"
    )


def _packages(c: _Ctx) -> str:
    pkgs = " ".join(c.rng.sample(("jq", "git", "htop", "nginx", "docker", "amazon-efs-utils", "awscli",
                                  "unzip", "nfs-utils", "chrony", "python3-pip", "collectd"), 6))  # fmt: skip
    if c.rng.random() < 0.5:
        return f"yum update -y -q\nyum install -y -q {pkgs}\nsystemctl enable --now docker chronyd\n"
    return f"export DEBIAN_FRONTEND=noninteractive\napt-get update -q\napt-get install -yq {pkgs}\n"


def _cloudwatch(c: _Ctx) -> str:
    p = c.plan
    cfg = {
        "agent": {"metrics_collection_interval": 60, "run_as_user": "cwagent"},
        "logs": {"logs_collected": {"files": {"collect_list": [
            {"file_path": f"/var/log/{p.service}/*.log", "log_group_name": f"/{p.env}/{p.team}/{p.service}",
             "log_stream_name": "{instance_id}", "retention_in_days": 30},
            {"file_path": "/var/log/user-data.log", "log_group_name": f"/{p.env}/user-data",
             "log_stream_name": "{instance_id}"}]}}},
        "metrics": {"namespace": f"{p.team}/{p.service}", "append_dimensions": {
            "AutoScalingGroupName": "${aws:AutoScalingGroupName}", "InstanceId": "${aws:InstanceId}"},
            "metrics_collected": {"mem": {"measurement": ["mem_used_percent"]},
                                  "disk": {"measurement": ["used_percent"], "resources": ["/"]}}},
    }  # fmt: skip
    return (
        "mkdir -p /opt/aws/amazon-cloudwatch-agent/etc\n"
        "cat > /opt/aws/amazon-cloudwatch-agent/etc/config.json <<'EOF'\n"
        f"{json.dumps(cfg, indent=2)}\nEOF\n"
        "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s "
        "-c file:/opt/aws/amazon-cloudwatch-agent/etc/config.json\n"
    )


def _secrets(c: _Ctx) -> str:
    p = c.plan
    suffix = v.alnum(c.rng, 6)
    return (
        f"DB_PASSWORD=$(aws ssm get-parameter --name /{p.env}/{p.service}/db-password --with-decryption "
        "--query Parameter.Value --output text)\n"
        f"API_KEY=$(aws secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:{p.region}:"
        f"{p.account}:secret:{p.env}/{p.service}/api-{suffix} --query SecretString --output text"
        " | jq -r .key)\n"
        "export DB_PASSWORD API_KEY\n"
    )


def _docker(c: _Ctx) -> str:
    p = c.plan
    registry = f"{p.account}.dkr.ecr.{p.region}.amazonaws.com"
    return (
        f"aws ecr get-login-password --region {p.region}"
        f" | docker login --username AWS --password-stdin {registry}\n"
        f"docker pull {c.image}\n"
        f"docker run -d --restart always --name {p.service} -p 8080:8080 --log-driver awslogs \\\n"
        f"  --log-opt awslogs-region={p.region} --log-opt awslogs-group=/{p.env}/{p.service} \\\n"
        f'  -e APP_ENV={p.env} -e DB_PASSWORD="$DB_PASSWORD" -e API_KEY="$API_KEY" \\\n'
        f"  -e TRACE_SAMPLE_RATE=0.{c.rng.randint(1, 9)} {c.image}\n"
    )


def _systemd(c: _Ctx) -> str:
    p = c.plan
    return (
        f"cat > /etc/systemd/system/{p.service}.service <<'EOF'\n[Unit]\nDescription={p.team} {p.service}\n"
        "After=network-online.target\nWants=network-online.target\n\n[Service]\nType=simple\n"
        f"User={p.service}\nEnvironmentFile=/etc/{p.service}/env\nExecStart=/opt/{p.service}/bin/{p.service} "
        f"--config /etc/{p.service}/config.yaml\nRestart=on-failure\nRestartSec=5\nLimitNOFILE=65536\n\n"
        "[Install]\nWantedBy=multi-user.target\nEOF\n"
        f"useradd --system --no-create-home {p.service} || true\n"
        f"systemctl daemon-reload\nsystemctl enable --now {p.service}\n"
    )


def _node_exporter(c: _Ctx) -> str:
    ver = f"1.{c.rng.randint(5, 8)}.{c.rng.randint(0, 2)}"
    return (
        f"NE_VERSION={ver}\ncurl -fsSLo /tmp/ne.tgz https://github.com/prometheus/node_exporter/releases/download/"
        "v${NE_VERSION}/node_exporter-${NE_VERSION}.linux-amd64.tar.gz\n"
        f'echo "{v.hexs(c.rng, 64)}  /tmp/ne.tgz" | sha256sum -c -\n'
        "tar -xzf /tmp/ne.tgz -C /usr/local/bin --strip-components=1 --wildcards '*/node_exporter'\n"
    )


def _efs(c: _Ctx) -> str:
    p = c.plan
    fs = v.resource_id(c.rng, "fs")[:11]
    return (
        "mkdir -p /mnt/shared\n"
        f"echo '{fs}.efs.{p.region}.amazonaws.com:/ /mnt/shared nfs4 "
        "nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,_netdev 0 0'"
        " >> /etc/fstab\n"
        "mount -a -t nfs4\n"
    )


def _ecs(c: _Ctx) -> str:
    p = c.plan
    return (
        "cat >> /etc/ecs/ecs.config <<'EOF'\n"
        f"ECS_CLUSTER={p.team}-{p.env}\nECS_ENABLE_CONTAINER_METADATA=true\nECS_ENABLE_SPOT_INSTANCE_DRAINING=true\n"
        f"ECS_CONTAINER_STOP_TIMEOUT=60s\nECS_IMAGE_PULL_BEHAVIOR=prefer-cached\nECS_INSTANCE_ATTRIBUTES="
        f'{{"service":"{p.service}","build":"{v.hexs(c.rng, 12)}"}}\nEOF\n'
    )


def _hardening(c: _Ctx) -> str:
    return (
        "cat > /etc/sysctl.d/90-app.conf <<'EOF'\nnet.core.somaxconn = 4096\nnet.ipv4.tcp_tw_reuse = 1\n"
        "vm.swappiness = 10\nfs.file-max = 2097152\nEOF\nsysctl --system\n"
        "sed -i 's/^#\\?PasswordAuthentication.*/PasswordAuthentication no/' /etc/ssh/sshd_config\n"
        "sed -i 's/^#\\?PermitRootLogin.*/PermitRootLogin no/' /etc/ssh/sshd_config\nsystemctl restart sshd\n"
    )


def _signal(c: _Ctx) -> str:
    p = c.plan
    return (
        f"/opt/aws/bin/cfn-signal -e $? --stack {p.team}-{p.service}-{p.env} --resource AutoScalingGroup "
        f"--region {p.region}\n"
        "aws autoscaling complete-lifecycle-action --lifecycle-hook-name launch-ready"
        " --auto-scaling-group-name "
        '"$(aws ec2 describe-tags --filters Name=resource-id,Values=$INSTANCE_ID'
        " Name=key,Values=aws:autoscaling:"
        f'groupName --query "Tags[0].Value" --output text --region {p.region})"'
        " --lifecycle-action-result CONTINUE "
        f"--instance-id $INSTANCE_ID --region {p.region} || true\n"
    )


_SHELL_BLOCKS: tuple[Callable[[_Ctx], str], ...] = (
    _packages, _cloudwatch, _secrets, _docker, _systemd, _node_exporter, _efs, _ecs, _hardening,
)  # fmt: skip


# --- planted secrets -----------------------------------------------------------------------------------


def _planted(c: _Ctx) -> str:
    rng, p = random.Random(c.plan.seed ^ 0x5EC), c.plan  # the same value in every version that has it
    kind = p.plant
    if kind == "password":
        return f"export DB_PASSWORD='{v.strong_password(rng)}'\n"
    if kind == "aws-keys":
        key, secret = v.aws_key_pair(rng)
        return f"export AWS_ACCESS_KEY_ID={key}\nexport AWS_SECRET_ACCESS_KEY={secret}\n"
    if kind == "github":
        url = f"https://{v.github_token(rng)}@github.com/{p.team}/{p.service}-config.git"
        return f"git clone {url} /opt/config\n"
    if kind == "slack":
        data = '--data \'{"text":"up"}\''
        return f"curl -s -X POST -H 'Content-type: application/json' {data} {v.slack_webhook(rng)}\n"
    if kind == "basic-auth":
        return (
            f"curl -fsSL {v.basic_auth_url(rng, 'artifacts.corp.example.com')}{p.service}.tgz -o /tmp/a.tgz\n"
        )
    if kind == "private-key":
        key = v.private_key_block(rng)
        return f"install -d -m 700 /root/.ssh\ncat > /root/.ssh/id_rsa <<'EOF'\n{key}\nEOF\n"
    if kind == "jwt":
        return (
            f'curl -s -H "Authorization: Bearer {v.jwt(rng)}" https://registry.corp.example.com/v1/register\n'
        )
    if kind == "email":
        name, email = v.person(rng)
        return f"# maintainer: {name} <{email}>, call {v.phone(rng)} when this fails\n"
    password = v.strong_password(rng).replace("#", "k")
    return f"export DATABASE_URL=postgres://app:{password}@db.internal:5432/app\n"


def _plant(c: _Ctx) -> str:
    return _planted(c) if c.plan.plant and c.version >= c.plan.plant_from else ""


# --- styles --------------------------------------------------------------------------------------------


def _shell(c: _Ctx) -> str:
    blocks = random.Random(c.plan.seed).sample(_SHELL_BLOCKS, random.Random(c.plan.seed).randint(4, 8))
    parts = [_header(c), _imds(c), _env(c)]
    for i, block in enumerate(blocks):
        parts.append(block(c))
        if i == 1:
            parts.append(_plant(c))
    parts.append(_signal(c))
    return "\n".join(parts)


def _cloud_config(c: _Ctx) -> str:
    p, rng = c.plan, c.rng
    conf = f"service: {p.service}\nenv: {p.env}\nversion: {c.app_version}\nlisten: 0.0.0.0:8080\nworkers: 4\n"
    encoded = base64.b64encode(conf.encode()).decode()
    plant = _plant(c)
    plant_file = (
        f"  - path: /etc/{p.service}/extra.env\n    permissions: '0600'\n    content: |\n"
        + "".join(f"      {line}\n" for line in plant.splitlines())
        if plant
        else ""
    )
    return (
        "#cloud-config\npackage_update: true\npackage_upgrade: false\npackages:\n"
        + "".join(
            f"  - {x}\n" for x in rng.sample(("jq", "git", "nginx", "docker.io", "awscli", "chrony"), 4)
        )
        + f"users:\n  - default\n  - name: {p.service}\n    system: true\n    shell: /usr/sbin/nologin\n"
        f"  - name: deploy\n    groups: [docker]\n    ssh_authorized_keys:\n      - {v.ssh_public_key(rng)}\n"
        "write_files:\n"
        f"  - path: /etc/{p.service}/config.yaml\n    encoding: b64\n"
        "    owner: root:root\n    permissions: '0644'\n"
        f"    content: {encoded}\n"
        f"  - path: /etc/{p.service}/env\n    permissions: '0640'\n    content: |\n"
        f"      APP_ENV={p.env}\n      AWS_REGION={p.region}\n      DB_HOST={p.service}.{p.env}.db.internal\n"
        f"      DB_PASSWORD_PARAM=/{p.env}/{p.service}/db-password\n      BUILD={v.hexs(rng, 40)}\n"
        + plant_file
        + "runcmd:\n"
        f"  - [systemctl, enable, --now, {p.service}]\n"
        f"  - aws s3 cp s3://{p.team}-{p.env}-artifacts/{p.service}/{c.app_version}/app.tgz /opt/app.tgz\n"
        f"  - tar -xzf /opt/app.tgz -C /opt/{p.service}\n"
        f'final_message: "{p.service} up after $UPTIME seconds"\n'
    )


def _mime(parts: list[tuple[str, str, bool]]) -> str:
    """A cloud-init MIME multi-part document: (content type, text, base64 transfer encoding)."""
    out = ['Content-Type: multipart/mixed; boundary="==BOUNDARY=="\nMIME-Version: 1.0\n']
    for ctype, text, as_b64 in parts:
        out.append(f'--==BOUNDARY==\nContent-Type: {ctype}; charset="us-ascii"\nMIME-Version: 1.0\n')
        if as_b64:
            body = base64.encodebytes(text.encode()).decode()
            out.append(f"Content-Transfer-Encoding: base64\n\n{body}")
        else:
            out.append(f"Content-Transfer-Encoding: 7bit\n\n{text}\n")
    out.append("--==BOUNDARY==--\n")
    return "\n".join(out)


def _eks(c: _Ctx) -> str:
    p, rng = c.plan, c.rng
    cluster = f"{p.team}-{p.env}"
    script = (
        "#!/bin/bash\nset -ex\n"
        f"/etc/eks/bootstrap.sh {cluster} --b64-cluster-ca '{v.certificate_blob(rng)}' \\\n"
        f"  --apiserver-endpoint 'https://{v.hexs(rng, 32).upper()}.gr7.{p.region}.eks.amazonaws.com' \\\n"
        f"  --dns-cluster-ip 172.20.0.10 --container-runtime containerd \\\n"
        f"  --kubelet-extra-args '--node-labels=eks.amazonaws.com/nodegroup={p.service},"
        f"team={p.team},eks.amazonaws.com/nodegroup-image=ami-0{v.hexs(rng, 16)} --max-pods=58'\n" + _plant(c)
    )
    conf = "#cloud-config\nruncmd:\n  - [sysctl, -w, vm.max_map_count=262144]\n"
    return _mime([("text/cloud-config", conf, False), ("text/x-shellscript", script, False)])


def _mime_style(c: _Ctx) -> str:
    return _mime(
        [
            ("text/cloud-config", _cloud_config(c), False),
            ("text/x-shellscript", _shell(c), c.rng.random() < 0.5),
        ]
    )


def _powershell(c: _Ctx) -> str:
    p = c.plan
    plant = _plant(c)
    plant_ps = ""
    if plant:
        password = v.strong_password(random.Random(p.seed))
        plant_ps = f'$AdminPassword = ConvertTo-SecureString "{password}" -AsPlainText -Force\n'
    return (
        "<powershell>\nSet-ExecutionPolicy Bypass -Scope Process -Force\n$ErrorActionPreference = 'Stop'\n"
        "Start-Transcript -Path C:\\ProgramData\\Amazon\\userdata.log -Append\n"
        "Install-WindowsFeature -Name Web-Server,Web-Asp-Net45 -IncludeManagementTools\n"
        f"$env:APP_ENV = '{p.env}'\n$env:APP_VERSION = '{c.app_version}'\n"
        f"$dbPassword = (Get-SSMParameterValue -Name /{p.env}/{p.service}/db-password -WithDecryption $true)"
        ".Parameters[0].Value\n"
        + plant_ps
        + f"Read-S3Object -BucketName {p.team}-{p.env}-artifacts -Key {p.service}/{c.app_version}/site.zip "
        "-File C:\\temp\\site.zip\n"
        "Expand-Archive C:\\temp\\site.zip -DestinationPath C:\\inetpub\\wwwroot -Force\n"
        f"New-NetFirewallRule -DisplayName '{p.service} 443' -Direction Inbound -Protocol TCP -LocalPort 443"
        " -Action Allow\n"
        "Stop-Transcript\n</powershell>\n<persist>true</persist>\n"
    )


_STYLES: dict[str, Callable[[_Ctx], str]] = {
    "shell": _shell,
    "cloud-config": _cloud_config,
    "mime": _mime_style,
    "eks": _eks,
    "powershell": _powershell,
}


def render(plan: Plan, version: int) -> str:
    """The decoded user data of one version of a template."""
    return _STYLES[plan.style](_Ctx(random.Random(plan.seed * 31 + version), plan, version))


def encode(plan: Plan, text: str) -> str:
    """The UserData value as the API returns it: base64, of gzip when the plan says so."""
    data = text.encode()
    if plan.gzip:
        data = gzip.compress(data, compresslevel=6, mtime=0)
    return base64.b64encode(data).decode()
