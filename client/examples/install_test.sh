#!/usr/bin/env bash
# The installable client, as an application sees it: installs BUILD_DIR's client into a
# prefix inside BUILD_DIR, builds client/examples/ out of tree with find_package(mq), and
# the producer once more with nothing but `pkg-config --cflags --libs mq`; then checks that
# each program starts (prints its usage) and that `readelf -d` shows no server library
# (MySQL Connector/C++, MariaDB, prometheus-cpp, civetweb) among what it needs.
#
#   client/examples/install_test.sh BUILD_DIR SOURCE_DIR [CMAKE_GENERATOR]
set -euo pipefail

readonly BUILD=$(cd "${1:?usage: install_test.sh BUILD_DIR SOURCE_DIR}" && pwd)
readonly SRC=$(cd "${2:?usage: install_test.sh BUILD_DIR SOURCE_DIR}" && pwd)
readonly WORK=$BUILD/install-test
readonly PREFIX=$WORK/prefix
readonly GENERATOR=${3:-Unix Makefiles}

rm -rf "$PREFIX" "$WORK/examples"
mkdir -p "$WORK"
cmake --install "$BUILD" --prefix "$PREFIX" --component client >"$WORK/install.log"
for file in include/mq/client.h include/mq/tls_config.h lib/libmq_client.a \
  lib/cmake/mq/mqConfig.cmake lib/pkgconfig/mq.pc; do
  [[ -f $PREFIX/$file ]] || { echo "install_test: $PREFIX/$file was not installed" >&2; exit 1; }
done
# The public headers declare the client's own types (namespace mq::client): no generated
# wire type (mq::rpc, mq_types.h) is installed or named.
if [[ -e $PREFIX/include/mq_types.h ]] ||
  grep -l -E '#include "(mq_types|MetaService|Broker)\.h"|rpc::' "$PREFIX"/include/mq/*.h; then
  echo "install_test: the installed headers expose generated wire types (above)" >&2
  exit 1
fi
# Nothing of the servers may be installed with the client.
if find "$PREFIX" -name '*.a' | grep -v -E '/libmq_(client|common|rpc)\.a$'; then
  echo "install_test: the libraries above are not the client's" >&2
  exit 1
fi

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$SRC/client/examples" -B "$WORK/examples" -G "$GENERATOR" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$PREFIX" "${launcher[@]}" >"$WORK/configure.log"
cmake --build "$WORK/examples"
# shellcheck disable=SC2046  # pkg-config prints several flags
PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig ${launcher:+ccache} g++ -std=c++17 -O1 \
  "$SRC/client/examples/producer.cc" -o "$WORK/examples/pkgconfig_producer" \
  $(PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig pkg-config --cflags --libs mq)

status=0
for program in example_producer example_consumer pkgconfig_producer; do
  binary=$WORK/examples/$program
  # Without arguments each prints its usage and exits 2: it loads and starts.
  set +e
  "$binary" >/dev/null 2>"$WORK/$program.err"
  code=$?
  set -e
  if [[ $code -ne 2 ]] || ! grep -q usage "$WORK/$program.err"; then
    echo "install_test: $program did not start (exit $code): $(cat "$WORK/$program.err")" >&2
    status=1
  fi
  needed=$(readelf -d "$binary" | grep NEEDED || true)
  echo "$program needs:"
  echo "$needed" | sed 's/.*Shared library: /  /'
  if echo "$needed" | grep -E -i 'mysqlcppconn|mariadb|mysqlclient|prometheus|civetweb'; then
    echo "install_test: $program links server libraries (above)" >&2
    status=1
  fi
done
exit $status
