#!/usr/bin/env bash
# Peak resident set of each side of a real transfer ('multifd send' -> 'multifd receive', two
# JVMs over loopback), for images of the given sizes: prints the peak RSS of each process, and
# its difference to the image size (the issue's budget: image + 64 MiB). The image files live in DIR
# (default /dev/shm, so disk speed does not matter). The destination maps its file and its written
# pages count in its RSS (it never touches the pages of zero pages it did not receive before, so
# its RSS stays below the image size); the source maps its file in 16 MiB windows that it gives back
# once sent (see MemoryImage.mapForSending), so its RSS holds a few windows of the image.
# About 1 minute per GiB.
#
# Usage: bench/rss.sh [--sizes "1G 4G"] [--method zstd] [--channels 2] [--dir DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sizes="1G 4G"; method=zstd; channels=2; dir=/dev/shm
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2;;
    --method) method="$2"; shift 2;;
    --channels) channels="$2"; shift 2;;
    --dir) dir="$2"; shift 2;;
    -h|--help) sed -n '2,11p' "$0"; exit 0;;
    *) echo "rss: unknown option $1" >&2; exit 2;;
  esac
done
read -r -a mfd <<< "${MULTIFD:-$root/multifd}"
work="$(mktemp -d "$dir/multifd-rss.XXXXXX")"
trap 'rm -rf "$work"' EXIT
peak() { awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$1"; }
printf '| image | method | channels | budget MiB (image + 64) | source peak RSS MiB (minus image) | destination peak RSS MiB (minus image) |\n'
printf '|---|---|---|---|---|---|\n'
for size in $sizes; do
  img="$work/pc.ram.img"
  MULTIFD_JAVA_OPTS= "${mfd[@]}" bench --image "$size" --write-image "$img" > /dev/null
  bytes=$(stat -c %s "$img")
  mkdir -p "$work/out"
  /usr/bin/time -v "${mfd[@]}" receive --listen 127.0.0.1:0 --out "$work/out" --methods "$method" \
      --progress none > "$work/recv.log" 2> "$work/recv.time" &
  rpid=$!
  port=""
  for _ in $(seq 1 150); do
    port=$(sed -n 's/^multifd receive: listening on [^ ]*:\([0-9]*\),.*/\1/p' "$work/recv.log")
    [ -n "$port" ] && break; sleep 0.2
  done
  [ -n "$port" ] || { echo "rss: the receiver did not start" >&2; cat "$work/recv.time" >&2; exit 1; }
  /usr/bin/time -v "${mfd[@]}" send --connect "127.0.0.1:$port" --method "$method" --channels "$channels" \
      --progress none "$img" > "$work/send.log" 2> "$work/send.time"
  wait "$rpid"
  cmp -s "$img" "$work/out/pc.ram.img" || { echo "rss: the received image differs" >&2; exit 1; }
  s=$(( $(peak "$work/send.time") / 1024 )); d=$(( $(peak "$work/recv.time") / 1024 )); m=$(( bytes >> 20 ))
  printf '| %s | %s | %s | %d | %d (%+d) | %d (%+d) |\n' "$size" "$method" "$channels" $((m + 64)) "$s" $((s - m)) \
      "$d" $((d - m))
  rm -f "$img" "$work/out/"*
done
