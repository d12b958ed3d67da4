#!/usr/bin/env bash
# The report test renders the HTML report in headless Chromium; install Debian's package when it is missing.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
