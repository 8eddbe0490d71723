# Debian's chromium for the real-browser sign-in test (test/browser), driven by playwright-core.
# Idempotent: installs only when /usr/bin/chromium is missing. The test fails in CI without it.
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq -o DPkg::Lock::Timeout=300 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
export PICO_CHROMIUM="${PICO_CHROMIUM:-/usr/bin/chromium}"
