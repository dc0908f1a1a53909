#!/usr/bin/env bash
# Side-by-side: QEMU 10.0 -> QEMU 10.0 multifd against multifd-java (two JVMs) on the same
# deterministic guest-like image, same channels, method and level, same destination memory mode,
# alternating A B A B so both see the same machine. Prints a table of medians and the ratio.
#
# Usage: bench/compare-qemu.sh [options]
#   --size SIZE        image size (default 1G; 256M..1G is the intended range)
#   --seed N           image seed (default 1)
#   --configs LIST     method:channels items (default "none:2 zstd:2 zlib:2 none:1 zstd:1 zlib:1 none:4 zstd:4 zlib:4")
#   --level N          zlib/zstd level (default 1)
#   --reps N           runs of each side per configuration (default 2: A B A B)
#   --cold             destination memory cold (default: preallocated, -mem-prealloc / --prealloc)
#   --out DIR          where the image, the JSON of every run and table.md go (default bench/out)
#   --no-bound         skip the codec bound (zlib/zstd configs otherwise also run, as a third side C,
#                      JMH CodecBoundBenchmarks: all cores doing nothing but compress and decompress
#                      the same image with the library alone; about 40 s per run)
# Environment: QEMU (default qemu-system-x86_64), MULTIFD (default ./multifd; e.g. a `java -p LIB -m
# io.multifd.cli/io.multifd.cli.Main` command line).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
size=1G; seed=1; level=1; reps=2; mode=prealloc; out="$root/bench/out"; bound=yes
configs="none:2 zstd:2 zlib:2 none:1 zstd:1 zlib:1 none:4 zstd:4 zlib:4"
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size="$2"; shift 2;;
    --seed) seed="$2"; shift 2;;
    --configs) configs="$2"; shift 2;;
    --level) level="$2"; shift 2;;
    --reps) reps="$2"; shift 2;;
    --cold) mode=cold; shift;;
    --prealloc) mode=prealloc; shift;;
    --out) out="$2"; shift 2;;
    --no-bound) bound=no; shift;;
    -h|--help) sed -n '2,20p' "$0"; exit 0;;
    *) echo "compare-qemu: unknown option $1" >&2; exit 2;;
  esac
done
qemu="${QEMU:-qemu-system-x86_64}"
read -r -a mfd <<< "${MULTIFD:-$root/multifd}"
mkdir -p "$out"
img="$out/guest-$size-seed$seed.img"
if [ ! -f "$img" ]; then
  "${mfd[@]}" bench --image "$size" --seed "$seed" --write-image "$img"
fi
echo "compare-qemu: image $img, destination memory $mode, $reps runs per side, configs: $configs"
echo "compare-qemu: $("$qemu" --version | head -1); host $(nproc) cores"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if [ "$bound" = yes ]; then
  echo "compare-qemu: building the JMH benchmarks for the codec bound (mvn package -pl multifd-bench -am)"
  (cd "$root" && mvn -B -q -DskipTests package -pl multifd-bench -am)
fi
qemu_pre=(); our_pre=(--prealloc)
if [ "$mode" = prealloc ]; then qemu_pre=(--prealloc); else our_pre=(--cold); fi
results="$out/runs-$(date +%Y%m%d-%H%M%S).jsonl"
checked=no
for cfg in $configs; do
  m="${cfg%%:*}"; n="${cfg##*:}"
  lvl=(); [ "$m" != none ] && lvl=(--level "$level")
  for r in $(seq 1 "$reps"); do
    chk=(); [ "$checked" = no ] && chk=(--check) && checked=yes
    # A: QEMU -> QEMU
    a=$(python3 "$root/bench/qemu_migrate.py" --qemu "$qemu" --image "$img" --method "$m" --level "$level" \
        --channels "$n" "${qemu_pre[@]}" "${chk[@]}")
    echo "{\"side\":\"qemu\",\"config\":\"$cfg\",\"rep\":$r,\"run\":$a}" >> "$results"
    # B: multifd-java, two JVMs
    j="$out/ours-$m-$n-$r.json"
    "${mfd[@]}" bench --transport jvm2 --image "$img" --methods "$m" "${lvl[@]}" --channels "$n" "${our_pre[@]}" \
        --no-chart --progress none --json "$j" > "$out/ours-$m-$n-$r.log"
    echo "{\"side\":\"ours\",\"config\":\"$cfg\",\"rep\":$r,\"run\":$(tr -d '\n' < "$j")}" >> "$results"
    # C: the codec bound, the library alone compressing and decompressing on every core
    if [ "$bound" = yes ] && [ "$m" != none ]; then
      bj="$out/bound-$m-$n-$r.json"
      "$java_bin" -cp "$root/multifd-bench/target/lib/*" org.openjdk.jmh.Main CodecBound -p method="$m" \
          -p level="$level" -p image="$img" -t "$(nproc)" -f 1 -wi 3 -w 2 -i 5 -r 2 -rf json -rff "$bj" \
          > "$out/bound-$m-$n-$r.log"
      g=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[0]["primaryMetric"]["score"] * 524288 / 2**30)' "$bj")
      echo "{\"side\":\"bound\",\"config\":\"$cfg\",\"rep\":$r,\"run\":{\"gibps\":$g}}" >> "$results"
    fi
    python3 - "$results" "$cfg" "$r" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
q = [x for x in rows if x["config"] == sys.argv[2] and x["rep"] == int(sys.argv[3])]
a = next(x["run"]["gibps"] for x in q if x["side"] == "qemu")
b = next(x["run"]["results"][0]["endToEndGiBps"] for x in q if x["side"] == "ours")
c = next((x["run"]["gibps"] for x in q if x["side"] == "bound"), None)
print("compare-qemu: %-7s run %s: QEMU %.3f GiB/s, multifd-java %.3f GiB/s, ratio %.2f%s" % (sys.argv[2], sys.argv[3], a, b, b / a,
      "" if c is None else ", codec bound %.3f GiB/s, multifd-java/bound %.2f" % (c, b / c)))
PY
  done
done
python3 - "$results" "$mode" "$size" "$out/table.md" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
order = []
for x in rows:
    if x["config"] not in order:
        order.append(x["config"])
lines = ["| method | channels | QEMU 10.0 GiB/s | multifd-java GiB/s | ratio | codec bound GiB/s | ours / bound (QEMU / bound) | runs | QEMU wire ratio | our wire ratio | QEMU CPU s src/dst | our CPU s src/dst |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|"]
for c in order:
    q = [x["run"] for x in rows if x["config"] == c and x["side"] == "qemu"]
    o = [x["run"]["results"][0] for x in rows if x["config"] == c and x["side"] == "ours"]
    qa = statistics.median(r["gibps"] for r in q)
    ob = statistics.median(r["endToEndGiBps"] for r in o)
    ratios = [b["endToEndGiBps"] / a["gibps"] for a, b in zip(q, o)]
    bd = [x["run"]["gibps"] for x in rows if x["config"] == c and x["side"] == "bound"]
    bm = statistics.median(bd) if bd else None
    m, n = c.split(":")
    lines.append("| %s | %s | %.3f | %.3f | **%.2f** (per pair: %s) | %s | %s | %d+%d | %.2f | %.2f | %.2f/%.2f | %.2f/%.2f |" % (
        m, n, qa, ob, ob / qa, " ".join("%.2f" % r for r in ratios),
        "-" if bm is None else "%.3f" % bm, "-" if bm is None else "**%.2f** (%.2f)" % (ob / bm, qa / bm), len(q), len(o),
        statistics.median(r["ram_total"] / max(1, r["ram_transferred"]) for r in q),
        statistics.median(r["ratio"] for r in o),
        statistics.median(r["cpu_src"] for r in q), statistics.median(r["cpu_dst"] for r in q),
        statistics.median(r["sourceCpuSeconds"] for r in o), statistics.median(r["destinationCpuSeconds"] for r in o)))
text = "Image %s, destination memory %s; medians, GiB of image per second end to end.\n\n" % (sys.argv[3], sys.argv[2]) + "\n".join(lines) + "\n"
open(sys.argv[4], "w").write(text)
print()
print(text)
PY
echo "compare-qemu: runs in $results, table in $out/table.md"
