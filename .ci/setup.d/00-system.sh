# redis-server for the Redis harness and fault tests (Redis itself also runs on 127.0.0.1:6379).
if ! command -v redis-server >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
