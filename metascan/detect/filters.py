"""Value filters: cheap predicates that say a candidate is *not* a real secret.

A rule lists the filters it wants in `filters = [...]`; credentials get `reference`, `placeholder` and
`digest` by default.  Each returns True when the value should be dropped.
"""

from __future__ import annotations

import base64
import binascii
import itertools
from collections.abc import Callable

import regex

_REFERENCE = regex.compile(
    r"""(?ix)
      ^\$\{[^}]*\}?                          # ${VAR}, ${VAR:-default}, ${{ secrets.X }}
    | ^\$\(                                  # $(command ...)
    | ^\$[A-Za-z_][\w]*$                     # $VAR
    | \$env:[A-Za-z_]\w*                      # PowerShell $env:VAR, also inside a string it expands:
                                           # "ec2launch/$env:COMPUTERNAME.log", admin:$env:SPLUNK_PASSWORD
    | ^\$(?:env:)?[A-Za-z_]\w*[/\\]          # a variable, then a path: $HOME/.pgpass, $env:TEMP/x.zip
    | ^\$[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[[^\[\]]*\])+$   # a variable's member: $Secret.Password
    | ^\$(?:\.[A-Za-z_][\w-]*|\[[^\[\]]*\])+$        # a JSONPath: $.output.Payload.body.key
    | ^\(\s*\$[A-Za-z_]\w*      # a PowerShell or shell expression: ($SecretObj.SecretString | ...)
    | ^@\w*(?:pass|pwd|secret|token|key)\w*$            # a SQL parameter: ...;password=@password
    | ^\$\[[^\[\]]+\]$                   # taskcat's $[taskcat_genpass_16], Azure Pipelines' $[variables.x]
    | ^\(\([\w.:/-]+\)\)$                  # a Concourse pipeline variable: ((concourse_token))
    | (?-i:^(?:this|self)\.[A-Za-z_$][\w$]*$)   # a field: this.mPassword, self.password
    | ^%[\w]+%$                              # Windows %VAR%
    | ^%[-+ #0]?\d*(?:\.\d+)?[sdvqx]$            # a format verb: printf's %s, Go's %v, %q
    | ^\{\{.*\}\}$                           # templates {{ ... }} and {{resolve:...}}
    | \{\{[ \t]*[\w.$][^{}\n]{0,200}\}\}         # a template's expression inside: {{ repo_url }}/gpg
    | (?-i:(?:^|[\s,"'\[])!(?:Ref|GetAtt|Sub|ImportValue|Join|Select|FindInMap|Base64)\b)   # CloudFormation's
                                           # short forms inside: --dbpass='", !Ref DbPassword, "'
    | \{\{\s*resolve:(?:secretsmanager|ssm|ssm-secure):
    | ^<%.*%>$ | ^\#\{.*\}$                  # ERB, Ruby/Octopus templates
    | ^arn:aws[\w-]*:(?:secretsmanager|ssm|kms):
    | ^(?:ssm|secretsmanager|vault|op|awssm|aws-sm)://
    | ^(?:ssm|secretsmanager):/
    | ^vault:[\w./-]+(?:\#[\w.-]+)?$        # Bank-Vaults / vault-env: vault:secret/data/db#password
    | ^@Microsoft\.KeyVault\(                # an Azure App Service Key Vault reference
    | ^ENC\[AES256_GCM,                     # a SOPS-encrypted value (decrypted by sops at boot)
    | ^\$ANSIBLE_VAULT;                      # an Ansible Vault-encrypted value
    | ^%\(\w+\)[sdr]$                         # supervisord's %(ENV_DB_PASSWORD)s, Python %-formatting
    | ^os\.environ/[A-Za-z_]\w*$               # LiteLLM: os.environ/LITELLM_MASTER_KEY reads a variable
    | ^%env\([\w:.-]+\)%$                    # Symfony's %env(DB_PASSWORD)%
    | (?-i:^AQICAH[A-Za-z0-9+/]{20,300}(?:BgkqhkiG9w0BBw|YJKoZIhvcNAQcG|GCSqGSIb3DQEHB)[A-Za-z0-9+/]*={0,2}$)
                                           # an AWS KMS ciphertext blob: its format bytes, then PKCS#7's
                                           # EncryptedData OID (in any of base64's three alignments)
    | (?-i:^ENC\([A-Za-z0-9+/=]{8,}\)$)         # a Jasypt-encrypted property (Spring): ENC(...)
    | (?-i:^ENC\[[\w.:;/@-]{1,200}\]?$)          # a Datadog Agent secret handle, ENC[dd_api_key] (its
                                           # secrets backend resolves it at start)
    | (?-i:^\{cipher\}[A-Za-z0-9+/=]{8,}$)       # a Spring Cloud Config encrypted value
    | ^(?:/[\w.-]+){2,}/?$                   # a path (an SSM parameter name or a file)
    | ^[\w.-]{1,64}:(?:/[\w.-]+){2,}$        # a name and a file: tls-key:/etc/app/tls.key
    | (?-i:^[a-z][a-z0-9_-]*(?:/[a-z][a-z0-9_-]*){2,}$)   # a secret store's path: database/creds/orders,
                                           # secret/data/app (Vault), prod/orders/db (Secrets Manager)
    | (?-i:%0[AD])|^%(?:20|22|27|3C|7B)      # percent-encoded text (a data URL's lines, which the text layers
                                           # decode and scan): %20%27%7B%7Bresolve:...%7D%7D%27%0A
    | ^`.*`$                                 # `command`
    | ^[^\s:$]{1,64}:\$(?:\{|\(|[A-Za-z_]\w*$)    # user:${PASSWORD}, user:$(cat file), user:$PW
    | ^\s*[+.]\s | \s[+.]\s*$                # the middle of a concatenation: "pw: " + getPassword() + ","
    | ^\+?\s*(?:new\s+)?[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\($   # a call cut at its quoted argument:
                                           # request.form.get('password'), +new Buffer("x")
    | ^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+\(   # a method call: os.environ.get(...), config.get(...)
    | ^[A-Za-z_]\w*(?:::[A-Za-z_]\w*)+\(      # a namespaced call: postgresql::postgresql_password('w', ...)
    | (?-i:^[a-z_][A-Za-z0-9_]*\(              # a call: with more after it (get_user_password(outputs.get(),
        (?:(?![^()]*\)$)|(?:[a-z_][\w.-]*(?:,\s*[a-z_][\w.-]*)*)?\)$))   # or on variables
                                           # (next(resource_gen), get_tokens_setting(self.config.imds),
                                           # nonsensitive(aws_iam_access_key.s3-user.secret); not hunter(42))
    | (?-i:^[a-z_]\w*(?:\.[a-z_]\w*)+\)+$)    # an attribute in a call's arguments: key=items.get)
    | ^!!?[A-Za-z][A-Za-z_]*(?:[ \t]+[|>][-+]?)?$   # a YAML tag: !Ref, !GetAtt, !ImportValue, !vault |
    | (?-i:^(?:[A-Za-z_$][\w$]*\.)*(?:env|environ|ENV)\.[A-Za-z_]\w*$)   # env.X, process.env.X, os.environ.X
    | (?-i:^(?:var|local|module|data|each|count|self|path|terraform)\.[A-Za-z_][\w.\[\]"*-]*$)   # HCL: var.x
    | (?-i:^[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z_][\w-]*\.[A-Za-z_][\w.\[\]]*$)   # random_password.db.result
    | (?-i:^(?:\(\s*)*(?:Get|Read|Invoke|ConvertFrom|ConvertTo|Import|Unprotect|New)-[A-Z][A-Za-z]+\b)
                                           # a PowerShell call
    | (?-i:^[A-Z][a-z]+(?:To)?-[A-Z][a-z]+(?:[A-Z][a-z]+)*$)   # a cmdlet name: $x = ConvertTo-SecureString
    | (?-i:^AutoGenerate(?:,Isolate(?:Apps|ByAppId))*$)   # ASP.NET's machineKey: keys generated at run time
    """
)

_PLACEHOLDER = regex.compile(
    r"""(?ix)
      ^<[^<>]*>$ | ^\[[^\[\]]*\]$ | ^\{[^{}]*\}$         # <password>, [password], {password}
    | ^&lt;.*&gt;$                                     # the same HTML-escaped: &lt;password&gt;
    | ^(?:x+|\*+|\.+|-+|_+|\#+|0+|1234\d*|abc\d*|test\d*)$
    | ^(?:none|null|nil|undefined|empty|true|false|yes|no|on|off)[),;:]*$   # (and a signature's `= None):`)
    | ^(?:negotiate|kerberos|ntlm|credssp|digest|basic|anonymous)$   # an authentication scheme's name
    | ^(?:windowsPE|offlineServicing|generalize|specialize|auditSystem|auditUser|oobeSystem)$
                                           # an unattend.xml configuration pass: <settings pass="oobeSystem">
    | ^(?:change|replace)[_-]?(?:me|this)   # ChangeMe!, ChangeThisPassword1234
    | ^(?:changeit|your[_\-\s]?\w+|my[_-]?(?:password|secret|token|key)
        |secret|password
        |passw0rd|p@ssw0rd|p@ssword|pass|passwd|user|username|token|dummy|example|sample|placeholder|redacted|masked|hidden
        |notasecret|not[_-]?a[_-]?secret|fake|foobar|foo|bar|baz|default|todo|tbd
        |fixme|insert[_\-\s]?\w+|enter[_\-\s]?\w+|put[_\-\s]?\w+|set[_-]?me|override[_-]?me
        |replace[_\-\s]?with[_\-\s]?\w+)$
    | ^__[A-Za-z][A-Za-z0-9_]*__$ | ^@[A-Z][A-Z0-9_]*@$   # a slot a script fills in: __DB_PW__, @DB_PW@
    | (?-i:^(?=[a-z0-9]+(?:[._][a-z0-9]+){0,2}$)(?:[a-z][a-z0-9]*[._])*
        (?:password|passwd|pwd|passphrase|secret|token)(?:[._][a-z0-9]+)*$)(?<=[._].*|^passphrase)
                                           # a variable's or a setting's name, three words at most:
                                           # db_password, password_db, mail.smtp.password
                                           # (my_logo_i_passwd is a password)
    | (?-i:^(?:[A-Z][A-Z0-9]*_)*(?:PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN)(?:_[A-Z0-9]+)+$)   # ERROR_PW_X
    | ^(?=\S+\s)(?:.*\s)?(?:password|passwort|passord|passwd|passphrase|token|secret|credentials?)
      (?:[\s.,:;!?]|$)                      # words about a password (a label, a message): not a password
    | ^(?=\S+\s)(?:\S+\s+)*?(?:in|at|on|the|to|from|by|for|with|of|via|see|use|is|are|was|will|be|into
        |voir|dans|siehe|im|auf|vedi|nel|nella|zie|ver|patrz|bkz|se|em)
      (?:\s|$)                              # a sentence about where it is (password: stored in SSM, token:
                                           # see the vault, voir le coffre, siehe Tresor): words a generated
                                           # passphrase does not hold
    | (?-i:^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_[A-Z0-9]*(?:PASSWORD|PASSWD|PWD|PASS|SECRET|TOKEN|KEY)$)
                                           # a variable's name for its value, a template's to fill in:
                                           # DB_PASSWORD=DB_PASSWORD, password = NONCOMPLIANT_APITOKEN;
    | (?-i:^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]+)*(?:Password|Passwd|Secret|Token)$)   # a variable in camelCase:
                                           # NewPassword=adminPassword (PascalCase is left: gitleaks' tests
                                           # count value="TestSourcePassword" as a password)
    | ^-----BEGIN[ A-Z]*-----(?:\s|\\n)*(?:\.{3}|…|<[^>]*>)   # a PEM block whose body is `...` or `<key>`
    | ^<[A-Za-z][\w:-]*(?:\s[^<>]*)?>.*</                     # markup: <p><a href=...>...</a></p>
    | <[A-Za-z][\w-]{2,}>                    # a template's slot in the value: attr_<lower_case_name>
    | (?:example|sample|dummy|placeholder|changeme|xxxxx|redacted)
    | (?:^|[\W_])(?:fake|bogus|tooshort|too[_-]short)(?:[\W_]|$)   # a-fake-tooshort-key
    | ^\*{3,} | \*{4,}$ | \#{4,}$                        # masked values
    | (?:token|key|secret|password)[_-]?here$            # SlackAppConfigurationAccessTokenHere
    | ^(.{1,8}?)\1{2,}$                                  # one block three times or more: abcd1234abcd1234...
    | \.{2,}$ | …$                                      # cut short: ops_eyJzaWduSW5B.., sk-proj-abc…
    """
)
# Runs of consecutive letters or digits (abcdefg, 1234567): the filler of documentation examples
# (AIzaSy...1234567), which the random part of a token holds with a probability below one in a billion.
_RUN = 7
_USER_PASS = regex.compile(r"^[^\s:]{1,64}:(?P<password>[^\s:]{1,128})$")
_BASE64 = regex.compile(r"^[A-Za-z0-9+/]{8,200}={0,2}$")

# a UUID with or without its dashes, or a ULID (26 characters of Crockford's base32, a time first: 01J...)
_UUID = regex.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$|^[0-7][0-9A-HJKMNP-TV-Z]{25}$"
)
# crypt(3) password hashes as cloud-init's passwd: and chpasswd take them: $6$salt$..., bcrypt, yescrypt
_CRYPT = (
    r"^\$(?:1|2[abxy]?|5|6|y|gy|7|argon2(?:id|i|d)|pbkdf2(?:-sha\d+)?)\$[./A-Za-z0-9$=,+-]{8,}$"
    # Django's password hashers: pbkdf2_sha256$600000$salt$hash, argon2$argon2id$..., bcrypt_sha256$$2b$...
    r"|^(?:pbkdf2_sha(?:1|256)|argon2|bcrypt(?:_sha256)?|scrypt)\$[./A-Za-z0-9$=,+:-]{16,}$"
    # PostgreSQL's stored passwords: md5 and the user's MD5, a SCRAM-SHA-256 verifier
    r"|^md5[0-9a-f]{32}$|^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$"
)
_HASH = regex.compile(
    r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$|^(?i:sha\d+|md5)[:=-]|"
    + _CRYPT
)
_CRYPT_RE = regex.compile(_CRYPT)
_AWS_ID = regex.compile(
    r"^(?:ami|sg|subnet|vpc|i|lt|eni|vol|snap|fs|eipalloc|igw|rtb|nat|acl|pcx|tgw|vpce|key)-[0-9a-f]{8,17}$"
    r"|^arn:(?:aws|\$\{|[A-Z]+:)"  # an ARN, also with its partition a placeholder
)
# Absolute paths, Windows drives, and relative paths to a file (an S3 object key: app/4.5.1/site.zip); a
# path's extension is what a random value never has (`.` is not in base64).
_PATH = regex.compile(
    r"^(?:~|\.{1,2})?/[\w./-]*$|^[A-Za-z]:\\"
    r"|^[\w.-]+(?:/[\w.-]+)*\.(?:pem|key|crt|cer|json|ya?ml|txt|conf|cfg|ini|env|p12|pfx|jks|zip|tar|t?gz|bz2|xz"
    r"|jar|war|whl|rpm|deb|msi|exe|sh|ps1|py|sql|csv|xml|html?|js|log|md|toml|properties|tfstate|tfvars|hcl)$"
)
# word, Word, WORD, camelCase, PascalCase, in any alphabet with case (сервиса, Contraseña)
_SEGMENT = r"(?:\p{L}\p{Ll}*|\p{Lu}+)(?:\p{Lu}\p{Ll}+)*"
# (also joined by `:`, a namespaced name: aws:autoscaling:groupName, tag:SSMBootstrap; a separator last is a
# prefix: network_XMLHttpRequest_)
_WORD_RE = regex.compile(rf"^{_SEGMENT}(?:[_\-.:]{_SEGMENT})*[_\-.]?$")
# Lowercase words, each maybe with a number, joined by . - _ :, maybe with a number or version last:
# orders.created.v2, oauth2-client-prod, cmp2-qat-1208358310, jjwt-jackson-0.11.2, aws:autoscaling:name
_LOWER_ID_RE = regex.compile(r"^[a-z]+\d*(?:[._:-][a-z]+\d*)+(?:[._-]\d+){0,4}$")
# A Kubernetes label or annotation key: a DNS prefix, `/`, a name (karpenter.k8s.aws/instance-category).
_LABEL_KEY = regex.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}/[a-z0-9](?:[A-Za-z0-9._-]*[a-z0-9])?$"
)
_CASE_RUN = regex.compile(r"\p{Lu}?\p{Ll}+|\p{Lu}+(?!\p{Ll})")  # the words of camelCase, PascalCase, UPPER
_URL = regex.compile(r"^[a-z][a-z0-9+.-]*://", regex.I)
# bytes/(1024*1024), (a+b)*(c): not the `)*W` of a WordPress salt
_ARITHMETIC = regex.compile(r"[*/]\(\d|\)[*/][\d(]|\d\*\d")


# An expression naming a member in words: event.ResourceProperties.Name, axis._maxTicksKey,
# cfg.Database.MasterPassword.  Identifiers, and the member's humps each with a vowel: a password's random
# letters after a dot (eBMKj.xL8rEnd) seldom make words (1 in 1,200 random ones does).
_HUMP = r"[b-df-hj-np-tv-z]{0,3}[aeiouy][a-z]*"
_IDENT = r"[A-Za-z_$][a-z0-9_$]*(?:[A-Z][a-z0-9_$]+)*"
_MEMBER_EXPRESSION = regex.compile(
    rf"^(?=[^.]{{1,40}}(?:\.[^.]{{1,40}}){{1,5}}$)[a-z_$][a-z0-9_$]*(?:[A-Z][a-z0-9_$]+)*(?:\.{_IDENT})*"
    rf"\.(?:_[A-Za-z_]+|{_HUMP}(?:[A-Z]{_HUMP})+|[A-Z]{_HUMP}(?:[A-Z]{_HUMP})+)(?:\.{_IDENT})*$"
)


# A sentence, not a passphrase: four or more words with a comma, a number standing alone or a word of one or
# two letters (`mindestens 12 Zeichen, gültig 60 Tage`, `preguntar al equipo de seguridad`).  The words of
# a passphrase are none of these (`correct horse battery staple`).
_PROSE_MARK = regex.compile(r",[ \t]|(?:^|[ \t])(?:\d+|\p{Ll}{1,2})(?=[ \t]|$)")


def is_prose(value: str) -> bool:
    return value.count(" ") >= 3 and _PROSE_MARK.search(value) is not None


def is_reference(value: str) -> bool:
    value = value.strip()
    return bool(_REFERENCE.search(value) or _MEMBER_EXPRESSION.match(value))


def _ascending_run(value: str) -> bool:
    """Whether the value holds `_RUN` consecutive letters or digits in alphabet order (case ignored)."""
    run = 1
    for a, b in itertools.pairwise(value.lower()):
        same_kind = (a.isdigit() and b.isdigit()) or (a.isalpha() and b.isalpha())
        run = run + 1 if same_kind and ord(b) == ord(a) + 1 else 1
        if run >= _RUN:
            return True
    return False


def _placeholder_pair(value: str) -> bool:
    """`user:pass`, or its base64 (HTTP Basic credentials, a Docker `auth`), with a placeholder password."""
    if _BASE64.match(value) and len(value) % 4 == 0:
        try:
            value = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return False
    m = _USER_PASS.match(value)
    return m is not None and bool(_PLACEHOLDER.search(m.group("password")))


# Microsoft's Generic Volume License Keys (the KMS client setup keys of each Windows edition): public keys
# that Microsoft publishes for every volume-licensed install to carry (learn.microsoft.com, "Key Management
# Services (KMS) client activation and product keys"); an unattend.xml or `slmgr /ipk` with one holds no
# secret.  A MAK or a retail key is not among them, and is still found.
_WINDOWS_GVLKS = frozenset(
    """
    TVRH6-WHNXV-R9WG3-9XRFY-MY832 D764K-2NDRG-47T6Q-P8T8W-YP6DF XGN3F-F394H-FD2MY-PP6FD-8MCRC
    VDYBN-27WPP-V4HQT-9VMD4-VMK7H WX4NM-KYWYW-QJJR4-XV3QB-6VM33 NTBV8-9K7Q8-V27C6-M2BTV-KHMXV
    N69G4-B89J2-4G8F4-WWYCC-J464C WMDGN-G9PQG-XVVXX-R3X43-63DFG WVDHN-86M7X-466P6-VHXV7-YY726
    WC2BQ-8NRM3-FDDYY-2BFGV-KHKQY CB7KF-BWN84-R7R2Y-793K2-8XDDG JCKRF-N37P4-C2D82-9YXRT-4M63B
    N2KJX-J94YW-TQVFB-DG9YT-724CC 6NMRW-2C8FM-D24W7-TQWMY-CWH2D W269N-WFGWX-YVC9B-4J6C9-T83GX
    MH37W-N47XK-V7XM9-C7227-GCQG9 NRG8B-VKK3Q-CXVCJ-9G2XF-6Q84J 9FNHH-K3HBT-3W4TD-6383H-6XYWF
    6TP4R-GNPTD-KYYHQ-7B7DP-J447Y YVWGF-BXNMC-HTQYQ-CPQ99-66QFC NW6C2-QMPVW-D7KKK-3GKT6-VCFB2
    2WH4N-8QGBV-H22JP-CT43Q-MDWWJ NPPR9-FWDCX-D2C8J-H872K-2YT43 DPH2V-TTNVB-4X9Q3-TJR4H-KHJW4
    YYVX9-NTFWV-6MDM3-9PT4T-4M68B 44RPN-FTY23-9VTTB-MP9BX-T84FV M7XTQ-FN8P6-TTKYV-9D4CC-J462D
    92NFX-8DJQP-P6BBQ-THF9C-7CG2H KBN8V-HFGQ4-MGXVD-347P6-PDQGT DCPHK-NFMTC-H88MJ-PFHPY-QJ4BJ
    QFFDN-GRT3P-VKWWX-X7T3R-8B639 WNMTR-4C88C-JK8YV-HQ7T2-76DF9 2F77B-TNFGY-69QQF-B8YKP-D69TJ
    PTXN8-JFHJM-4WC78-MPCBR-9W4KR 2HXDN-KRXHB-GPYC7-YCKFJ-7FVDG DPCNP-XQFKJ-BJF7R-FRC8D-GF6G4
    6Y6KB-N82V8-D8CQV-23MJW-BWTG6 D2N9P-3P6X9-2R39C-7RTCD-MDVJX W3GGN-FT8W3-Y4M27-J84CP-Q3VJ9
    KNC87-3J2TX-XB4WP-VCPJV-M4FWM XC9B7-NBPP2-83J2H-RHMBY-92BT4 HM7DN-YVMH3-46JC3-XYTG7-CYQJJ
    XNH6W-2V9GX-RGJ4K-Y8X6F-QGJ2G 48HP8-DN98B-MYWDG-T2DCC-8W83P HTDQM-NBMMG-KGYDT-2DTKT-J2MPV
    6TPJF-RBVHG-WBW2R-86QPH-6RTM4 TT8MH-CG224-D3D7Q-498W2-9QCTX YC6KT-GKW9T-YTKYR-T4X34-R7VHC
    489J6-VHDMP-X63PK-3K798-CPX3Y 74YFP-3QFB3-KQT8W-PMXWJ-7M648 GT63C-RJFQ3-4GMB6-BRFB9-CB83V
    WYR28-R7TFJ-3X2YQ-YCY4H-M249D TM24T-X9RMF-VWXK6-X8JC9-BFGM2 W7VD6-7JFBR-RX26B-YKQ3Y-6FFFJ
    YQGMW-MPWTJ-34KDK-48M3W-X4Q6V 39BXF-X8Q23-P2WWT-38T2F-G3FPG RCTX3-KWVHP-BR6TB-RB6DM-6X7HP
    7M67G-PC374-GR742-YH8V4-TCBY3 22XQ2-VRXRG-P8D42-K34TD-G3QQC 4DWFP-JF3DJ-B7DTH-78FJB-PDRHK
    GCRJD-8NW9H-F2CDX-CCM8D-9D6T9 HMCNV-VVBFX-7HMBH-CTY9B-B4FXY MHF9N-XY6XB-WVXMC-BTDCT-MKKG7
    TT4HM-HN7YT-62K67-RGRQJ-JFFXW NG4HW-VH26C-733KW-K6F98-J8CK4 XCVCF-2NXM9-723PB-MHCB7-2RYQQ
    32JNW-9KQ84-P47T8-D8GGY-CWCK7 JMNMF-RHW7P-DMY6X-RF3DR-X2BQT FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4
    MRPKT-YTG23-K7D7T-X2JMM-QY7MG W82YF-2Q76Y-63HXB-FGJG9-GF7QX 33PXH-7Y6KF-2VJC9-XBBR8-HVTHH
    YDRBP-3D83W-TY26F-D46B2-XCKRJ C29WB-22CC8-VJ326-GHFJW-H9DH4 YFKBB-PQJJV-G996G-VWGXY-2V3X8
    HMBQG-8H2RH-C77VX-27R82-VMQBT VKK3X-68KWM-X2YGT-QR4M6-4BWMV VTC42-BM838-43QHV-84HX6-XJXKV
    """.split()
)


def is_placeholder(value: str) -> bool:
    value = value.strip()
    if len(value) == 29 and value.upper() in _WINDOWS_GVLKS:
        return True
    if "\\u" in value:  # (`\u003cyour-token\u003e`: HTML-safe JSON escaping, as Go and .NET write it)
        value = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
    if _PLACEHOLDER.search(value) or _placeholder_pair(value):
        return True
    # base64 of a placeholder (`Y2hhbmdlbWU=` is `changeme`), as Kubernetes Secret data and docker auth hold
    # it
    if 8 <= len(value) <= 88 and len(value) % 4 == 0 and _BASE64.fullmatch(value):
        try:
            plain = base64.b64decode(value, validate=True).decode("ascii")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return False
        return plain.isprintable() and bool(_PLACEHOLDER.search(plain) or _placeholder_pair(plain))
    return False


_BASE64 = regex.compile(r"[A-Za-z0-9+/]+={0,2}")
_UNICODE_ESCAPE = regex.compile(r"\\u([0-9A-Fa-f]{4})")


# A token's parts that are numbers alone, beside a longer part, are ids rather than its random part: a Slack
# token's team and user ids (`xoxb-123456789012-...`), a Telegram bot's id (`123456789:AA...`).
_PARTS = regex.compile(r"[^-_.:/]+")


def is_example(value: str) -> bool:
    """Documentation filler in a token's random part: AIzaSyabcdefghijklmnopqrstuvwxyz1234567."""
    parts = _PARTS.findall(value.strip())
    longest = max(map(len, parts), default=0)
    return any(_ascending_run(p) for p in parts if len(p) == longest or not p.isdigit())


# A digest written with its algorithm: sha256:<hex> (container images, kubeadm's CA hash, pip --hash),
# sha512-<base64> (Subresource Integrity, npm's integrity), an SSH key's fingerprint as OpenSSH prints it
# (SHA256:<base64>, MD5:<hex pairs>); its `=` percent-encoded in a URL (sig=sha256%3D<hex>).  Never a
# secret, whatever its key is called.
_DIGEST = regex.compile(
    r"^(?:(?i:sha-?(?:1|224|256|384|512)|sha3-\d{3}|md5|blake2[bs]?(?:-\d+)?)(?:[:=]|%3[Dd])[0-9a-fA-F]{32,128}"
    r"|sha(?:256|384|512)-[A-Za-z0-9+/]{43,86}={0,2}"
    r"|SHA256:[A-Za-z0-9+/]{43}|MD5:(?:[0-9a-f]{2}:){15}[0-9a-f]{2})$"
)


def is_digest(value: str) -> bool:
    return bool(_DIGEST.match(value.strip()))


def is_sequential(value: str) -> bool:
    """A run of an alphabet or digit sequence (`ABCDEF0123`, `0123456789`): detect-secrets' heuristic.

    Imported on the first call: importing detect-secrets imports `requests` and its plugins, 0.045 s of every
    start-up (a fifth of importing metascan), for a filter that only some candidates reach (694 at the
    bench's 10,000 groups, 4 in examples/)."""
    from detect_secrets.filters.heuristic import is_sequential_string

    return is_sequential_string(value)


def is_word(value: str) -> bool:
    """Words in ordinary casing joined by _ - or . (my_api_key, ConvertTo-SecureString, orders.created.v2):
    an identifier, not a generated secret (whose letters change case at random)."""
    if _LOWER_ID_RE.match(value) or _LABEL_KEY.match(value):
        return True
    if not _WORD_RE.match(value):
        return False
    # Words have syllables: most letters are in runs of three or more (Convert, Secure, api, key).  Base64
    # can alternate case in pairs and still parse as segments (YXNkZmZmZmZm: YX Nk Zm Zm Zm Zm).
    parts = _CASE_RUN.findall(value)
    return 2 * sum(len(p) for p in parts if len(p) >= 3) >= sum(map(len, parts))


FILTER_FUNCS: dict[str, Callable[[str], bool]] = {
    "reference": is_reference,
    "placeholder": is_placeholder,
    "digest": is_digest,
    "example": is_example,
    "uuid": lambda v: bool(_UUID.match(v)),
    "hash": lambda v: bool(_HASH.match(v)),
    # A crypt(3) hash only: what a password key holds in hex is a password (`openssl rand -hex 16`), a
    # digest only where the key says so (password_sha256 is not a password key).
    "crypt": lambda v: bool(_CRYPT_RE.match(v)),
    "aws_id": lambda v: bool(_AWS_ID.match(v)),
    "prose": is_prose,
    "sequential": is_sequential,
    "path": lambda v: bool(_PATH.match(v)),
    "word": is_word,
    # Blanks inside, or arithmetic on a parenthesis: an expression, a sentence or a list, not a key or a token
    # (no vendor's has one; a PEM block's armour has blanks, and is a key).
    "spaced": lambda v: (
        (any(ch.isspace() for ch in v.strip()) and not v.lstrip().startswith("-----BEGIN"))
        or _ARITHMETIC.search(v) is not None
    ),
    "url": lambda v: bool(_URL.match(v)),
}
