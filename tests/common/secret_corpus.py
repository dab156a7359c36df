"""Secret shapes in realistic log lines, and benign text that must survive redaction untouched.

Each :class:`Shape` is a kind of secret, a line of log text that contains it the way real
programs print it, and the secret substring itself. The values are fake: generated from a
fixed seed in the shape's alphabet and length (so no real credential sits in the repo, and a
scanner pointed at it sees the right shapes), except a few documentation examples (AWS's own
``AKIAIOSFODNN7EXAMPLE``).
"""

from __future__ import annotations

import base64
import json
import random
import string
from dataclasses import dataclass

_rng = random.Random(20261201)
ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
HEXL = "0123456789abcdef"


def rnd(alphabet: str, n: int) -> str:
    """Random text, but with each character class of the alphabet present (like a real key)."""
    while True:
        s = "".join(_rng.choice(alphabet) for _ in range(n))
        wanted = [set(c) & set(alphabet) for c in (string.ascii_lowercase, string.ascii_uppercase, string.digits)]
        if all(not w or set(s) & w for w in wanted):
            return s


@dataclass(frozen=True)
class Shape:
    name: str
    line: str
    secret: str


SHAPES: list[Shape] = []


def add(name: str, template: str, secret: str) -> None:
    assert "{s}" in template, name
    SHAPES.append(Shape(name, template.replace("{s}", secret), secret))


def _jwt() -> str:
    head = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).decode().rstrip("=")
    body = base64.urlsafe_b64encode(json.dumps({"sub": rnd(ALNUM, 10), "exp": 1764547200}).encode()).decode()
    return f"{head}.{body.rstrip('=')}.{rnd(URLSAFE, 43)}"


def _pem(kind: str, lines: int = 6) -> str:
    body = "\n".join(rnd(B64, 64) for _ in range(lines))
    return f"-----BEGIN {kind}PRIVATE KEY-----\n{body}\n-----END {kind}PRIVATE KEY-----"


# --- AWS ---------------------------------------------------------------------------------------
add("aws_key_id_doc", "2026-05-01T10:00:00Z botocore.credentials INFO Found credentials: {s}", "AKIAIOSFODNN7EXAMPLE")
for prefix in ("AKIA", "ASIA", "AROA", "AIDA", "ABIA"):
    add(f"aws_key_id_{prefix.lower()}", "exporter ERROR s3 upload failed key_id={s} bucket=vv-out",
        prefix + rnd(UPPER_DIGITS, 16))
add("aws_secret_env", "entrypoint: AWS_SECRET_ACCESS_KEY={s} AWS_DEFAULT_REGION=eu-west-1", rnd(B64, 40))
add("aws_secret_doc", "aws_secret_access_key = {s}", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
add("aws_secret_json", '{"AccessKeyId": "AKIAZZZZ", "SecretAccessKey": "{s}", "Expiration": "2026"}', rnd(B64, 40))
add("aws_secret_bare", "using AKIAIOSFODNN7EXAMPLE / {s} for s3://vv-out", rnd(B64, 40))
add("aws_secret_yaml", "  secret_key: {s}", rnd(B64, 40))
add("aws_session_token", "AWS_SESSION_TOKEN={s}", "IQoJb3JpZ2luX2VjE" + rnd(B64, 120))
add("aws_presigned_sig",
    "GET https://vv-out.s3.amazonaws.com/a.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature={s} 403",
    rnd(HEXL, 64))
add("aws_presigned_cred", "GET /a.mp4?X-Amz-Credential={s}&X-Amz-Date=20260501T000000Z", "AKIA" + rnd(UPPER_DIGITS, 16)
    + "%2F20260501%2Feu-west-1%2Fs3%2Faws4_request")

# --- bearer, basic, JWT ------------------------------------------------------------------------
add("bearer_header", "httpx DEBUG > Authorization: Bearer {s}", rnd(URLSAFE + ".", 48))
add("bearer_lower", "sending request with header 'authorization: bearer {s}'", rnd(ALNUM, 32))
add("bearer_inline", "retrying with Bearer {s} after 401", rnd(ALNUM, 40))
add("basic_header", "Authorization: Basic {s}", base64.b64encode(b"admin:" + rnd(ALNUM, 12).encode()).decode())
add("authz_token_scheme", "GitHub API: Authorization: token {s}", rnd(HEXL, 40))
add("authz_json", '{"headers": {"Authorization": "{s}", "Accept": "*/*"}}', rnd(ALNUM, 36))
add("proxy_authz", "Proxy-Authorization: Basic {s}", base64.b64encode(b"proxy:" + rnd(ALNUM, 10).encode()).decode())
add("jwt_bare", "auth middleware WARNING expired token {s} for /api/incidents", _jwt())
add("jwt_cookie", "Set-Cookie: session={s}; Path=/; HttpOnly", _jwt())
add("jwt_bearer", "Authorization: Bearer {s}", _jwt())
add("jwt_query", "GET /ws?jwt={s} 101", _jwt())

# --- passwords in URLs -------------------------------------------------------------------------
add("url_pw_s3", "model sync: s3://vvuser:{s}@minio.local:9000/models/m.json", rnd(ALNUM, 14))
add("url_pw_postgres", "sqlalchemy connect postgresql://app:{s}@db:5432/vv failed", rnd(ALNUM + "!$", 16))
add("url_pw_mysql", "DATABASE_URL=mysql://root:{s}@127.0.0.1/vv", rnd(ALNUM, 12))
add("url_pw_redis_empty_user", "redis connection redis://:{s}@cache:6379/0 refused", rnd(ALNUM, 20))
add("url_pw_amqp", "kombu: amqp://guest:{s}@rabbit//", rnd(ALNUM, 10))
add("url_pw_mongodb", "mongodb+srv://svc:{s}@cluster0.example.net/?retryWrites=true", rnd(ALNUM, 18))
add("url_pw_https", "GET https://deploy:{s}@registry.example.com/v2/ 401", rnd(ALNUM, 15))
add("url_pw_ftp", "curl: ftp://backup:{s}@10.0.0.5/dump.tar", rnd(ALNUM, 9))
add("url_pw_at_sign", "mounting smb://user:{s}@nas/share", "p@ss" + rnd(ALNUM, 8))
add("url_pw_percent", "proxy http://corp%5Cjdoe:{s}@proxy.corp:3128", "s3cr%23t" + rnd(ALNUM, 6))
add("url_pw_git", "git clone https://oauth2:{s}@gitlab.example.com/vv/app.git", rnd(ALNUM, 20))
add("url_token_query", "GET /api/v1/push?access_token={s}&ts=1 200", rnd(ALNUM, 32))
add("url_apikey_query", "POST https://api.example.com/v2/events?api_key={s} 500", rnd(HEXL, 32))
add("url_sig_query", "blob https://vvstore.blob.core.windows.net/out/a.mp4?sv=2022-11-02&sig={s}",
    rnd(B64, 43) + "%3D")

# --- key=value, key: value, JSON ---------------------------------------------------------------
add("kv_password", "db connect failed user=vv password={s} host=db", rnd(ALNUM, 12))
add("kv_password_upper", "env: POSTGRES_PASSWORD={s}", rnd(ALNUM, 16))
add("kv_pgpassword", "PGPASSWORD={s} psql -h db", rnd(ALNUM, 10))
add("kv_passwd", "smbclient passwd={s}", rnd(ALNUM, 8))
add("kv_pwd", "MYSQL_PWD={s}", rnd(ALNUM, 11))
add("kv_password_colon", "redis: password: {s}", rnd(ALNUM, 14))
add("kv_password_short", "login attempt password=hunter2 rejected".replace("hunter2", "{s}"), "hunter2")
add("kv_password_quoted", "config: password = '{s}'", "correct horse battery staple")
add("kv_password_dq_spaces", 'settings password="{s}" loaded', "two words " + rnd(ALNUM, 6))
add("json_password", '{"user": "vv", "password": "{s}", "host": "db"}', rnd(ALNUM + "!@#", 14))
add("json_password_escaped", '{"password": "{s}"}', 'a\\"b' + rnd(ALNUM, 8))
add("json_db_password", '{"db_password":"{s}"}', rnd(ALNUM, 12))
add("yaml_password", "    password: {s}", rnd(ALNUM, 12))
add("kv_passphrase", "ssh-add: passphrase={s}", rnd(ALNUM, 10))
add("kv_secret", "webhook_secret={s}", rnd(ALNUM, 24))
add("kv_client_secret", "oauth client_secret: {s}", rnd(URLSAFE, 32))
add("json_client_secret", '{"client_id": "vv-app", "client_secret": "{s}"}', rnd(ALNUM, 40))
add("kv_api_key", "sentry init api_key={s}", rnd(HEXL, 32) + "Z")
add("kv_apikey_camel", "apiKey: {s}", rnd(ALNUM, 32))
add("kv_x_api_key", "X-API-Key: {s}", rnd(ALNUM, 30))
add("kv_access_token", "refresh ok access_token={s} expires_in=3600", rnd(URLSAFE, 40))
add("kv_refresh_token", '"refresh_token": "{s}"', rnd(URLSAFE, 48))
add("kv_auth_token", "TWILIO_AUTH_TOKEN={s}", rnd(HEXL, 31) + "K")
add("kv_token", "registering runner token={s}", rnd(ALNUM, 20))
add("kv_private_key_value", "signing private_key={s}", rnd(B64, 44))
add("kv_account_key", "DefaultEndpointsProtocol=https;AccountName=vv;AccountKey={s};EndpointSuffix=core.windows.net",
    rnd(B64, 86) + "==")
add("kv_shared_access_key", "Endpoint=sb://vv.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey={s}",
    rnd(B64, 43) + "=")
add("kv_encryption_key", "ENCRYPTION_KEY={s}", rnd(B64, 44))
add("kv_dd_api_key", "DD_API_KEY={s}", rnd(HEXL, 31) + "Q")
add("kv_credentials", "credentials={s}", rnd(ALNUM, 28))
add("kv_session_key", 'session_key="{s}"', rnd(ALNUM, 26))
add("cli_password", "spawned: mysqldump --password {s} vv", rnd(ALNUM, 12))
add("cli_password_eq", "argv: restic --password={s} backup", rnd(ALNUM, 12))
add("cli_token", "argv: gh --token {s}", rnd(ALNUM, 24))

# --- private keys ------------------------------------------------------------------------------
add("pem_rsa", "loaded key:\n{s}\nok", _pem("RSA "))
add("pem_pkcs8", "{s}", _pem(""))
add("pem_ec", "key material follows {s}", _pem("EC "))
add("pem_encrypted", "{s}", _pem("ENCRYPTED "))
add("openssh_key", "id_ed25519:\n{s}\n", _pem("OPENSSH ", 4))
add("pgp_key", "gpg export:\n{s}", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" + rnd(B64, 64) + "\n" + rnd(B64, 30)
    + "\n-----END PGP PRIVATE KEY BLOCK-----")
add("pem_escaped_newlines", '{"private_key": "{s}"}', "-----BEGIN PRIVATE KEY-----\\n" + rnd(B64, 64) + "\\n"
    + rnd(B64, 20) + "\\n-----END PRIVATE KEY-----\\n")
add("pem_truncated", "key dump (truncated):\n{s}", "-----BEGIN RSA PRIVATE KEY-----\n" + rnd(B64, 64) + "\n"
    + rnd(B64, 64))

# --- e-mail ------------------------------------------------------------------------------------
add("email_plain", "alert routed to {s}", "ops.team@example.com")
add("email_plus", "user {s} logged in", "joao.silva+vv@empresa.com.br")
add("email_angle", "From: VV Bot <{s}>", "bot@vv-video.io")
add("email_mailto", "contact mailto:{s}", "security@example.org")
add("email_json", '{"owner": "{s}"}', "maria_ines@sub.domain.pt")

# --- webhooks ----------------------------------------------------------------------------------
add("slack_webhook", "apprise: posting to {s}", "https://hooks.slack.com/services/T" + rnd(UPPER_DIGITS, 8)
    + "/B" + rnd(UPPER_DIGITS, 8) + "/" + rnd(ALNUM, 24))
add("slack_workflow", "{s} -> 200", "https://hooks.slack.com/workflows/T0" + rnd(UPPER_DIGITS, 7) + "/A0"
    + rnd(UPPER_DIGITS, 7) + "/4" + rnd(HEXL, 17) + "/" + rnd(ALNUM, 24))
add("discord_webhook", "notify {s} failed: 429", "https://discord.com/api/webhooks/" + rnd(string.digits, 18)
    + "/" + rnd(URLSAFE, 68))
add("discordapp_webhook", "url={s}", "https://discordapp.com/api/webhooks/" + rnd(string.digits, 18) + "/"
    + rnd(URLSAFE, 68))
add("teams_webhook", "Teams card to {s} sent", "https://vvcorp.webhook.office.com/webhookb2/" + rnd(HEXL, 8)
    + "-" + rnd(HEXL, 4) + "@" + rnd(HEXL, 8) + "/IncomingWebhook/" + rnd(HEXL, 32) + "/" + rnd(HEXL, 8))
add("teams_logic_app", "POST {s}", "https://prod-12.westeurope.logic.azure.com:443/workflows/" + rnd(HEXL, 32)
    + "/triggers/manual/paths/invoke?sig=" + rnd(URLSAFE, 43))
add("generic_hooks", "sending to {s}", "https://hooks.zapier.com/hooks/catch/" + rnd(string.digits, 7) + "/"
    + rnd(ALNUM, 6))
add("telegram_bot", "GET https://api.telegram.org/bot{s}/sendMessage", rnd(string.digits, 10) + ":AA"
    + rnd(URLSAFE, 33))

# --- provider tokens ---------------------------------------------------------------------------
for p in ("ghp", "gho", "ghu", "ghs", "ghr"):
    add(f"github_{p}", "git: remote: Invalid username or token {s}", f"{p}_" + rnd(ALNUM, 36))
add("github_pat_fine", "GH_TOKEN={s}", "github_pat_" + rnd(ALNUM, 22) + "_" + rnd(ALNUM, 59))
add("github_in_url", "cloning https://{s}@github.com/vv/app", "ghp_" + rnd(ALNUM, 36))
add("gitlab_pat", "CI: using glpat token {s}", "glpat-" + rnd(URLSAFE, 20))
add("gitlab_deploy", "deploy token {s}", "gldt-" + rnd(URLSAFE, 20))
add("gitlab_runner", "runner registered glrt-".replace("glrt-", "{s}"), "glrt-" + rnd(URLSAFE, 20))
add("slack_bot", "slack_sdk: token {s} revoked", "xoxb-" + rnd(string.digits, 12) + "-" + rnd(string.digits, 13)
    + "-" + rnd(ALNUM, 24))
add("slack_user", "xoxp {s}", "xoxp-" + rnd(string.digits, 12) + "-" + rnd(string.digits, 12) + "-"
    + rnd(string.digits, 13) + "-" + rnd(HEXL, 32))
add("slack_app", "socket mode with {s}", "xapp-1-A0" + rnd(UPPER_DIGITS, 9) + "-" + rnd(string.digits, 13) + "-"
    + rnd(HEXL, 64))
add("openai_legacy", "openai.AuthenticationError: Incorrect API key provided: {s}", "sk-" + rnd(ALNUM, 20)
    + "T3BlbkFJ" + rnd(ALNUM, 20))
add("openai_proj", "OPENAI_API_KEY={s}", "sk-proj-" + rnd(URLSAFE, 120))
add("openai_svcacct", "using {s}", "sk-svcacct-" + rnd(URLSAFE, 60))
add("anthropic_key", "anthropic: x-api-key {s} invalid", "sk-ant-api03-" + rnd(URLSAFE, 93) + "AA")
add("anthropic_admin", "key={s}", "sk-ant-admin01-" + rnd(URLSAFE, 93) + "AA")
add("google_api_key", "maps geocode ?key={s} REQUEST_DENIED", "AIza" + rnd(URLSAFE, 35))
add("google_api_key_bare", "firebase apiKey {s}", "AIza" + rnd(URLSAFE, 35))
add("google_oauth_access", "gcloud token ya29 {s}", "ya29." + rnd(URLSAFE, 120))
add("google_client_secret", "client {s}", "GOCSPX-" + rnd(URLSAFE, 28))
add("stripe_secret_live", "stripe.error.AuthenticationError: Invalid API Key provided: {s}", "sk_live_"
    + rnd(ALNUM, 24))
add("stripe_secret_test", "STRIPE_KEY={s}", "sk_test_" + rnd(ALNUM, 99))
add("stripe_restricted", "rk {s}", "rk_live_" + rnd(ALNUM, 24))
add("stripe_webhook_secret", "verify signature with {s}", "whsec_" + rnd(ALNUM, 32))
add("huggingface", "huggingface_hub: token {s} is invalid", "hf_" + rnd(ALNUM, 34))
add("npm", "//registry.npmjs.org/:_authToken={s}", "npm_" + rnd(ALNUM, 36))
add("pypi", "twine upload -p {s}", "pypi-AgEIcHlwaS5vcmc" + rnd(URLSAFE, 60))
add("sendgrid", "smtp auth {s}", "SG." + rnd(URLSAFE, 22) + "." + rnd(URLSAFE, 43))
add("digitalocean", "doctl auth {s}", "dop_v1_" + rnd(HEXL, 64))
add("shopify", "X-Shopify-Access-Token: {s}", "shpat_" + rnd(HEXL, 32))

# --- generic high-entropy values ---------------------------------------------------------------
add("generic_secret_hex_upper", "app_secret={s}", rnd("0123456789ABCDEF", 48))
add("generic_token_b64", "device token: {s}", rnd(B64, 60))
add("generic_api_key_urlsafe", '{"api_key":"{s}"}', rnd(URLSAFE, 40))
add("generic_master_key", "MASTER_KEY={s}", rnd(ALNUM, 32))

BENIGN: list[str] = [
    # digests, ids, times, names: the monitor's evidence is made of these
    "sha256 " + "9f2c" * 16 + " matches the manifest",
    '{"sha256": "' + "ab12" * 16 + '", "size_bytes": 123456}',
    "sha1 0123456789abcdef0123456789abcdef01234567",
    "md5=d41d8cd98f00b204e9800998ecf8427e",
    "request 123e4567-e89b-12d3-a456-426614174000 done",
    "uuid=550E8400-E29B-41D4-A716-446655440000",
    "2026-05-01T10:00:00.123456+00:00 scanner INFO processed cam3_0001.mp4 in 1.20s",
    "May  1 10:00:00 edge01 kernel: [12345.678901] oom-kill:constraint=CONSTRAINT_NONE",
    "moved input/cam3_0001.mp4 -> processed/cam3_0001.mp4.analytic.json",
    "container 4f1d2c3b4a5e started (image vv/scene_scanner:1.2.0)",
    "container id " + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "podman: sha256:" + "0a1b2c3d" * 8,
    "git commit b27144a videogen: two samples",
    "s3 put key=videos/cam3_0001.mp4 bucket=vv-out etag=\"9b2cf535f27731c974343645a3985328\"",
    "token_count=512 max_tokens=256 tokens=48",
    "password reset requested for user id 42",
    "passed=12 failed=0 skipped=3",
    "author=Maria Silva",
    "Basic authentication is disabled",
    "Bearer token missing from request",
    "model bitnet_summarizer_v1.0.0.tar.gz version 1.0.0 active",
    "/opt/vv-video-ai-system/models/versions/1.1.0/bitnet/config.json",
    "GET /metrics HTTP/1.1 200 0.003s",
    "disk /dev/sda1 94% used (free 1.2G)",
    "exit code 137 (OOMKilled) after 3 restarts",
    "latency p95=0.452s p99=1.2s rss=512MiB",
    "keyframe hashes: ffd8ffe000104a46 0011223344556677",
    "secret_sauce_enabled=false",
    "api_key_file=/run/secrets/api_key",
    "trace id 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7",
    "version 2.0.0-rc.1+build.5 published",
    "https://storage.example/models/bitnet_summarizer_v1.0.0.tar.gz",
    "log line with unicode: ção, 動画, emoji 🎥",
    "frame 000123 motion=0.0345 brightness=0.51",
    "etag 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d-12",
    "user@localhost",
    "wal checkpoint (PASSIVE) 0 0",
]
