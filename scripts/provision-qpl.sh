#!/usr/bin/env bash
# Provisions Intel QPL (libqpl) for method-qpl on a system that has none, such as Debian
# bookworm: fetches Debian unstable's libqpl-dev with apt through a PRIVATE sources list and
# state directory (the system's apt configuration is neither read for sources nor changed),
# unpacks it with dpkg -x, and links its static libqpl.a into .qpl/lib/libqpl.so together with a
# two-function shim (sid's build needs glibc 2.38's __isoc23_strtol/__isoc23_strtoll; bookworm has
# glibc 2.36). It then compiles a probe against the real headers that prints the qpl_job field
# offsets (.qpl/lib/qpl-job-layout.properties, checked by method-qpl's tests) and compresses and
# decompresses a page through the software path.
#
# Usage: scripts/provision-qpl.sh [--force]
#   Output: <repo>/.qpl/lib/libqpl.so (override the folder with QPL_HOME=/some/dir).
#   Idempotent: does nothing when the library, the layout file and the stamp are current.
#   Quiet on success; on failure prints what failed and the log, and exits non-zero.
#   Needs: apt-get, dpkg, gcc, network access to Debian's archive.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
QPL_HOME="${QPL_HOME:-$ROOT/.qpl}"
SUITE="${QPL_DEBIAN_SUITE:-sid}"
MIRROR="${QPL_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PACKAGE=libqpl-dev
STAMP_VERSION=1   # raise when this script's output changes

LIB="$QPL_HOME/lib/libqpl.so"
LAYOUT="$QPL_HOME/lib/qpl-job-layout.properties"
STAMP="$QPL_HOME/lib/provisioned"
LOG="$QPL_HOME/provision.log"

if [[ "${1:-}" != "--force" && -f "$LIB" && -f "$LAYOUT" && -f "$STAMP" ]] \
        && grep -qx "script=$STAMP_VERSION" "$STAMP"; then
    exit 0
fi

mkdir -p "$QPL_HOME"
: >"$LOG"

fail() {
    echo "provision-qpl: $*" >&2
    if [[ -s "$LOG" ]]; then
        echo "provision-qpl: last lines of $LOG:" >&2
        tail -n 30 "$LOG" >&2
    fi
    exit 1
}

for tool in apt-get dpkg dpkg-deb gcc; do
    command -v "$tool" >/dev/null || fail "'$tool' is not installed; it is needed to provision libqpl"
done

# ---- 1. private apt state: sources, lists and cache all under $QPL_HOME/apt ---------------------
APT="$QPL_HOME/apt"
mkdir -p "$APT/etc/sources.list.d" "$APT/etc/preferences.d" "$APT/lists/partial" "$APT/cache/archives/partial"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
write_sources() {
    echo "deb [$1] $MIRROR $SUITE main" >"$APT/etc/sources.list"
}

APT_OPTS=(
    -o "Dir::Etc::SourceList=$APT/etc/sources.list"
    -o "Dir::Etc::SourceParts=$APT/etc/sources.list.d"
    -o "Dir::Etc::Preferences=$APT/etc/preferences"
    -o "Dir::Etc::PreferencesParts=$APT/etc/preferences.d"
    -o "Dir::State::Lists=$APT/lists"
    -o "Dir::Cache=$APT/cache"
    -o "APT::Sandbox::User=root"
    -o "Acquire::Languages=none"
)

# Verify sid's index with this system's Debian archive keys; when they are missing or too old for
# sid's current signing key, fall back to an unverified index (the .deb is still checked against it).
updated=no
if [[ -r "$KEYRING" ]]; then
    write_sources "signed-by=$KEYRING"
    if apt-get -q --error-on=any "${APT_OPTS[@]}" update >>"$LOG" 2>&1 && ! grep -q -E 'NO_PUBKEY|not signed|EXPKEYSIG' "$LOG"; then
        updated=yes
    else
        echo "provision-qpl: the update verified with $KEYRING failed; retrying with trusted=yes" >>"$LOG"
    fi
fi
if [[ $updated == no ]]; then
    write_sources "trusted=yes"
    apt-get -q --error-on=any "${APT_OPTS[@]}" update >>"$LOG" 2>&1 \
        || fail "apt-get update of Debian $SUITE ($MIRROR) failed; is the Debian archive reachable?"
fi

DEB_DIR="$APT/debs"
rm -rf "$DEB_DIR"
mkdir -p "$DEB_DIR"
(cd "$DEB_DIR" && apt-get -q "${APT_OPTS[@]}" download "$PACKAGE") >>"$LOG" 2>&1 \
    || fail "apt-get download $PACKAGE from Debian $SUITE failed"
DEB="$(ls "$DEB_DIR"/${PACKAGE}_*.deb 2>/dev/null | head -n 1)"
[[ -n "$DEB" ]] || fail "apt-get download left no ${PACKAGE}_*.deb in $DEB_DIR"
VERSION="$(dpkg-deb -f "$DEB" Version)"

# ---- 2. unpack ----------------------------------------------------------------------------------
PKG="$QPL_HOME/pkg"
rm -rf "$PKG"
dpkg -x "$DEB" "$PKG" >>"$LOG" 2>&1 || fail "dpkg -x $DEB failed"
INCLUDE="$PKG/usr/include"
STATIC="$(find "$PKG" -name libqpl.a | head -n 1)"
[[ -f "$INCLUDE/qpl/qpl.h" ]] || fail "$DEB has no include/qpl/qpl.h"
[[ -n "$STATIC" ]] || fail "$DEB has no libqpl.a"

# ---- 3. link libqpl.so from libqpl.a plus the glibc 2.38 shim -----------------------------------
BUILD="$QPL_HOME/build"
rm -rf "$BUILD"
mkdir -p "$BUILD" "$QPL_HOME/lib"
cat >"$BUILD/shim.c" <<'EOF'
/* glibc 2.38 redirects strtol/strtoll to these C23 variants when compiling with _GNU_SOURCE;
 * libqpl.a from Debian sid references them. Older glibc lacks them: forward to the classic ones
 * (they differ only in accepting the 0b prefix, which libqpl does not parse). */
#include <stdlib.h>
long __isoc23_strtol(const char *s, char **end, int base) { return strtol(s, end, base); }
long long __isoc23_strtoll(const char *s, char **end, int base) { return strtoll(s, end, base); }
EOF
gcc -shared -fPIC -O2 -o "$BUILD/libqpl.so" "$BUILD/shim.c" \
    -Wl,--whole-archive "$STATIC" -Wl,--no-whole-archive -lstdc++ -ldl -lpthread >>"$LOG" 2>&1 \
    || fail "linking libqpl.so from $STATIC failed"

# ---- 4. the qpl_job layout, read from the real header ------------------------------------------
cat >"$BUILD/layout.c" <<'EOF'
#include <stddef.h>
#include <stdio.h>
#include "qpl/qpl.h"
#define F(name) printf(#name "=%zu\n", offsetof(qpl_job, name))
int main(void) {
    printf("sizeof=%zu\n", sizeof(qpl_job));
    F(next_in_ptr); F(available_in); F(total_in);
    F(next_out_ptr); F(available_out); F(total_out);
    F(op); F(flags); F(crc); F(level); F(statistics_mode); F(huffman_table); F(dictionary);
    return 0;
}
EOF
gcc -O0 -I"$INCLUDE" -o "$BUILD/layout" "$BUILD/layout.c" >>"$LOG" 2>&1 || fail "compiling the qpl_job layout probe failed"
{
    echo "# qpl_job field offsets from $PACKAGE $VERSION (offsetof against its headers)"
    echo "version=$VERSION"
    "$BUILD/layout"
} >"$BUILD/qpl-job-layout.properties" || fail "running the qpl_job layout probe failed"

# ---- 5. self-test: one page through the software path, via the built shared library ------------
cat >"$BUILD/selftest.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "qpl/qpl.h"
static qpl_job *make(qpl_path_t path) {
    uint32_t size = 0;
    if (qpl_get_job_size(path, &size) != QPL_STS_OK) return NULL;
    qpl_job *job = malloc(size);
    if (qpl_init_job(path, job) != QPL_STS_OK) { free(job); return NULL; }
    return job;
}
int main(void) {
    enum { PAGE = 4096 };
    static uint8_t page[PAGE], packed[PAGE], back[PAGE];
    for (int i = 0; i < PAGE; i++) page[i] = (uint8_t)("multifd qpl self-test "[i % 22] + i / 512);
    qpl_job *job = make(qpl_path_software);
    if (!job) { fprintf(stderr, "software path init failed\n"); return 1; }
    job->op = qpl_op_compress; job->level = qpl_default_level;
    job->flags = QPL_FLAG_FIRST | QPL_FLAG_LAST | QPL_FLAG_OMIT_VERIFY;
    job->next_in_ptr = page; job->available_in = PAGE;
    job->next_out_ptr = packed; job->available_out = PAGE - 1;
    qpl_status st = qpl_execute_job(job);
    uint32_t len = job->total_out;
    if (st != QPL_STS_OK || len == 0 || len >= PAGE) { fprintf(stderr, "compress: status %u len %u\n", st, len); return 1; }
    job->op = qpl_op_decompress; job->flags = QPL_FLAG_FIRST | QPL_FLAG_LAST;
    job->next_in_ptr = packed; job->available_in = len;
    job->next_out_ptr = back; job->available_out = PAGE;
    st = qpl_execute_job(job);
    if (st != QPL_STS_OK || job->total_out != PAGE || memcmp(page, back, PAGE) != 0) {
        fprintf(stderr, "decompress: status %u out %u\n", st, job->total_out); return 1;
    }
    qpl_fini_job(job); free(job);
    printf("ok %s %u\n", qpl_get_library_version(), len);
    return 0;
}
EOF
gcc -O0 -I"$INCLUDE" -o "$BUILD/selftest" "$BUILD/selftest.c" -L"$BUILD" -lqpl >>"$LOG" 2>&1 \
    || fail "compiling the self-test against the new libqpl.so failed"
LD_LIBRARY_PATH="$BUILD" "$BUILD/selftest" >>"$LOG" 2>&1 || fail "the libqpl software-path self-test failed"

# ---- 6. install atomically ----------------------------------------------------------------------
mv -f "$BUILD/libqpl.so" "$LIB.tmp" && mv -f "$LIB.tmp" "$LIB"
mv -f "$BUILD/qpl-job-layout.properties" "$LAYOUT"
printf 'script=%s\npackage=%s\nversion=%s\nsuite=%s\n' "$STAMP_VERSION" "$PACKAGE" "$VERSION" "$SUITE" >"$STAMP"
