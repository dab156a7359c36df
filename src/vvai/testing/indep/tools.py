"""Text that third-party tools print, in their own words (ffmpeg/PyAV, botocore, redis, llama.cpp, kernel)."""
# ruff: noqa: E501  -- the messages are kept on one line each, as the tools print them
from __future__ import annotations

import random


def traceback(frames: list[tuple[str, int, str, str]], final: str, chained: str | None = None) -> str:
    out = []
    if chained:
        out += chained.split("\n") + ["", "During handling of the above exception, another exception occurred:", ""]
    out.append("Traceback (most recent call last):")
    for path, line, func, code in frames:
        out.append(f'  File "{path}", line {line}, in {func}')
        out.append(f"    {code}")
    out.append(final)
    return "\n".join(out)


# -- ffmpeg / PyAV ----------------------------------------------------------------------------
def ffmpeg_noise(rng: random.Random) -> str:
    addr = f"0x{rng.randrange(0x55d000000000, 0x55dfffffffff):x}"
    return rng.choice([
        f"[h264 @ {addr}] error while decoding MB {rng.randrange(10, 119)} {rng.randrange(1, 67)}, bytestream -{rng.randrange(3, 40)}",
        f"[h264 @ {addr}] concealing {rng.randrange(100, 3000)} DC, {rng.randrange(100, 3000)} AC, {rng.randrange(100, 3000)} MV errors in P frame",
        f"[hevc @ {addr}] Could not find ref with POC {rng.randrange(1, 60)}",
        f"[mov,mp4,m4a,3gp,3g2,mj2 @ {addr}] stream 1, offset 0x{rng.randrange(4096, 10**7):x}: partial file",
        f"[aac @ {addr}] Input buffer exhausted before END element found",
    ])


def pyav_open_error(path: str, kind: str) -> tuple[str, str]:
    """(multi-line traceback, the final line) for av.open on a broken file."""
    finals = {
        "invalid": f"av.error.InvalidDataError: [Errno 1094995529] Invalid data found when processing input: '{path}'",
        "moov": f"av.error.InvalidDataError: [Errno 1094995529] Invalid data found when processing input: '{path}'; last error log: [mov,mp4,m4a,3gp,3g2,mj2] moov atom not found",
        "eof": f"av.error.EOFError: [Errno 541478725] End of file: '{path}'",
        "codec": f"av.error.PatchWelcomeError: [Errno 1347703880] Not yet implemented in FFmpeg, patches welcome: '{path}'",
    }
    final = finals[kind]
    tb = traceback([
        ("/app/scene_scanner/worker.py", 214, "process", "container = av.open(str(path), options=AV_OPTS)"),
        ("av/container/core.pyx", 420, "av.container.core.open", ""),
        ("av/container/core.pyx", 266, "av.container.core.Container.__cinit__", ""),
        ("av/container/core.pyx", 286, "av.container.core.Container.err_check", ""),
        ("av/error.pyx", 326, "av.error.err_check", ""),
    ], final)
    return tb.replace("\n    \n", "\n"), final


def ffmpeg_cli_error(path: str) -> list[str]:
    return ["[mov,mp4,m4a,3gp,3g2,mj2 @ 0x5581c2f4e6c0] moov atom not found",
            f"{path}: Invalid data found when processing input"]


# -- botocore / boto3 -------------------------------------------------------------------------
def botocore_error(kind: str, endpoint: str, bucket: str, key: str) -> str:
    url = f"{endpoint}/{bucket}/{key}"
    return {
        "connect": f'botocore.exceptions.EndpointConnectionError: Could not connect to the endpoint URL: "{url}"',
        "timeout": f'botocore.exceptions.ConnectTimeoutError: Connect timeout on endpoint URL: "{url}"',
        "denied": "botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the PutObject operation: Access Denied",
        "expired": "botocore.exceptions.ClientError: An error occurred (ExpiredToken) when calling the PutObject operation: The provided token has expired.",
        "nobucket": "botocore.exceptions.ClientError: An error occurred (NoSuchBucket) when calling the PutObject operation: The specified bucket does not exist",
        "dns": f'botocore.exceptions.EndpointConnectionError: Could not connect to the endpoint URL: "{url}"',
        "ssl": f'botocore.exceptions.SSLError: SSL validation failed for {url} [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)',
    }[kind]


def botocore_retry_debug(attempt: int, delay: float) -> str:
    """botocore's retry handler at DEBUG (botocore.retryhandler)."""
    return f"Retry needed, retrying request after delay of: {delay}"


def boto_retry_exhausted(kind_line: str) -> str:
    return kind_line.replace("botocore.exceptions.ClientError: ", "") + " (reached max retries: 4)"


# -- redis server and clients -----------------------------------------------------------------
def redis_line(pid: int, role: str, ts_text: str, level: str, msg: str) -> str:
    """redis-server's own format: `1:M 20 Nov 2026 10:04:05.123 # msg` (level . - * #)."""
    mark = {"debug": ".", "verbose": "-", "notice": "*", "warning": "#"}[level]
    return f"{pid}:{role} {ts_text} {mark} {msg}"


MISCONF = ("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. "
           "Commands that may modify the data set are disabled, because this instance is configured to report "
           "errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check "
           "the Redis logs for details about the RDB error.")


def redis_py_conn_error(host: str, kind: str) -> str:
    return {
        "refused": f"redis.exceptions.ConnectionError: Error 111 connecting to {host}:6379. Connection refused.",
        "dns": f"redis.exceptions.ConnectionError: Error -3 connecting to {host}:6379. Temporary failure in name resolution.",
        "timeout": "redis.exceptions.TimeoutError: Timeout connecting to server",
        "misconf": "redis.exceptions.ResponseError: " + MISCONF,
    }[kind]


def go_redis_error(host: str) -> str:
    return f"dial tcp {host}:6379: connect: connection refused"


# -- llama.cpp / model loading ----------------------------------------------------------------
def llama_load_failure(path: str, kind: str) -> list[str]:
    if kind == "magic":
        return ["gguf_init_from_file: invalid magic characters 'PK\\x03\\x04'",
                f"llama_model_load: error loading model: llama_model_loader: failed to load model from {path}",
                "llama_load_model_from_file: failed to load model"]
    if kind == "arch":
        return ["llama_model_loader: - kv   0:                       general.architecture str              = bitnet-b1.58",
                "llama_model_load: error loading model: error loading model architecture: unknown model architecture: 'bitnet-b1.58'",
                "llama_load_model_from_file: failed to load model"]
    if kind == "truncated":
        return ["llama_model_load: error loading model: tensor 'blk.21.ffn_down.weight' data is not within the file bounds, model is corrupted or incomplete",
                "llama_load_model_from_file: failed to load model"]
    raise ValueError(kind)


# -- kernel -----------------------------------------------------------------------------------
def kernel_oom(pid: int, comm: str, cg: str, anon_kb: int, uptime: float) -> list[str]:
    return [f"[{uptime:.6f}] {comm} invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
            f"[{uptime + 0.0002:.6f}] memory: usage {anon_kb + 5000}kB, limit {anon_kb + 5000}kB, failcnt {pid % 97}",
            f"[{uptime + 0.0009:.6f}] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset={cg[:12]},mems_allowed=0,oom_memcg=/system.slice/docker-{cg}.scope,task_memcg=/system.slice/docker-{cg}.scope,task={comm},pid={pid},uid=0",
            f"[{uptime + 0.0011:.6f}] Memory cgroup out of memory: Killed process {pid} ({comm}) total-vm:{anon_kb + 900000}kB, anon-rss:{anon_kb}kB, file-rss:10240kB, shmem-rss:0kB, UID:0 pgtables:{anon_kb // 200}kB oom_score_adj:0"]


def uvicorn_access(rng: random.Random, path: str = "/healthz", code: int = 200) -> str:
    port = rng.randrange(32768, 60999)
    phrase = {200: "OK", 503: "Service Unavailable", 500: "Internal Server Error"}[code]
    return f'INFO:     127.0.0.1:{port} - "GET {path} HTTP/1.1" {code} {phrase}'


def nginx_access(ts_text: str, path: str, code: int, nbytes: int, upstream: float) -> str:
    return (f'10.0.3.{7 + code % 50} - - [{ts_text}] "PUT {path} HTTP/1.1" {code} {nbytes} "-" '
            f'"Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.0 lang/python#3.11.7" rt={upstream:.3f}')
