#!/usr/bin/env bash
# Install every Debian package that mailorigin's build and tests need.
# Idempotent; run as root. Used by .ci/run and by `make deps`.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(
  build-essential pkg-config libconfig-dev libbsd-dev libmd-dev libcmocka-dev
  clang libclang-rt-14-dev valgrind
  postfix php-cli php-fpm php-cgi apache2 libapache2-mod-php libfcgi-bin
  libphp-phpmailer bsd-mailx curl lsof hyperfine procps util-linux
  sasl2-bin libsasl2-modules swaks libio-socket-inet6-perl libmilter-dev php-symfony-mailer pflogsumm iproute2
  mmdebstrap zlib1g-dev git make ca-certificates time python3 perl nodejs jq
  debhelper lintian strace
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
  echo "postfix postfix/mailname string test.invalid" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
