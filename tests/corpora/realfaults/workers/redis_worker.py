"""A summarizer-side worker that takes its job queue from redis (a real TCP connection, RESP
protocol by hand: the redis client library is not a project dependency). Without redis it dies."""

import os
import socket
import time

host, port = os.environ.get("REDIS_HOST", "127.0.0.1"), int(os.environ.get("REDIS_PORT", "6379"))
print(f"scene_summarizer 2.1.0 connecting to redis at {host}:{port}", flush=True)
conn = socket.create_connection((host, port), timeout=3)
f = conn.makefile("rb")
print("connected to job queue", flush=True)
while True:
    conn.sendall(b"*3\r\n$5\r\nBRPOP\r\n$7\r\nvv:jobs\r\n$1\r\n2\r\n")
    reply = f.readline()
    if not reply:
        raise ConnectionError(f"redis at {host}:{port} closed the connection")
    if reply.startswith(b"*-1") or reply.startswith(b"*0"):
        continue
    if reply.startswith(b"*"):
        for _ in range(int(reply[1:]) * 2):
            f.readline()
        print("summarized one job", flush=True)
    time.sleep(0.1)
