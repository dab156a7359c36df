#!/bin/sh
# Start the engine-socket proxy in the foreground (the socket-proxy image's entrypoint; the tests
# run it on the host with Debian's haproxy and the same haproxy.cfg). See haproxy.cfg.
set -eu
: "${VV_ENGINE_SOCKET:=/run/engine.sock}"
: "${VV_PROXY_SOCKET:=/run/vvai-engine/docker.sock}"
: "${VV_PROXY_UID:=1000}"
: "${VV_PROXY_GID:=1000}"
: "${VV_STACK_PREFIX:=vv_}"
: "${VV_PROXY_CFG:=/etc/vvai-proxy/haproxy.cfg}"
export VV_ENGINE_SOCKET VV_PROXY_SOCKET VV_PROXY_UID VV_PROXY_GID VV_STACK_PREFIX

# the prefix goes into a regular expression: letters, digits, '_' and '-' only
case "$VV_STACK_PREFIX" in
  *[!a-zA-Z0-9_-]*|"") echo "socket-proxy: VV_STACK_PREFIX must be [a-zA-Z0-9_-]+ (got '$VV_STACK_PREFIX')" >&2; exit 2 ;;
esac
[ -S "$VV_ENGINE_SOCKET" ] || { echo "socket-proxy: no engine socket at $VV_ENGINE_SOCKET (mount it)" >&2; exit 2; }
mkdir -p "$(dirname "$VV_PROXY_SOCKET")"
rm -f "$VV_PROXY_SOCKET"
echo "socket-proxy: $VV_ENGINE_SOCKET -> $VV_PROXY_SOCKET (writes only for ${VV_STACK_PREFIX}<service>)"
exec haproxy -db -f "$VV_PROXY_CFG"
